package dev.taskpoll.cadence;

import dev.taskpoll.catalog.TaskKind;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * How a {@link LearnedCadence} learns and plans. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code lagTarget}: the mean detection lag to plan for, per family (default: half the task's poll period, what
 *       the docs' fixed interval gives: 15 s for a 30 s video period, 1.5 s for 3 s images).</li>
 *   <li>{@code priorWeight}: how many completions the docs' range counts for (default 10); a range the docs do not
 *       give counts for 1.</li>
 *   <li>{@code probeShare}: the share of tasks (chosen by id) with a probe before their first poll, at a time spread
 *       from 1/4 to 7/4 of a period before it, which keeps the early edge of the distribution learned (default 0.2;
 *       about 0.2 polls per task).</li>
 *   <li>{@code jitter}: each task's schedule is stretched by a factor from {@code 1 - jitter/2} to
 *       {@code 1 + jitter/2}, drawn from its id, so that tasks of one model see the distribution's edges at different
 *       times (default 0: off; with it on, an interval can be that much longer than the period).</li>
 *   <li>{@code refitScheduler}: where refits run, off the poll path (default {@link Schedulers#single()}); null runs
 *       them where the completion is observed (deterministic, for virtual-time tests and benchmarks).</li>
 * </ul>
 */
public final class CadenceOptions {

    private final Map<TaskKind, Duration> lagTargets;
    private final double priorWeight;
    private final double probeShare;
    private final double jitter;
    private final @Nullable Scheduler refitScheduler;

    private CadenceOptions(Builder b) {
        this.lagTargets = Map.copyOf(b.lagTargets);
        this.priorWeight = b.priorWeight;
        this.probeShare = b.probeShare;
        this.jitter = b.jitter;
        this.refitScheduler = b.refitScheduler;
    }

    /**
     * A builder with the defaults listed in the class comment.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The defaults listed in the class comment.
     *
     * @return the default options
     */
    public static CadenceOptions defaults() {
        return builder().build();
    }

    /**
     * The mean lag planned for a family, when one was set.
     *
     * @param kind the family or asset library
     * @return the target, or empty for the default (half the task's poll period)
     */
    public Optional<Duration> lagTarget(TaskKind kind) {
        return Optional.ofNullable(lagTargets.get(kind));
    }

    /**
     * How many completions the docs' range counts for (default 10).
     *
     * @return the weight
     */
    public double priorWeight() {
        return priorWeight;
    }

    /**
     * The share of tasks with a probe before their first poll (default 0.2).
     *
     * @return the share, from 0 to 1
     */
    public double probeShare() {
        return probeShare;
    }

    /**
     * How much each task's schedule is stretched, drawn from its id (default 0: off).
     *
     * @return the jitter, from 0 to 0.5
     */
    public double jitter() {
        return jitter;
    }

    /**
     * Where refits run (default {@link Schedulers#single()}); null: inline, where completions are observed.
     *
     * @return the scheduler, or null
     */
    public @Nullable Scheduler refitScheduler() {
        return refitScheduler;
    }

    @Override
    public String toString() {
        return "CadenceOptions[lagTargets=" + lagTargets + ", priorWeight=" + priorWeight + ", probeShare="
                + probeShare + ", jitter=" + jitter + "]";
    }

    /** Setters validate at once and name the field they reject. */
    public static final class Builder {
        private final Map<TaskKind, Duration> lagTargets = new HashMap<>();
        private double priorWeight = 10;
        private double probeShare = 0.2;
        private double jitter = 0;
        private @Nullable Scheduler refitScheduler = Schedulers.single();

        private Builder() {
        }

        /**
         * The mean detection lag to plan for, for {@code kind} (default: half the task's poll period).
         *
         * @param kind   the family or asset library
         * @param target the lag; positive
         * @return this builder
         */
        public Builder lagTarget(TaskKind kind, Duration target) {
            Objects.requireNonNull(kind, "cadence.lagTarget kind");
            Objects.requireNonNull(target, "cadence.lagTarget");
            if (target.isNegative() || target.isZero()) {
                throw new IllegalArgumentException("cadence.lagTarget: " + target + " must be positive");
            }
            lagTargets.put(kind, target);
            return this;
        }

        /**
         * How many completions the docs' range counts for (default 10).
         *
         * @param weight the weight, from 0.1 to 10000
         * @return this builder
         */
        public Builder priorWeight(double weight) {
            if (!(weight >= 0.1 && weight <= 10_000)) {
                throw new IllegalArgumentException("cadence.priorWeight: " + weight + " must be from 0.1 to 10000");
            }
            this.priorWeight = weight;
            return this;
        }

        /**
         * The share of tasks (chosen by id) with a probe before their first poll (default 0.2).
         *
         * @param share the share, from 0 to 1
         * @return this builder
         */
        public Builder probeShare(double share) {
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("cadence.probeShare: " + share + " must be from 0 to 1");
            }
            this.probeShare = share;
            return this;
        }

        /**
         * How much each task's schedule is stretched, by a factor from {@code 1 - j/2} to {@code 1 + j/2} (default 0:
         * off).
         *
         * @param j the jitter, from 0 to 0.5
         * @return this builder
         */
        public Builder jitter(double j) {
            if (!(j >= 0 && j <= 0.5)) {
                throw new IllegalArgumentException("cadence.jitter: " + j + " must be from 0 to 0.5");
            }
            this.jitter = j;
            return this;
        }

        /**
         * Where refits run; null: inline, where completions are observed.
         *
         * @param s the scheduler, or null
         * @return this builder
         */
        public Builder refitScheduler(@Nullable Scheduler s) {
            this.refitScheduler = s;
            return this;
        }

        /**
         * The options this builder holds.
         *
         * @return the options
         */
        public CadenceOptions build() {
            return new CadenceOptions(this);
        }
    }
}
