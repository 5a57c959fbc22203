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

    /** The family (or asset library) of the submit. */
    private final TaskKind family;
    /** The model of the submit. */
    private final String model;
    /** The HTTP status received, or 0 when no response came. */
    private final int httpStatus;

    /**
     * A submit of {@code family} and {@code model} whose outcome is unknown.
     *
     * @param family     the family or asset library of the submit
     * @param model      the model of the submit
     * @param httpStatus the HTTP status received, or 0 when no response came
     * @param what       what happened (a 5xx, a response timeout...)
     * @param cause      the failure, or null
     */
    public SubmitOutcomeUnknownException(TaskKind family, String model, int httpStatus, String what,
                                         @Nullable Throwable cause) {
        super("outcome of a " + family + " (" + model + ") submit is unknown: " + what
                + "; a task may have been created, so it was not submitted again", null, null, cause);
        this.family = family;
        this.model = model;
        this.httpStatus = httpStatus;
    }

    /**
     * The family (or asset library) of the submit.
     *
     * @return the family or asset library
     */
    public TaskKind family() {
        return family;
    }

    /**
     * The model of the submit.
     *
     * @return the model
     */
    public String model() {
        return model;
    }

    /**
     * The HTTP status received, or 0 when no response came.
     *
     * @return the status, or 0
     */
    public int httpStatus() {
        return httpStatus;
    }

    @Override
    public SubmitOutcomeUnknownException withLastStatus(@Nullable TaskStatus status) {
        return this;
    }
}
