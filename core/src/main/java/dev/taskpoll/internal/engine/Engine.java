package dev.taskpoll.internal.engine;

import dev.taskpoll.FleetStats;
import dev.taskpoll.ModelStats;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskEvent;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskStalled;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskStoreException;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.TrackingStoppedException;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.TaskKind;
import dev.taskpoll.spi.Cadence;
import dev.taskpoll.spi.PollBudget;
import dev.taskpoll.spi.ResultHandler;
import dev.taskpoll.spi.StatusHints;
import dev.taskpoll.spi.StatusSource;
import dev.taskpoll.spi.TaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The tracker's machinery: the registry that gives every task id one shared {@link PollLoop} however many subscribe,
 * and the collaborators every loop uses, all given to it (see {@link Assembly}): the status sources, the shared
 * {@link SharedTimer}, the {@link PollBudget}, the {@link Cadence}, the {@link TaskStore} and the {@link StatusHints}
 * it listens to.
 */
public final class Engine implements StatusHints.Listener {

    private static final Logger log = Loggers.getLogger(Engine.class);

    private final TrackerOptions options;
    private final Map<Dialect, StatusSource> sources;
    private final SharedTimer timer;
    private final PollBudget budget;
    private final boolean budgeted;
    private final Cadence cadence;
    private final TaskStore store;
    private final boolean durable;
    private final StatusHints hints;
    private final EventFeed feed = new EventFeed();
    private volatile @Nullable ResultHandler results;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    private final ConcurrentHashMap<PollLoop, Disposable> capturing = new ConcurrentHashMap<>();
    private final Disposable.Swap resuming = Disposables.swap();
    private final RetryDecider decider;
    private final ConcurrentHashMap<Key, PollLoop> loops = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder requests = new LongAdder();
    private final LongAdder throttled = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final ConcurrentHashMap<Key, TaskStatus> pendingHints = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ModelKey, ModelCounters> models = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Consumer<ModelStats.Live>> modelWatchers = new CopyOnWriteArrayList<>();

    Engine(Map<Dialect, StatusSource> sources, SharedTimer timer, PollBudget budget, Cadence cadence,
           TaskStore store, StatusHints hints, TrackerOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.sources = new EnumMap<>(Dialect.class);
        this.sources.putAll(sources);
        this.timer = Objects.requireNonNull(timer, "timer");
        this.budget = Objects.requireNonNull(budget, "budget");
        this.budgeted = !budget.isUnlimited();
        this.cadence = Objects.requireNonNull(cadence, "cadence");
        this.store = Objects.requireNonNull(store, "store");
        this.durable = store.durable() && store.tracking();
        this.hints = Objects.requireNonNull(hints, "hints");
        this.decider = new RetryDecider(options);
        hints.connect(this);
        cadence.bind(host);
    }

    /** What the cadence calls: tasks planned again (after drift), on the timer thread; models kept in the store. */
    private final Cadence.Host host = new Cadence.Host() {
        @Override
        public void replan(java.util.function.Predicate<Cadence.Task> which) {
            if (closed) {
                return;
            }
            timer().schedule(() -> {
                long now = timer().now();
                for (PollLoop loop : loops.values()) {
                    loop.replan(which, now);
                }
            }, timer().now());
        }

        @Override
        public void save(String key, long observations, long[] window) {
            if (closed || !durable) {
                return;
            }
            Cadence.Saved model = new Cadence.Saved(key, observations, window, Instant.ofEpochMilli(timer().now()));
            store.saveModel(model).subscribe(null, e -> log.warn("cadence model {}: the task store did not keep it"
                    + " ({})", key, e.toString()));
        }
    };

    public Flux<TaskStatus> track(TaskRef task) {
        Objects.requireNonNull(task, "task");
        return new Tracked(key(task), task, policy(task), false);
    }

