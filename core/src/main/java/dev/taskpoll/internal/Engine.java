package dev.taskpoll.internal;

import dev.taskpoll.Dialect;
import dev.taskpoll.FleetStats;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.spi.StatusSource;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * The tracker's machinery: one {@link SharedTimer}, the status sources, and the registry that gives every task id
 * one shared poll loop however many subscribe.
 */
public final class Engine {

    private final TrackerOptions options;
    private final Map<Dialect, StatusSource> sources;
    private final SharedTimer timer;
    private final RetryDecider decider;
    private final ConcurrentHashMap<Key, Flux<TaskStatus>> loops = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder requests = new LongAdder();
    private final LongAdder throttled = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final @Nullable FleetBudget fleet;

    public Engine(Map<Dialect, StatusSource> sources, TrackerOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.sources = new EnumMap<>(Dialect.class);
        this.sources.putAll(sources);
        this.timer = new SharedTimer(options.scheduler(), options.timerResolution().toMillis());
        this.decider = new RetryDecider(options);
        this.fleet = options.fleet().enabled()
                ? new FleetBudget(options.fleet(), timer, options.clock()) : null;
    }

    public Flux<TaskStatus> track(TaskRef task) {
        Objects.requireNonNull(task, "task");
        Dialect dialect = task.family().dialect();
        StatusSource source = sources.get(dialect);
        if (source == null) {
            throw new IllegalArgumentException("task.family: " + task.family() + " uses the " + dialect
                    + " dialect, which this tracker has no status source for (it has " + sources.keySet() + ")");
        }
        PollPolicy policy = task.policy() != null ? task.policy() : options.policy(task.family());
        Key key = new Key(dialect, task.id());
        return Flux.defer(() -> loops.computeIfAbsent(key, k -> shared(k, policy, source)));
    }

    private Flux<TaskStatus> shared(Key key, PollPolicy policy, StatusSource source) {
        @SuppressWarnings("unchecked")
        Flux<TaskStatus>[] self = new Flux[1];
        self[0] = Flux.<TaskStatus>create(sink -> new PollLoop(this, key.id(), policy, source, sink).start())
                .doFinally(signal -> loops.remove(key, self[0]))
                .replay(1)
                .refCount();
        return self[0];
    }

    /** Loops running now. */
    public int activeTasks() {
        return active.get();
    }

    /** A snapshot of the fleet: tasks, requests, 429s, retries, budget, circuit. */
    public FleetStats stats() {
        FleetBudget f = fleet;
        return new FleetStats(active.get(), requests.sum(), throttled.sum(), retries.sum(),
                f == null ? 0 : f.currentRate(), f == null ? 0 : f.inFlight(),
                f == null ? "DISABLED" : f.circuitState(), f == null ? 0 : f.pausedMillis(),
                f == null ? 0 : f.waiting());
    }

    @Nullable FleetBudget fleet() {
        return fleet;
    }

    void retried() {
        retries.increment();
    }

    TrackerOptions options() {
        return options;
    }

    SharedTimer timer() {
        return timer;
    }

    RetryDecider decider() {
        return decider;
    }

    void loopStarted() {
        active.incrementAndGet();
    }

    void loopEnded() {
        active.decrementAndGet();
    }

    void pollSent() {
        requests.increment();
    }

    void throttled() {
        throttled.increment();
    }

    private record Key(Dialect dialect, String id) {
    }
}
