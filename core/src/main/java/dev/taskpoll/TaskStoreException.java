package dev.taskpoll;

import org.jspecify.annotations.Nullable;

/**
 * A task store failed: it cannot be opened (not a taskpoll store, a newer schema, read-only, held by another
 * process) or a write could not be committed (a full disk). The message names the file and the problem, never a
 * password or a request body.
 */
public class TaskStoreException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    /** The process that tracks the store, when that is the failure; else null. */
    private final @Nullable String holder;

    /**
     * A store failure concerning {@code taskId}.
     *
     * @param message the file and the problem
     * @param taskId  the task, or null
     * @param cause   the cause, or null
     */
    public TaskStoreException(String message, @Nullable String taskId, @Nullable Throwable cause) {
        this(message, taskId, null, cause, null);
    }

    /**
     * A store failure that concerns no task and has no cause.
     *
     * @param message the file and the problem
     */
    public TaskStoreException(String message) {
        this(message, null, null);
    }

    /**
     * For subclasses: a store failure with the last status seen (see {@link #withLastStatus}).
     *
     * @param message    the file and the problem
     * @param taskId     the task, or null
     * @param lastStatus the last status seen, or null
     * @param cause      the cause, or null
     */
    protected TaskStoreException(String message, @Nullable String taskId, @Nullable TaskStatus lastStatus,
                                 @Nullable Throwable cause) {
        this(message, taskId, lastStatus, cause, null);
    }

    private TaskStoreException(String message, @Nullable String taskId, @Nullable TaskStatus lastStatus,
                               @Nullable Throwable cause, @Nullable String holder) {
        super(message, taskId, lastStatus, cause);
        this.holder = holder;
    }

    /**
     * A store refused because another process tracks it: one process tracks a store at a time.
     *
     * @param store  the store's file
     * @param holder the process that holds it, as its lock says ({@code pid 4242}), or what is known of it
     * @return the failure, with {@link #holder()}
     */
    public static TaskStoreException held(String store, String holder) {
        return held(store, holder, false);
    }

    /**
     * As {@link #held(String, String)}; {@code here}: the holder is this process (a store of the same file opened here
     * and not closed yet), which the message then says (a pid alone cannot tell: two containers sharing a volume may
     * both run as pid 1).
     *
     * @param store  the store's file
     * @param holder the process that holds it ({@code pid 4242})
     * @param here   whether it is this process
     * @return the failure, with {@link #holder()}
     */
    public static TaskStoreException held(String store, String holder, boolean here) {
        String message = here
                ? "task store " + store + " is already tracked by this process (" + holder + "), by a store of it"
                        + " that is not closed; one store tracks a file at a time: close that one, or use another file"
                : "task store " + store + " is already tracked by another process (" + holder + "); one process"
                        + " tracks a store at a time: stop it, or use another file";
        return new TaskStoreException(message, null, null, null, holder);
    }

    /**
     * The process that tracks the store, when this failure is that one process does already
     * ({@link #held(String, String)}); a caller may then follow the store instead (add and read tasks, which other
     * processes may do).
     *
     * @return the holder ({@code pid 4242}), or null for any other failure
     */
    public @Nullable String holder() {
        return holder;
    }

    @Override
    public TaskStoreException withLastStatus(@Nullable TaskStatus status) {
        return new TaskStoreException(getMessage(), taskId(), status, getCause(), holder);
    }
}