    /**
     * Tracks a task this process knows nothing about (submitted elsewhere, perhaps long ago): its first poll at once,
     * then as {@link #track}; a learning cadence does not learn from it, its start being unknown.
     */
    public Flux<TaskStatus> watch(TaskRef task) {
        Objects.requireNonNull(task, "task");
        return new Tracked(key(task), task, policy(task), true);
    }

    private Key key(TaskRef task) {
        Dialect dialect = task.kind().dialect();
        if (!sources.containsKey(dialect)) {
            throw new IllegalArgumentException("task.kind: " + task.kind() + " uses the " + dialect
                    + " dialect, which this tracker has no status source for (it has " + sources.keySet() + ")");
        }
        return new Key(dialect, task.id());
    }

    /**
     * A task just submitted, planned but not started: {@link Planned#record()} is what the store should hold before
     * the id is handed to anyone, and {@link Planned#start()} starts tracking once it does (durable stores only: the
     * loop then tracks the task until it ends, subscribed or not).
     */
    public Planned plan(TaskRef task, TaskStatus first) {
        Key key = key(task);
        PollLoop loop = new PollLoop(this, key, task, policy(task));
        return new Planned(key, loop, loop.plan(first));
    }

    /** See {@link #plan}. */
    public final class Planned {
        private final Key key;
        private final PollLoop loop;
        private final TaskStore.Tracked record;

        private Planned(Key key, PollLoop loop, TaskStore.Tracked record) {
            this.key = key;
            this.loop = loop;
            this.record = record;
        }

        public TaskStore.Tracked record() {
            return record;
        }

        /** Starts tracking; nothing when this task is tracked already (or the engine is closed). */
        public void start() {
            if (!closed && loops.putIfAbsent(key, loop) == null) {
                loop.startPlanned();
                applyKeptHint(key, loop);
            }
        }
    }

    /**
     * Tracks a task the store holds (resumed after a restart, or added by another process), unless it is tracked
     * already: with its recorded start, deadline, grid and last status.
     */
    public void adopt(TaskStore.Tracked record) {
        TaskRef ref = record.ref();
        Key key;
        try {
            key = key(ref);
        } catch (IllegalArgumentException e) {
            log.warn("task '{}' in the store is of a kind this client cannot track: {}", ref.id(), e.getMessage());
            return;
        }
        if (closed) {
            return;
        }
        if (!store.holds(ref)) {
            // cluster mode: released since the store read it (adoptions and releases are two streams, and a shard taken
            // and given back while this engine started reached it as the release first, then the adoption): its
            // holder now tracks it; a loop started here would poll it beside them
            log.debug("task '{}': adopted, but its shard is no longer held here; not tracked here", ref.id());
            return;
        }
        PollLoop existing = loops.get(key);
        if (existing != null) {
            existing.takeOver(record); // followed here until now (cluster mode): tracked here from now; else nothing
            return;
        }
        PollLoop loop = new PollLoop(this, key, ref, policy(ref));
        if (loops.putIfAbsent(key, loop) == null) {
            loop.resume(record);
            applyKeptHint(key, loop);
        } else {
            PollLoop raced = loops.get(key);
            if (raced != null) {
                raced.takeOver(record);
            }
        }
    }

    /**
     * Tracks, from now on, every task the store gives from {@link TaskStore#open()}: its open tasks, on their own
     * schedule, then the tasks other processes add (nothing for a store that does not track). Stopped by close().
     */
    public void resume() {
        if (!durable) {
            return;
        }
        // what the cadence learned before the restart first, so that resumed tasks are planned with it
        Mono<Void> models = store.models().collectList()
                .doOnNext(cadence::restore)
                .onErrorResume(e -> {
                    log.warn("reading the cadence models of {} failed; learning starts cold ({})", store, e.toString());
                    return Mono.empty();
                })
                .then();
        resuming.update(Disposables.composite(
                models.thenMany(Flux.defer(store::open)).subscribe(this::adopt,
                        e -> { // a store's own failure says what is wrong in its message; anything else, its trace
                            if (e instanceof TaskStoreException) {
                                log.error("reading the open tasks of {} failed; they are not tracked ({})", store,
                                        e.getMessage());
                            } else {
                                log.error("reading the open tasks of " + store + " failed; they are not tracked", e);
                            }
                        }),
                // cluster mode: tasks another instance holds now are followed; what others record reaches followers
                store.released().subscribe(this::released,
                        e -> log.error("the task store's lease releases failed; tasks may be polled twice", e)),
                store.changes().subscribe(this::changed,
                        e -> log.warn("the task store's change feed failed; followers read records instead ({})",
                                e.toString())),
                followerResync()));
    }

