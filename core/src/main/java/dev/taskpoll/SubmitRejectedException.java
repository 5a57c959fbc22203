package dev.taskpoll;

import dev.taskpoll.catalog.TaskKind;
import org.jspecify.annotations.Nullable;

/**
 * The API refused a submit: a 4xx other than 429, or a 2xx envelope whose {@code code} is not {@code 0}. No task was
 * created. {@link #serverMessage()} holds the provider's reason (its {@code msg}), kept out of {@link #getMessage()}.
 */
public class SubmitRejectedException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    /** The HTTP status of the answer. */
    private final int httpStatus;
    /** The envelope's {@code code}, or the HTTP status as text. */
    private final String code;
    /** The provider's reason, or null. */
    private final @Nullable String serverMessage;

    /**
     * A submit of {@code family} the API refused.
     *
     * @param family        the family or asset library of the submit
     * @param httpStatus    the HTTP status of the answer
     * @param code          the envelope's {@code code}, or the HTTP status as text when there was none
     * @param serverMessage the provider's reason, or null
     */
    public SubmitRejectedException(TaskKind family, int httpStatus, String code, @Nullable String serverMessage) {
        super(family + " submit rejected: HTTP " + httpStatus + ", code " + code, null, null, null);
        this.httpStatus = httpStatus;
        this.code = code;
        this.serverMessage = serverMessage;
    }

    /**
     * The HTTP status of the answer.
     *
     * @return the status code
     */
    public int httpStatus() {
        return httpStatus;
    }

    /**
     * The envelope's {@code code}, or the HTTP status as text when there was none.
     *
     * @return the code
     */
    public String code() {
        return code;
    }

    /**
     * The provider's reason ({@code msg}, {@code message}, {@code error}, or {@code error.message}), control characters
     * replaced by spaces, at most 500 characters.
     *
     * @return the reason, or null
     */
    public @Nullable String serverMessage() {
        return serverMessage;
    }

    @Override
    public SubmitRejectedException withLastStatus(@Nullable TaskStatus status) {
        return this;
    }
}
