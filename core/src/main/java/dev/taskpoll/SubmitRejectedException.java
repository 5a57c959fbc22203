package dev.taskpoll;

import dev.taskpoll.catalog.TaskKind;
import org.jspecify.annotations.Nullable;

/**
 * The API refused a submit: a 4xx other than 429, or a 2xx envelope whose {@code code} is not {@code 0}. No task was
 * created. {@link #serverMessage()} holds the provider's reason (its {@code msg}), kept out of {@link #getMessage()}.
 */
public class SubmitRejectedException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    private final int httpStatus;
    private final String code;
    private final @Nullable String serverMessage;

    public SubmitRejectedException(TaskKind family, int httpStatus, String code, @Nullable String serverMessage) {
        super(family + " submit rejected: HTTP " + httpStatus + ", code " + code, null, null, null);
        this.httpStatus = httpStatus;
        this.code = code;
        this.serverMessage = serverMessage;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The envelope's {@code code}, or the HTTP status as text when there was none. */
    public String code() {
        return code;
    }

    /**
     * The provider's reason ({@code msg}, {@code message}, {@code error}, or {@code error.message}), control characters
     * replaced by spaces, at most 500 characters.
     */
    public @Nullable String serverMessage() {
        return serverMessage;
    }

    @Override
    public SubmitRejectedException withLastStatus(@Nullable TaskStatus status) {
        return this;
    }
}
