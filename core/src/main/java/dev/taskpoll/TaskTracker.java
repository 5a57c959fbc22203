package dev.taskpoll;

import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.internal.engine.Assembly;
import dev.taskpoll.internal.engine.Engine;
import dev.taskpoll.spi.StatusHints;
import dev.taskpoll.spi.StatusSource;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Tracks tasks: each becomes a {@code Flux<TaskStatus>} that emits a status whenever it changes and completes right
 * after the terminal one ({@code completed}, {@code failed} or {@code cancelled}).
 *
 * <pre>{@code
 * TaskTracker tracker = TaskTracker.create(Map.of(Dialect.OPC, mySource), TrackerOptions.defaults());
 * tracker.track(TaskRef.of("video_123", Family.VEO))
 *        .subscribe(status -> System.out.println(status.state()));
 * }</pre>
 *
 * <p>With a durable {@link dev.taskpoll.spi.TaskStore} ({@link TrackerOptions.Builder#store}), the tracker tracks
 * every task the store holds open as soon as it is created, each on its own recorded schedule, and every task it is
 * asked to track until that task ends, whether or not anyone subscribes.
 *
 * <p>What a tracked task does:
 * <ul>
 *   <li>polls when its {@link dev.taskpoll.spi.Cadence} says (the learned cadence by default; the fixed grid of its
 *       {@link PollPolicy} with {@link TrackerOptions.Builder#fixedGrid()}),
 *       with at most one request in flight;</li>
 *   <li>on 429 waits for {@code Retry-After} (seconds or HTTP date; bounded) or an exponential back-off with
 *       jitter, and never fails for it;</li>
 *   <li>retries 408, 5xx, transport failures and malformed bodies with back-off, a bounded number of times in a
 *       row, then fails with {@link RetriesExhaustedException};</li>
 *   <li>fails with {@link ApiStatusException} on any other HTTP status (401, 403, 404...), and with
 *       {@link ResponseTooLargeException} on a body over the cap;</li>
 *   <li>fails with {@link TaskTimeoutException} when its deadline passes, whatever the server said;</li>
 *   <li>stops all requests as soon as its last subscriber cancels.</li>
 * </ul>
 * Every failure carries the task id and the last status seen. All subscribers of one task id share one poll loop,
 * and a late subscriber gets the latest status at once. All polls of a tracker are timed by one shared timer on
 * the configured scheduler, and sent on Reactor Netty's event loops: no thread per task, nothing blocks.
 */
public final class TaskTracker implements AutoCloseable {

    private final Engine engine;

    private TaskTracker(Engine engine) {
        this.engine = engine;
    }

    /**
     * A tracker that asks {@code sources} for statuses, one per dialect it should track; its budget, cadence, store
     * and hints are the ones {@code options} names, or the defaults listed there.
     *
     * @param sources the status source of each dialect
     * @param options the tracker's options
     * @return the tracker, its store's open tasks resumed
     * @throws IllegalArgumentException if {@code sources} is empty
     */
    public static TaskTracker create(Map<Dialect, StatusSource> sources, TrackerOptions options) {
        TaskTracker tracker = unstarted(sources, options);
        tracker.engine.resume(); // a durable store's open tasks are tracked again, each on its own schedule
        return tracker;
    }

    /** A tracker that has not resumed its store's open tasks yet: the client sets its result handler first. */
    static TaskTracker unstarted(Map<Dialect, StatusSource> sources, TrackerOptions options) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("sources: at least one dialect's status source is needed");
        }
        return new TaskTracker(Assembly.engine(sources, options));
    }

    /**
     * The statuses of {@code task}, lazily: polling starts on the first subscription and stops when the last
     * subscriber leaves. Statuses wait for the subscriber's demand (the terminal signal does not).
     *
     * <p>Tracking thousands at once: the flux offers no queue fusion, so a {@code flatMap} over thousands of them
     * stays linear. Keep it that way: a fuseable operator between {@code track} and a wide {@code flatMap} (such as
     * {@code last()}) makes {@code flatMap} visit every inner on each signal, O(N) per status; add {@code .hide()}
     * after it, or subscribe each task on its own (measured: 100,000 tasks through {@code flatMap(t -> track(t).last())}
     * did not finish in 8 simulated minutes; subscribed one by one they did, benchmarks/RESULTS.md).
     *
     * @param task the task
     * @return its statuses
     * @throws IllegalArgumentException if this tracker has no status source for the task's dialect
     */
    public Flux<TaskStatus> track(TaskRef task) {
        return engine.track(task);
    }

    /**
     * Tracks a task this process knows nothing about, submitted elsewhere and perhaps long ago (a {@code watch} or a
     * lookup by id): as {@link #track(TaskRef)}, but the first poll happens at once instead of after the cadence's
     * first interval (a finished task is reported in one request), and a learning cadence does not learn from it, its
     * start being unknown. A task already tracked here is simply joined.
     *
     * @param task the task
     * @return its statuses
     */
    public Flux<TaskStatus> watch(TaskRef task) {
        return engine.watch(task);
    }

    /**
     * Where statuses the provider pushes (callbacks) are offered to this tracker: see {@link StatusHints}. A terminal
     * hint is confirmed by a poll before anything is emitted (only the poll's answer is), another is emitted only if
     * it moves the task forward; duplicates and late or out-of-order ones change nothing. While hints arrive the task
     * is polled at {@link TrackerOptions#callbackWatchdog()}. A hint for a task not tracked yet is kept (the latest)
     * until its tracking starts. Normally fed by {@link dev.taskpoll.callback.CallbackReceiver}, which checks the
     * sender.
     *
     * @return the tracker's hints
     */
    public StatusHints hints() {
        return engine.hints();
    }

    /**
     * Every event of every task this tracker tracks, from now on (hot).
     *
     * @return the events
     */
    public Flux<TaskEvent> events() {
        return engine.events();
    }

    Engine engine() {
        return engine;
    }

    /**
     * Stops tracking: every task's stream fails with a {@link TrackingStoppedException}, and nothing more is recorded
     * (a durable store keeps its open tasks open; they resume when a tracker opens it again). Does not close the store.
     * A cluster store ({@code RedisStore}) serves one tracker for its life, and keeps its shards held until it is
     * closed: close it too, so that other instances take its tasks, and give the next tracker a new one.
     */
    @Override
    public void close() {
        engine.close();
    }

    /**
     * How many tasks are being polled now.
     *
     * @return the number of tasks
     */
    public int activeTasks() {
        return engine.activeTasks();
    }

    /**
     * The fleet now: active tasks, requests, 429s, retries, the shared budget's rate, in flight, circuit state.
     *
     * @return a snapshot
     */
    public FleetStats stats() {
        return engine.stats();
    }

    /**
     * Per model (or per family, for tasks tracked without a model): polls and how tasks ended, now.
     *
     * @return a snapshot per model
     */
    public List<ModelStats> modelStats() {
        return engine.modelStats();
    }

    /**
     * When a task tracked here is expected to end, as its cadence sees it now: the median of the remaining time and a
     * range (its 10th to 90th percentile). Empty when the task is not tracked here, when the cadence does not learn
     * (the fixed grid), or when the task has run past everything its model has seen (then it may be stalled: see
     * {@link TaskStalled}).
     *
     * @param task the task
     * @return the estimate, or empty
     */
    public java.util.Optional<dev.taskpoll.spi.Cadence.Estimate> expectedEnd(TaskRef task) {
        return engine.estimate(task);
    }

    /**
     * What the cadence has learned, per model (nothing for the fixed grid).
     *
     * @return what was learned, per model
     */
    public List<dev.taskpoll.spi.Cadence.Model> cadenceModels() {
        return engine.cadenceModels();
    }

    /**
     * Calls {@code onModel} for every model tracked so far and for each one tracked first later (for meters that
     * follow new models), until the returned handle is disposed. {@code onModel} must not block.
     *
     * @param onModel called with each model's live counters
     * @return the handle that stops it
     */
    public Disposable watchModels(Consumer<ModelStats.Live> onModel) {
        return engine.watchModels(onModel);
    }
}
