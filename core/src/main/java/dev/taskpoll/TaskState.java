package dev.taskpoll;

import java.util.Locale;

/**
 * The normalised state of a generation task. The provider's own status string is kept beside it in
 * {@link TaskStatus#rawStatus()}.
 */
public enum TaskState {
    /** Accepted, waiting for capacity ({@code queued}). */
    QUEUED(false),
    /** Being generated ({@code processing}, or {@code in_progress} in the generic task dialect). */
    PROCESSING(false),
    /** Finished with a result ({@code completed}); terminal. */
    COMPLETED(true),
    /** Finished without a result ({@code failed}); terminal. The provider's reason is in {@link TaskStatus#error()}. */
    FAILED(true),
    /** Cancelled by the provider or the user ({@code cancelled}, documented for Seedance 1.5 only); terminal. */
    CANCELLED(true),
    /** A status string this version does not know. Not terminal: polling goes on. */
    UNKNOWN(false);

    private final boolean terminal;

    TaskState(boolean terminal) {
        this.terminal = terminal;
    }

    /**
     * Whether polling stops on this state: {@code COMPLETED}, {@code FAILED} or {@code CANCELLED}.
     *
     * @return true for a terminal state
     */
    public boolean isTerminal() {
        return terminal;
    }

    /**
     * Maps a provider status string, case-insensitively, from either dialect: {@code queued}, {@code processing},
     * {@code in_progress}, {@code completed}, {@code failed}, {@code cancelled} (also {@code canceled}).
     * Anything else is {@link #UNKNOWN}.
     *
     * @param raw the provider's status string
     * @return the state
     */
    public static TaskState fromRaw(String raw) {
        switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "queued":
                return QUEUED;
            case "processing":
            case "in_progress":
                return PROCESSING;
            case "completed":
                return COMPLETED;
            case "failed":
                return FAILED;
            case "cancelled":
            case "canceled":
                return CANCELLED;
            default:
                return UNKNOWN;
        }
    }
}
