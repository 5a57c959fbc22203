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
import reactor.core.CoreSubscriber;
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
    private final ConcurrentHashMap<Key, PollLoop> loops = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder requests = new LongAdder();
    private final LongAdder throttled = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final @Nullable FleetBudget fleet;
    private final ConcurrentHashMap<Key, TaskStatus> pendingHints = new ConcurrentHashMap<>();

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
        return new Tracked(new Key(dialect, task.id()), policy, source);
    }

    /**
     * One task's statuses: subscribing joins the task's running loop, or starts one. Not a {@code Fuseable}
     * publisher, on purpose: a {@code flatMap} over thousands of fused inners polls every inner's queue on each status
     * any of them emits (O(N) per status; measured, 30,000 tracked tasks fell from 30,000 to 336 polls/s).
     */
    private final class Tracked extends Flux<TaskStatus> {
        private final Key key;
        private final PollPolicy policy;
        private final StatusSource source;

        Tracked(Key key, PollPolicy policy, StatusSource source) {
            this.key = key;
            this.policy = policy;
            this.source = source;
        }

        @Override
        public void subscribe(CoreSubscriber<? super TaskStatus> actual) {
            StatusHub.Inner inner = new StatusHub.Inner(actual);
            actual.onSubscribe(inner);
            for (;;) {
                PollLoop loop = loops.computeIfAbsent(key,
                        k -> new PollLoop(Engine.this, k, policy, source));
                StatusHub.Added added = loop.add(inner);
                if (added == StatusHub.Added.CLOSED) {
                    loops.remove(key, loop); // every subscriber left it: start another
                    continue;
                }
                if (added == StatusHub.Added.FIRST) {
                    loop.start();
                    TaskStatus early = pendingHints.remove(key);
                    if (early != null) {
                        loop.hint(early);
                    }
                }
                if (inner.isCancelled()) {
                    loop.remove(inner); // cancelled before it was added: nobody else would remove it
                }
                return;
            }
        }
    }

    /**
     * A status pushed by the provider (a callback) for a task of this dialect: merged into its loop (see
     * {@link PollLoop#hint}); kept until tracking starts if the task is not tracked yet (the latest one only).
     */
    public void hint(Dialect dialect, TaskStatus status) {
        Key key = new Key(dialect, status.taskId());
        PollLoop loop = loops.get(key);
        if (loop != null && loop.started()) {
            loop.hint(status);
        } else {
            pendingHints.merge(key, status, (a, b) -> rank(b) >= rank(a) ? b : a);
        }
    }

    /** Forgets a hint kept for a task whose tracking never started. */
    public void forgetHint(Dialect dialect, String taskId) {
        pendingHints.remove(new Key(dialect, taskId));
    }

    static int rank(TaskStatus s) {
        switch (s.state()) {
            case QUEUED:
                return 0;
            case PROCESSING:
                return 1;
            case UNKNOWN:
                return -1;
            default:
                return 2;
        }
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

    /**
     * A loop has ended: the task's next subscriber starts another. A method rather than a callback per loop: a lambda
     * capturing the key kept the {@code Tracked} flux alive too, 56 bytes per tracked task.
     */
    void forget(Key key, PollLoop loop) {
        loops.remove(key, loop);
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

    record Key(Dialect dialect, String id) {
    }
}
