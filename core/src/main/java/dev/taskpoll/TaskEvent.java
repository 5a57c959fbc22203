package dev.taskpoll;

/**
 * Something that happened to a task: a {@link TaskStatus}, or an event of its result capture
 * ({@link dev.taskpoll.capture.CaptureEvent}: a file stored, an expiry warning, a failure). What
 * {@link dev.taskpoll.capture.ResultCapture#attach} emits.
 */
public interface TaskEvent {

    /**
     * The task it concerns.
     *
     * @return the task id
     */
    String taskId();

    /** Something went wrong for the task that did not end its tracking (a capture that failed, say). */
    interface Failure extends TaskEvent {

        /**
         * What went wrong: task id and reason.
         *
         * @return the failure
         */
        TaskpollException failure();
    }
}
