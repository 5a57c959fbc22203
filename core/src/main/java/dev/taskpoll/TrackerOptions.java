package dev.taskpoll;

import dev.taskpoll.cadence.CadenceOptions;
import dev.taskpoll.cadence.LearnedCadence;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.TaskKind;
import dev.taskpoll.internal.engine.SchedulerClock;
import dev.taskpoll.spi.Cadence;
import dev.taskpoll.spi.FleetShare;
import dev.taskpoll.spi.PollBudget;
import dev.taskpoll.spi.StatusHints;
import dev.taskpoll.spi.TaskStore;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * How a {@link TaskTracker} times its polls and retries: immutable; build with {@link #builder()}, derive with
 * {@link #mutate()}.
 *
 * <pre>{@code
 * TrackerOptions options = TrackerOptions.builder()
 *         .policy(Family.SORA, PollPolicy.of(Duration.ofSeconds(45), Duration.ofMinutes(20)))
 *         .build();
 * }</pre>
 *
 * <p>Defaults: scheduler {@link Schedulers#parallel()}; clock read from the scheduler; timer resolution 10 ms;
 * poll policies per {@link Family} as documented there; 429 without {@code Retry-After}: back-off from 1 s doubling
 * to 60 s, ±20% jitter; {@code Retry-After} kept between 1 s and 5 min; transient failures: back-off from 500 ms
 * doubling to 30 s, ±20% jitter, at most 10 in a row; the learned cadence ({@link LearnedCadence}, refitting on
 * the scheduler; {@link Builder#fixedGrid()} for the fixed grid, with a phase of up to 20% of the period); no task
 * store ({@link TaskStore#none()}); the local fleet budget
 * ({@link FleetOptions#defaults()}); callbacks delivered locally ({@link StatusHints#local()}).
 *
 * <p>The same scheduler and clock time everything a client does: polls, back-offs, deadlines, submits' retries and
 * result capture's expiry warnings.
 */
public final class TrackerOptions {

    private final Scheduler scheduler;
    private final Clock clock;
    private final Duration timerResolution;
    private final Duration callbackWatchdog;
    private final Map<TaskKind, PollPolicy> policies;
    private final Map<String, PollPolicy> modelPolicies;
    private final Backoff throttleBackoff;
    private final Duration retryAfterFloor;
    private final Duration retryAfterCeiling;
    private final Backoff transientBackoff;
    private final int maxTransientRetries;
    private final double phaseSpread;
    private final FleetOptions fleet;
    private final DoubleSupplier random;
    private final Cadence cadence;
    private final boolean fixedGrid;
    private final @Nullable Cadence explicitCadence;
    private final TaskStore store;
    private final @Nullable PollBudget budget;
    private final @Nullable FleetShare fleetShare;
    private final @Nullable StatusHints hints;

    private TrackerOptions(Builder b) {
        this.scheduler = b.scheduler;
        this.clock = b.clock != null ? b.clock : new SchedulerClock(b.scheduler);
        this.timerResolution = b.timerResolution;
        this.callbackWatchdog = b.callbackWatchdog;
        this.policies = Map.copyOf(b.policies);
        this.modelPolicies = Map.copyOf(b.modelPolicies);
        this.throttleBackoff = b.throttleBackoff;
        this.retryAfterFloor = b.retryAfterFloor;
        this.retryAfterCeiling = b.retryAfterCeiling;
        this.transientBackoff = b.transientBackoff;
        this.maxTransientRetries = b.maxTransientRetries;
        this.phaseSpread = b.phaseSpread;
        this.fleet = b.fleet;
        this.random = b.random;
        this.cadence = b.cadence != null ? b.cadence
                : b.fixedGrid ? Cadence.fixedGrid(b.phaseSpread, b.random)
                : LearnedCadence.create(CadenceOptions.builder().refitScheduler(b.scheduler).build());
        this.explicitCadence = b.cadence;
        this.fixedGrid = b.fixedGrid;
        this.store = b.store;
        this.budget = b.budget;
        this.fleetShare = b.fleetShare;
        this.hints = b.hints;
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
    public static TrackerOptions defaults() {
        return builder().build();
    }

    /**
     * A builder holding these options, to derive a variant.
     *
     * @return a new builder
     */
    public Builder mutate() {
        Builder b = new Builder();
        b.scheduler = scheduler;
        b.clock = clock;
        b.timerResolution = timerResolution;
        b.callbackWatchdog = callbackWatchdog;
        b.policies.putAll(policies);
        b.modelPolicies.putAll(modelPolicies);
        b.throttleBackoff = throttleBackoff;
        b.retryAfterFloor = retryAfterFloor;
        b.retryAfterCeiling = retryAfterCeiling;
        b.transientBackoff = transientBackoff;
        b.maxTransientRetries = maxTransientRetries;
        b.phaseSpread = phaseSpread;
        b.fleet = fleet;
        b.random = random;
        b.cadence = explicitCadence;
        b.fixedGrid = fixedGrid;
        b.store = store;
        b.budget = budget;
        b.fleetShare = fleetShare;
        b.hints = hints;
        return b;
    }

    /**
     * The scheduler that times polls, back-offs and deadlines (default: {@link Schedulers#parallel()}).
     *
     * @return the scheduler
     */
    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * The clock for observation times and {@code Retry-After} dates (default: the scheduler's time).
     *
     * @return the clock
     */
    public Clock clock() {
        return clock;
    }

    /**
     * How finely due times are grouped (default: 10 ms).
     *
     * @return the resolution
     */
    public Duration timerResolution() {
        return timerResolution;
    }

    /**
     * While callbacks arrive for a task, it is polled only this often (default 2 min, never faster than its period, and
     * never sooner than its cadence plans the next poll).
     *
     * @return the watchdog's period
     */
    public Duration callbackWatchdog() {
        return callbackWatchdog;
    }

    /**
     * The policy for a family or asset library: the one set here, else its documented default.
     *
     * @param kind the family or asset library
     * @return the policy
     */
    public PollPolicy policy(TaskKind kind) {
        PollPolicy p = policies.get(kind);
        return p != null ? p : kind.defaultPolicy();
    }

    /**
     * The policy for a task of {@code kind} and {@code model}: the model's set here, else {@link #policy(TaskKind)}.
     *
     * @param kind  the family or asset library
     * @param model the model, or null when unknown
     * @return the policy
     */
    public PollPolicy policy(TaskKind kind, @Nullable String model) {
        PollPolicy p = model == null ? null : modelPolicies.get(model);
        return p != null ? p : policy(kind);
    }

    /**
     * The back-off after a 429 that has no usable {@code Retry-After} (default: 1 s doubling to 60 s, ±20%).
     *
     * @return the back-off
     */
    public Backoff throttleBackoff() {
        return throttleBackoff;
    }

    /**
     * The shortest wait a {@code Retry-After} can ask for (default: 1 s).
     *
     * @return the floor
     */
    public Duration retryAfterFloor() {
        return retryAfterFloor;
    }

    /**
     * The longest wait a {@code Retry-After} can ask for (default: 5 min).
     *
     * @return the ceiling
     */
    public Duration retryAfterCeiling() {
        return retryAfterCeiling;
    }

    /**
     * The back-off after a transient failure (default: 500 ms doubling to 30 s, ±20%).
     *
     * @return the back-off
     */
    public Backoff transientBackoff() {
        return transientBackoff;
    }

    /**
     * How many transient failures in a row are retried before tracking fails (default: 10).
     *
     * @return the limit
     */
    public int maxTransientRetries() {
        return maxTransientRetries;
    }

    /**
     * The largest random phase of a task's poll grid, as a fraction of its period.
     *
     * @return the fraction, from 0 to 1
     */
    public double phaseSpread() {
        return phaseSpread;
    }

    /**
     * The shared poll budget of the tracker's tasks.
     *
     * @return the fleet's options
     */
    public FleetOptions fleet() {
        return fleet;
    }

    /**
     * The source of jitter: numbers in [0, 1).
     *
     * @return the jitter source
     */
    public DoubleSupplier random() {
        return random;
    }

    /**
     * When tasks are polled: the learned cadence, the fixed grid ({@link Builder#fixedGrid()}), or the cadence given.
     *
     * @return the cadence
     */
    public Cadence cadence() {
        return cadence;
    }

    /**
     * Where tasks are recorded: {@link TaskStore#none()} unless a store was given.
     *
     * @return the task store
     */
    public TaskStore store() {
        return store;
    }

    /**
     * A budget given instead of the local one {@link #fleet()} describes, or null.
     *
     * @return the budget, or null
     */
    public @Nullable PollBudget budget() {
        return budget;
    }

    /**
     * Cluster mode: where the local fleet budget gets its share of the API key's budget, or null (alone).
     *
     * @return the share, or null
     */
    public @Nullable FleetShare fleetShare() {
        return fleetShare;
    }

    /**
     * Hints given instead of a tracker's own {@link StatusHints#local()}, or null.
     *
     * @return the hints, or null
     */
    public @Nullable StatusHints hints() {
        return hints;
    }

    @Override
    public String toString() {
        return "TrackerOptions[timerResolution=" + timerResolution + ", policies=" + policies
                + ", modelPolicies=" + modelPolicies + ", cadence=" + cadence + ", store=" + store
                + ", throttleBackoff=" + throttleBackoff + ", retryAfter=[" + retryAfterFloor + ", "
                + retryAfterCeiling + "], transientBackoff=" + transientBackoff
                + ", maxTransientRetries=" + maxTransientRetries + ", phaseSpread=" + phaseSpread + "]";
    }

    /** Builds {@link TrackerOptions}; every setter validates at once and names the field it rejects. */
    public static final class Builder {
        private Scheduler scheduler = Schedulers.parallel();
        private @Nullable Clock clock;
        private Duration timerResolution = Duration.ofMillis(10);
        private Duration callbackWatchdog = Duration.ofMinutes(2);
        private final Map<TaskKind, PollPolicy> policies = new HashMap<>();
        private final Map<String, PollPolicy> modelPolicies = new HashMap<>();
        private Backoff throttleBackoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 2.0, 0.2);
        private Duration retryAfterFloor = Duration.ofSeconds(1);
        private Duration retryAfterCeiling = Duration.ofMinutes(5);
        private Backoff transientBackoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), 2.0, 0.2);
        private int maxTransientRetries = 10;
        private double phaseSpread = 0.2;
        private FleetOptions fleet = FleetOptions.defaults();
        private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
        private @Nullable Cadence cadence;
        private boolean fixedGrid;
        private TaskStore store = TaskStore.none();
        private @Nullable PollBudget budget;
        private @Nullable FleetShare fleetShare;
        private @Nullable StatusHints hints;

        private Builder() {
        }

        /**
         * The scheduler that times polls, back-offs and deadlines (default: {@link Schedulers#parallel()}). Its
         * {@code now()} is the tracker's time; a {@code VirtualTimeScheduler} makes every wait virtual.
         *
         * @param scheduler the scheduler
         * @return this builder
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * The clock for {@link TaskStatus#observedAt()} and for {@code Retry-After} dates (default: the scheduler's
         * time, which for a real scheduler is the system clock).
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * How often a task is polled while callbacks for it arrive (default 2 min; later when its cadence plans the
         * next poll later); once they stop for this long, it returns to its cadence. Polls go on as a watchdog because a callback may be lost.
         *
         * @param watchdog the watchdog's period; positive
         * @return this builder
         */
        public Builder callbackWatchdog(Duration watchdog) {
            Objects.requireNonNull(watchdog, "callbackWatchdog");
            if (watchdog.isNegative() || watchdog.isZero()) {
                throw new IllegalArgumentException("callbackWatchdog: " + watchdog + " must be positive");
            }
            this.callbackWatchdog = watchdog;
            return this;
        }

        /**
         * How finely due times are grouped (default: 10 ms); polls due in the same slot are sent together.
         *
         * @param resolution the resolution, from 1 ms to 1 s
         * @return this builder
         */
        public Builder timerResolution(Duration resolution) {
            Objects.requireNonNull(resolution, "timerResolution");
            if (resolution.toMillis() < 1 || resolution.toMillis() > 1000) {
                throw new IllegalArgumentException("timerResolution: " + resolution + " must be between 1 ms and 1 s");
            }
            this.timerResolution = resolution;
            return this;
        }

        /**
         * The poll policy for every task of {@code kind} (a family or asset library) with no policy of its own.
         *
         * @param kind   the family or asset library
         * @param policy the policy
         * @return this builder
         */
        public Builder policy(TaskKind kind, PollPolicy policy) {
            policies.put(Objects.requireNonNull(kind, "kind"), Objects.requireNonNull(policy, "policy"));
            return this;
        }

        /**
         * The poll policy for every task of {@code model} with no policy of its own; it wins over its family's.
         * Tasks carry their model when submitted through the client, or when tracked with
         * {@link TaskRef#of(String, dev.taskpoll.catalog.TaskKind, String)}.
         *
         * @param model  the model; not blank
         * @param policy the policy
         * @return this builder
         */
        public Builder policy(String model, PollPolicy policy) {
            Objects.requireNonNull(model, "model");
            if (model.isBlank()) {
                throw new IllegalArgumentException("model: must not be blank");
            }
            modelPolicies.put(model, Objects.requireNonNull(policy, "policy"));
            return this;
        }

        /**
         * When tasks are polled (default: the learned cadence, see {@link #fixedGrid()}). See {@link Cadence} for what
         * one must do.
         *
         * @param cadence the cadence
         * @return this builder
         */
        public Builder cadence(Cadence cadence) {
            this.cadence = Objects.requireNonNull(cadence, "cadence");
            this.fixedGrid = false;
            return this;
        }

        /**
         * The cadence by its name, for options read from text (a command line's flag, a configuration property):
         * {@code learned} (the default, see {@link #fixedGrid()}) or {@code fixed} ({@link #fixedGrid()}), in any case.
         *
         * @param name {@code learned} or {@code fixed}
         * @return this builder
         * @throws InvalidOptionException naming {@code cadence} for any other name
         */
        public Builder cadence(String name) {
            Objects.requireNonNull(name, "cadence");
            switch (name.toLowerCase(java.util.Locale.ROOT)) {
                case "learned":
                    this.cadence = null; // the default, built with these options
                    this.fixedGrid = false;
                    return this;
                case "fixed":
                    return fixedGrid();
                default:
                    throw new InvalidOptionException("cadence", "'" + name + "' is not one of learned, fixed");
            }
        }

        /**
         * Polls every task on the fixed grid of its {@link PollPolicy} (first poll after its initial delay, then every
         * period, the grid shifted by a random phase of up to {@link #phaseSpread(double)} of the period, drawn from
         * {@link #random(DoubleSupplier)}): {@link Cadence#fixedGrid}, what the docs advise. The default instead is
         * {@link LearnedCadence} (the {@link CadenceOptions} defaults but for refits, which run on this builder's
         * {@link #scheduler(Scheduler)}; one per {@link #build()}, shared by the trackers built with those options,
         * which then learn together and each keep the models in its store): it polls where each model's tasks are
         * learned to complete, with the policy's period as its guard (never a longer interval once past the learned
         * 95th percentile, or beyond everything seen) and half of it as its mean-lag target; it ignores the policy's
         * initial delay.
         *
         * @return this builder
         */
        public Builder fixedGrid() {
            this.cadence = null;
            this.fixedGrid = true;
            return this;
        }

        /**
         * Where tasks are recorded (default: {@link TaskStore#none()}, nothing recorded). With a durable store every
         * submitted task is tracked until it ends, subscribed or not, and open tasks resume when a client starts.
         *
         * @param store the task store
         * @return this builder
         */
        public Builder store(TaskStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * Cluster mode: the local fleet budget takes its share of the API key's budget from {@code share} (every
         * {@link FleetShare#every()}), so that all instances together stay under the key's rate and pause together
         * (for example {@code RedisFleetShare} of module {@code taskpoll-redis}). Ignored when the fleet budget is
         * disabled or another budget is given.
         *
         * @param share where the share comes from
         * @return this builder
         */
        public Builder fleetShare(FleetShare share) {
            this.fleetShare = Objects.requireNonNull(share, "fleetShare");
            return this;
        }

        /**
         * A poll budget to use instead of the local one {@link #fleet(FleetOptions)} configures (cluster mode shares
         * one between instances). Default: none given, the local one.
         *
         * @param budget the budget
         * @return this builder
         */
        public Builder budget(PollBudget budget) {
            this.budget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /**
         * Where callback hints come from (default: the store's, in cluster mode, so that a callback any instance
         * receives reaches the one polling the task; else each tracker its own {@link StatusHints#local()}).
         *
         * @param hints the hints
         * @return this builder
         */
        public Builder hints(StatusHints hints) {
            this.hints = Objects.requireNonNull(hints, "hints");
            return this;
        }

        /**
         * The back-off after a 429 that has no usable {@code Retry-After} (default: 1 s doubling to 60 s, ±20%).
         *
         * @param backoff the back-off
         * @return this builder
         */
        public Builder throttleBackoff(Backoff backoff) {
            this.throttleBackoff = Objects.requireNonNull(backoff, "throttleBackoff");
            return this;
        }

        /**
         * Bounds for a server's {@code Retry-After} (default: 1 s to 5 min). A task's deadline still wins: it fires
         * on time even during a long {@code Retry-After}.
         *
         * @param floor   the shortest wait; not negative
         * @param ceiling the longest wait; at least the floor
         * @return this builder
         */
        public Builder retryAfterBounds(Duration floor, Duration ceiling) {
            Objects.requireNonNull(floor, "retryAfterFloor");
            Objects.requireNonNull(ceiling, "retryAfterCeiling");
            if (floor.isNegative()) {
                throw new IllegalArgumentException("retryAfterFloor: " + floor + " must not be negative");
            }
            if (ceiling.compareTo(floor) < 0) {
                throw new IllegalArgumentException("retryAfterCeiling: " + ceiling + " must be at least the floor ("
                        + floor + ")");
            }
            this.retryAfterFloor = floor;
            this.retryAfterCeiling = ceiling;
            return this;
        }

        /**
         * The back-off after a transient failure (default: 500 ms doubling to 30 s, ±20%).
         *
         * @param backoff the back-off
         * @return this builder
         */
        public Builder transientBackoff(Backoff backoff) {
            this.transientBackoff = Objects.requireNonNull(backoff, "transientBackoff");
            return this;
        }

        /**
         * How many transient failures in a row are retried before tracking fails (default: 10; 0 to 1000).
         *
         * @param max the limit, from 0 to 1000
         * @return this builder
         */
        public Builder maxTransientRetries(int max) {
            if (max < 0 || max > 1000) {
                throw new IllegalArgumentException("maxTransientRetries: " + max + " must be between 0 and 1000");
            }
            this.maxTransientRetries = max;
            return this;
        }

        /**
         * On the fixed grid ({@link #fixedGrid()}), spreads tasks started together: each task's whole poll grid is
         * shifted by a random phase drawn once, from 0 to {@code fraction} of its period (default: 0.2, so a 30 s task
         * polls at 30+p, 60+p... with p below 6 s). 0 gives the exact grid. The learned cadence spreads tasks by a
         * factor of its own, from the task id.
         *
         * @param fraction the largest phase, as a fraction of the period, from 0 to 1
         * @return this builder
         */
        public Builder phaseSpread(double fraction) {
            if (!(fraction >= 0 && fraction <= 1)) {
                throw new IllegalArgumentException("phaseSpread: " + fraction + " must be between 0 and 1");
            }
            this.phaseSpread = fraction;
            return this;
        }

        /**
         * The shared poll budget of all the tracker's tasks (default: {@link FleetOptions#defaults()}: at most 500
         * requests per second and 256 in flight for the whole fleet, the rate adapted to the API's quota, fleet-wide
         * {@code Retry-After} pauses, a circuit breaker). {@link FleetOptions#disabled()} lets each task back off
         * alone, as other pollers do. A fleet of more than 500 polls a second needs a higher ceiling:
         * {@link FleetOptions#ofMaxRate(int)}.
         *
         * @param fleet the fleet's options
         * @return this builder
         */
        public Builder fleet(FleetOptions fleet) {
            this.fleet = Objects.requireNonNull(fleet, "fleet");
            return this;
        }

        /**
         * The jitter source, returning numbers in [0, 1) (default: {@code ThreadLocalRandom}).
         *
         * @param random the jitter source
         * @return this builder
         */
        public Builder random(DoubleSupplier random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * The options this builder holds.
         *
         * @return the options
         */
        public TrackerOptions build() {
            return new TrackerOptions(this);
        }
    }
}