    /** Every event of every task from now on: statuses as they change, and what the result handler reports. */
    public Flux<TaskEvent> events() {
        return feed.flux();
    }

    /** Uses {@code handler} for every task that completes from now on (result capture). */
    public void results(ResultHandler handler) {
        this.results = Objects.requireNonNull(handler, "handler");
    }

    private void released(TaskRef ref) {
        PollLoop loop = loops.get(new Key(ref.kind().dialect(), ref.id()));
        if (loop != null) {
            loop.release();
        }
    }

    private void changed(TaskStore.Change change) {
        PollLoop loop = loops.get(new Key(change.task().kind().dialect(), change.task().id()));
        if (loop != null) {
            loop.followed(change.status(), change.ended(), change.error());
        }
    }

    /**
     * Followers also read their task's record once per poll period (at least {@value #RESYNC_MS} ms apart; checked
     * every {@value #RESYNC_MS} ms): the change feed is a hint, and may miss what happened while it reconnected.
     */
    private Disposable followerResync() {
        return Flux.interval(java.time.Duration.ofMillis(RESYNC_MS), options.scheduler()).onBackpressureDrop()
                .concatMap(t -> Flux.fromIterable(followersDue())
                        .flatMap(loop -> store.task(loop.id()).doOnNext(r -> loop.followed(r.last(),
                                r.phase() == dev.taskpoll.TaskRecord.Phase.ENDED, r.error()))
                                .onErrorResume(e -> {
                                    log.debug("task '{}': its record could not be read again ({}); the change feed"
                                            + " and the next re-read go on", loop.id(), e.toString());
                                    return Mono.empty();
                                }), 16), 1)
                .subscribe();
    }

    private static final long RESYNC_MS = 5_000;

    /** The loops following a task whose re-read is due: a plain pass over the loops (usually none is following). */
    private List<PollLoop> followersDue() {
        long now = timer.now();
        List<PollLoop> due = new java.util.ArrayList<>();
        for (PollLoop loop : loops.values()) {
            if (loop.resyncDue(now, RESYNC_MS)) {
                due.add(loop);
            }
        }
        return due;
    }

