package dev.taskpoll;

import dev.taskpoll.catalog.TaskKind;
import org.jspecify.annotations.Nullable;

/**
 * What a tracker has done for one model (or, for tasks tracked without a model, one family): a snapshot. A tracker
 * keeps at most {@link #MODELS_KEPT} models apart; later ones are counted together as {@link #OTHER_MODELS}.
 *
 * @param kind      the family or asset library
 * @param model     the model, or null for tasks whose model was not given, or {@link #OTHER_MODELS}
 * @param polls     polls sent (retries not counted)
 * @param started   tasks whose tracking started
 * @param completed tasks that ended completed
 * @param failed    tasks that ended failed or cancelled
 * @param errors    tasks whose tracking ended with an error (deadline, retries exhausted, a permanent HTTP status)
 * @param stalled   tasks that ran past the model's learned 99.9th percentile ({@link TaskStalled})
 * @param timedEnds       tasks that ended by a terminal status, whose time to it is counted in
 *                        {@code timeToEndMillis}
 * @param timeToEndMillis the sum of their times from the start of tracking (the submit, for a submitted task; resumed
 *                        tasks keep their start) to the terminal status, by the tracker's clock
 * @param answers         polls answered with a status
 * @param answerMillis    the sum of their latencies, from a poll's first request to its answer (retries included)
 */
public record ModelStats(TaskKind kind, @Nullable String model, long polls, long started, long completed, long failed,
                         long errors, long stalled, long timedEnds, long timeToEndMillis, long answers,
                         long answerMillis) {

    /**
     * How many (kind, model) pairs a tracker keeps counters of their own for: 256. Past them, each further model is
     * counted under its kind with the model {@link #OTHER_MODELS} (one more entry per kind that overflows; tasks
     * without a model keep their kind's entry), so that a service tracking whatever model its callers name keeps a
     * bounded set of counters and meters (a few more than 256 may be kept when many first tasks start at once).
     */
    public static final int MODELS_KEPT = 256;

    /** The model of the counters that take up the models beyond the first {@link #MODELS_KEPT}: {@code (other models)}. */
    public static final String OTHER_MODELS = "(other models)";

    /**
     * Polls per task ended so far (0 before any ended).
     *
     * @return polls per ended task
     */
    public double pollsPerEndedTask() {
        long ended = completed + failed + errors;
        return ended == 0 ? 0 : (double) polls / ended;
    }

    /** The live counters behind a snapshot, read when asked (for meters). */
    public interface Live {
        /**
         * The family or asset library.
         *
         * @return the kind
         */
        TaskKind kind();

        /**
         * The model, or null for tasks whose model was not given.
         *
         * @return the model, or null
         */
        @Nullable String model();

        /**
         * The counters now.
         *
         * @return a snapshot
         */
        ModelStats snapshot();
    }
}
