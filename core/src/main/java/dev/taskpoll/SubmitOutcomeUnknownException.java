package dev.taskpoll;

import dev.taskpoll.catalog.TaskKind;
import org.jspecify.annotations.Nullable;

/**
 * A submit reached the API, or may have, and no task id came back: a 5xx, a response timeout, a connection lost after
 * the request was written, or an unreadable 2xx. A task may have been created (and billed), so taskpoll does not
 * submit again; check the provider before resubmitting.
 */
public class SubmitOutcomeUnknownException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    private final TaskKind family;
    private final String model;
    private final int httpStatus;

    public SubmitOutcomeUnknownException(TaskKind family, String model, int httpStatus, String what,
                                         @Nullable Throwable cause) {
        super("outcome of a " + family + " (" + model + ") submit is unknown: " + what
                + "; a task may have been created, so it was not submitted again", null, null, cause);
        this.family = family;
        this.model = model;
        this.httpStatus = httpStatus;
    }

    /** The family (or asset library) of the submit. */
    public TaskKind family() {
        return family;
    }

    public String model() {
        return model;
    }

    /** The HTTP status received, or 0 when no response came. */
    public int httpStatus() {
        return httpStatus;
    }

    @Override
    public SubmitOutcomeUnknownException withLastStatus(@Nullable TaskStatus status) {
        return this;
    }
}
