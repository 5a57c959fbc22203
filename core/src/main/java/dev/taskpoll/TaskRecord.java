package dev.taskpoll;

import dev.taskpoll.catalog.TaskKind;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A task as a durable store records it: what {@link TaskpollClient#tasks} lists and {@link TaskpollClient#task}
 * gives (with its history).
 *
 * @param id          the task id; null for a submit in doubt (sent, no answer recorded)
 * @param kind        the family or asset library
 * @param model       the model, when known
 * @param phase       open (tracked until it ends), ended, or in doubt
 * @param last        the latest status recorded, if any
 * @param submittedAt when it was submitted (for a submit in doubt: when its intent was recorded; for a task tracked
 *                    by reference: when its tracking began)
 * @param endedAt     when tracking ended, if it has
 * @param error       what ended tracking with an error, or why the capture of a completed task failed; null if none
 * @param files       results stored by capture
 * @param history     every status recorded, oldest first (empty in listings; given by {@link TaskpollClient#task})
 * @param intentId    the submit's intent, or 0 for a task tracked by reference
 * @param request     the request body as sent (JSON, never the API key), for a submitted task; null otherwise
 */
public record TaskRecord(@Nullable String id, TaskKind kind, @Nullable String model, Phase phase,
                         @Nullable TaskStatus last, Instant submittedAt, @Nullable Instant endedAt,
                         @Nullable String error, List<StoredFile> files, List<TaskStatus> history, long intentId,
                         @Nullable String request) {

    /** Where a recorded task stands. */
    public enum Phase {
        /** Tracked until it ends. */
        OPEN,
        /** Tracking has ended: a terminal status, or an error. */
        ENDED,
        /** A submit was sent and no answer was recorded: a task may exist and be billed. Never sent again. */
        IN_DOUBT
    }

    /**
     * A recorded task; the lists are copied.
     *
     * @param id          the task id, or null for a submit in doubt
     * @param kind        the family or asset library
     * @param model       the model, or null
     * @param phase       open, ended, or in doubt
     * @param last        the latest status recorded, or null
     * @param submittedAt when it was submitted
     * @param endedAt     when tracking ended, or null
     * @param error       what ended tracking with an error, or null
     * @param files       results stored by capture
     * @param history     every status recorded, oldest first
     * @param intentId    the submit's intent, or 0
     * @param request     the request body as sent, or null
     */
    public TaskRecord {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(submittedAt, "submittedAt");
        files = List.copyOf(files);
        history = List.copyOf(history);
    }

    /**
     * The task's state ({@link TaskState#name()} of its last status), or {@code IN_DOUBT}, or {@code UNKNOWN}.
     *
     * @return the state's name
     */
    public String state() {
        if (phase == Phase.IN_DOUBT) {
            return "IN_DOUBT";
        }
        return last == null ? TaskState.UNKNOWN.name() : last.state().name();
    }
}