    /**
     * Stops tracking every task without recording an end (durable tasks resume at the next start; a capture in flight
     * is cancelled, and its task resumes completed); their subscribers get a {@code TrackingStoppedException}. Later
     * subscriptions fail the same way. Once: a second call does nothing.
     */
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        cadence.unbind(host); // while open: the cadence keeps what it learned since its last save
        closed = true;
        budget.close();
        resuming.dispose();
        for (PollLoop loop : loops.values()) {
            loop.stop();
        }
        for (Disposable d : capturing.values()) {
            d.dispose();
        }
    }

    /**
     * Runs a completed task's result handler; {@code then} records the end once it is done. Kept until then, so that
     * {@link #close()} can cancel it (the end is then not recorded: the task resumes, completed, at the next start).
     */
    void capturing(PollLoop loop, Flux<TaskEvent> events, Runnable then) {
        if (closed) {
            return;
        }
        Disposable.Swap slot = Disposables.swap();
        capturing.put(loop, slot);
        slot.update(events.subscribe(null, e -> {
            capturing.remove(loop);
            then.run();
        }, () -> {
            capturing.remove(loop);
            then.run();
        }));
    }

    /** The task's own policy, else the tracker's for its model, else for its kind, else the kind's default. */
    PollPolicy policy(TaskRef task) {
        return task.policy() != null ? task.policy() : options.policy(task.kind(), task.model());
    }

    /**
     * One task's statuses: subscribing joins the task's running loop, or starts one. Not a {@code Fuseable}
     * publisher, on purpose: a {@code flatMap} over thousands of fused inners polls every inner's queue on each status
     * any of them emits (O(N) per status; measured, 30,000 tracked tasks fell from 30,000 to 336 polls/s).
     */
    private final class Tracked extends Flux<TaskStatus> {
        private final Key key;
        private final TaskRef ref;
        private final PollPolicy policy;
        private final boolean atOnce;

        Tracked(Key key, TaskRef ref, PollPolicy policy, boolean atOnce) {
            this.key = key;
            this.ref = ref;
            this.policy = policy;
            this.atOnce = atOnce;
        }

        @Override
        public void subscribe(CoreSubscriber<? super TaskStatus> actual) {
            if (closed) {
                Operators.error(actual, new TrackingStoppedException(key.id(), durable, null));
                return;
            }
            StatusHub.Inner inner = new StatusHub.Inner(actual);
            actual.onSubscribe(inner);
            for (;;) {
                if (closed) { // closed while subscribing
                    actual.onError(new TrackingStoppedException(key.id(), durable, null));
                    return;
                }
                PollLoop loop = loops.computeIfAbsent(key, k -> new PollLoop(Engine.this, k, ref, policy));
                StatusHub.Added added = loop.add(inner);
                if (added == StatusHub.Added.CLOSED) {
                    loops.remove(key, loop); // every subscriber left it: start another
                    continue;
                }
                if (added == StatusHub.Added.FIRST) {
                    loop.start(atOnce);
                    applyKeptHint(key, loop);
                }
                if (inner.isCancelled()) {
                    loop.remove(inner); // cancelled before it was added: nobody else would remove it
                }
                return;
            }
        }
    }

    /**
     * A status pushed by the provider (a callback) for a task of this kind: merged into its loop (see
     * {@link PollLoop#hint}); kept until tracking starts if the task is not tracked yet (the latest one only).
     */
    @Override
    public void hint(TaskKind kind, TaskStatus status) {
        Key key = new Key(kind.dialect(), status.taskId());
        PollLoop loop = loops.get(key);
        if (loop != null && loop.started()) {
            loop.hint(status);
        } else {
            pendingHints.merge(key, status, (a, b) -> rank(b) >= rank(a) ? b : a);
            loop = loops.get(key);
            if (loop != null && loop.started()) { // it started meanwhile, perhaps before the hint was kept
                applyKeptHint(key, loop);
            }
        }
    }

    /**
     * A hint kept for a task before its tracking started, applied once it has, however it started (a first
     * subscriber, a submit recorded in the store, a resume).
     */
    private void applyKeptHint(Key key, PollLoop loop) {
        TaskStatus early = pendingHints.remove(key);
        if (early != null) {
            loop.hint(early);
        }
    }

    /** Forgets a hint kept for a task whose tracking never started. */
    @Override
    public void forget(TaskKind kind, String taskId) {
        pendingHints.remove(new Key(kind.dialect(), taskId));
    }

    /** Where callback receivers offer hints for this engine's tasks. */
    public StatusHints hints() {
        return hints;
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
        PollBudget.Stats b = budget.stats();
        return new FleetStats(active.get(), requests.sum(), throttled.sum(), retries.sum(), b.rate(), b.inFlight(),
                b.circuit(), b.pausedMillis(), b.waiting());
    }

    /** Every (kind, model) tracked so far, with its counters now. */
    public List<ModelStats> modelStats() {
        List<ModelStats> out = new ArrayList<>();
        for (ModelCounters c : models.values()) {
            out.add(c.snapshot());
        }
        return out;
    }

    /**
     * Calls {@code onModel} for every (kind, model) tracked so far and for each one first tracked later (on the
     * thread that starts its first task), until disposed.
     */
    public Disposable watchModels(Consumer<ModelStats.Live> onModel) {
        modelWatchers.add(onModel);
        for (ModelCounters c : models.values()) {
            onModel.accept(c);
        }
        return () -> modelWatchers.remove(onModel);
    }

    /**
     * The counters of a (kind, model), made when it is first tracked; once {@link ModelStats#MODELS_KEPT} of them are
     * kept, a model not among them counts under its kind's {@link ModelStats#OTHER_MODELS} (tasks without a model
     * keep their kind's own): a service that tracks whatever model its callers name keeps a bounded set of counters
     * (and of meters).
     */
    ModelCounters counters(TaskKind kind, @Nullable String model) {
        ModelKey k = new ModelKey(kind, model);
        ModelCounters c = models.get(k);
        if (c != null) {
            return c;
        }
        if (model != null && models.size() >= ModelStats.MODELS_KEPT) {
            k = new ModelKey(kind, ModelStats.OTHER_MODELS);
            c = models.get(k);
            if (c != null) {
                return c;
            }
        }
        ModelCounters made = new ModelCounters(kind, k.model());
        c = models.putIfAbsent(k, made);
        if (c != null) {
            return c;
        }
        for (Consumer<ModelStats.Live> w : modelWatchers) {
            w.accept(made);
        }
        return made;
    }

    boolean budgeted() {
        return budgeted;
    }

    boolean durable() {
        return durable;
    }

    @Nullable ResultHandler results() {
        return results;
    }

    /** A task passed its model's learned 99.9th percentile: an event, and a count per model. */
    void stalled(PollLoop loop, long running, long threshold) {
        loop.counters().stalled();
        published(new TaskStalled(loop.id(), Duration.ofMillis(running), Duration.ofMillis(threshold)));
    }

    /** When a tracked task is expected to end, as the cadence sees it; empty when it is not tracked here. */
    public Optional<Cadence.Estimate> estimate(TaskRef task) {
        PollLoop loop = loops.get(key(task));
        return loop == null || !loop.started() || loop.watched() ? Optional.empty()
                : cadence.estimate(loop, timer.now());
    }

    /** What the cadence has learned. */
    public List<Cadence.Model> cadenceModels() {
        return cadence.models();
    }

    /** An event for the feed; nothing is done while nobody follows it. */
    void published(TaskEvent event) {
        if (feed.active()) {
            feed.publish(event);
        }
    }

    PollBudget budget() {
        return budget;
    }

    Cadence cadence() {
        return cadence;
    }

    TaskStore store() {
        return store;
    }

    StatusSource source(Dialect dialect) {
        return sources.get(dialect);
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

    /** The first wait before a task whose write the store refused is tracked again; it doubles to {@link #REFUSED_MAX_MS}. */
    static final long REFUSED_FIRST_MS = 30_000;
    static final long REFUSED_MAX_MS = 5 * 60_000;
    /** How many times (about an hour and a half) before the task is left to the next start. */
    static final int REFUSED_ATTEMPTS = 20;

    /** The wait before retry {@code attempt} after a store refusal: 30 s doubling to 5 min. */
    static long refusedWait(int attempt) {
        return Math.min(REFUSED_MAX_MS, REFUSED_FIRST_MS << Math.min(attempt, 10));
    }

    /**
     * The store refused a write of a task (a full disk, a store that cannot answer): its loop ended, and its record,
     * still open, is tracked again from the record after a back-off (30 s doubling to 5 min, while this engine is
     * open, {@value #REFUSED_ATTEMPTS} times at most while the store refuses to hand it back). A long-running worker
     * thus picks it up once the store recovers, as a restart would; before, it was tracked again only at the next
     * start. A record that has ended meanwhile (tracked again and ended by a subscriber's retry, or by another
     * instance) is left alone: taken up again, its last status would be captured and emitted a second time.
     */
    void trackAgainLater(TaskStore.Tracked task, int attempt) {
        if (!durable || closed) {
            return;
        }
        Key key = key(task.ref());
        if (attempt >= REFUSED_ATTEMPTS) {
            log.warn("task '{}': the task store refused it {} times; left open there for the next start",
                    task.ref().id(), attempt);
            trackAgain.remove(key);
            return;
        }
        Disposable[] entry = new Disposable[1];
        entry[0] = afterRefusal(attempt, () -> {
            if (!trackAgain.remove(key, entry[0]) || loops.containsKey(key)) {
                return; // a loop for the task started meanwhile (a subscriber's retry, a shard taken back): it tracks it
            }
            store.task(task.ref().id())
                    .filter(r -> r.phase() == dev.taskpoll.TaskRecord.Phase.ENDED).hasElement()
                    .flatMap(ended -> ended ? Mono.<TaskStore.Tracked>empty() : store.started(task))
                    .subscribe(held -> {
                        // a terminal last status: another loop of the task is ending it (its capture, its end write)
                        if ((held.last() == null || !held.last().isTerminal()) && !loops.containsKey(key)) {
                            adopt(held);
                            if (held.last() != null && loops.containsKey(key)) {
                                published(held.last()); // on the feed again: tracked again (run hears of it)
                            }
                        }
                    }, e -> {
                        boolean last = attempt + 1 >= REFUSED_ATTEMPTS;
                        log.warn("task '{}': the task store still refuses it ({}){}", task.ref().id(), e.toString(),
                                last ? "" : "; tried again in " + dev.taskpoll.internal.Shown.duration(
                                        java.time.Duration.ofMillis(refusedWait(attempt + 1))));
                        trackAgainLater(task, attempt + 1);
                    });
        });
        Disposable previous = trackAgain.put(key, entry[0]);
        if (previous != null) {
            previous.dispose(); // one retry per task: the latest refusal's
        }
    }

    /** A loop for the task started: a pending retry of it after a store refusal is not needed any more. */
    void started(Key key) {
        Disposable pending = trackAgain.remove(key);
        if (pending != null) {
            pending.dispose();
        }
    }

    /** Tasks whose tracking the store refused, to their pending retry ({@link #trackAgainLater}). */
    private final ConcurrentHashMap<Key, Disposable> trackAgain = new ConcurrentHashMap<>();

    /**
     * The store refused a task's end: the write is made again after a back-off (as {@link #trackAgainLater}), while
     * this engine is open, until the store takes it ({@value #REFUSED_ATTEMPTS} times at most); the task stays open in
     * the store meanwhile.
     */
    void writeAgainLater(String id, java.util.function.Supplier<Mono<Void>> write, int attempt) {
        if (closed) {
            return;
        }
        if (attempt >= REFUSED_ATTEMPTS) {
            log.warn("task '{}': the task store refused its end {} times; left open there for the next start", id,
                    attempt);
            return;
        }
        afterRefusal(attempt, () -> write.get().subscribe(null, e -> {
                if (e instanceof dev.taskpoll.LeaseLostException) {
                    return; // cluster mode: the task's holder now records its end
                }
                log.warn("task '{}': the task store still refuses its end ({}); tried again later", id, e.toString());
                writeAgainLater(id, write, attempt + 1);
            }, () -> log.info("task '{}': its end is recorded now", id)));
    }

    /** Runs {@code retry} after the back-off of store refusal {@code attempt}, unless this engine closed first. */
    private Disposable afterRefusal(int attempt, Runnable retry) {
        return timer.schedule(() -> {
            if (!closed) {
                retry.run();
            }
        }, timer.now() + refusedWait(attempt));
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

    private record ModelKey(TaskKind kind, @Nullable String model) {
    }
}
