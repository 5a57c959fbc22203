package dev.taskpoll.internal.engine;

import dev.taskpoll.EndedElsewhereException;
import dev.taskpoll.LeaseLostException;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskEvent;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskStoreException;
import dev.taskpoll.TaskTimeoutException;
import dev.taskpoll.TaskpollException;
import dev.taskpoll.TrackingFailed;
import dev.taskpoll.TrackingStoppedException;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.TaskKind;
import dev.taskpoll.internal.Shown;
import dev.taskpoll.spi.Cadence;
import dev.taskpoll.spi.PollBudget;
import dev.taskpoll.spi.ResultHandler;
import dev.taskpoll.spi.TaskStore;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The poll loop of one task. Polls are due when the engine's {@link Cadence} says (the learned cadence by default) and
 * fired by the tracker's {@link SharedTimer}; each poll is a {@link Poll} (one status request, admitted by the
 * engine's {@link PollBudget}, retried for 429s and transient failures), made when it is due and dropped when it is
 * answered. At most one poll is in flight: the next is planned only when the previous one has finished.
 *
 * <p>One timer entry serves both the next poll and the deadline: while the task waits, it is armed at whichever comes
 * first; while a poll is in flight (retries included), at the deadline. When it fires past the deadline, the task
 * fails; otherwise it polls.
 *
 * <p>With a durable {@link TaskStore}, every status change is recorded before it is emitted, the end before it is
 * signalled, and the loop is pinned: it tracks its task until the end whether or not anyone subscribes. A completed
 * task goes through the engine's {@link ResultHandler} (result capture), if there is one, before its completed status
 * is emitted.
 *
 * <p>Ends exactly once, by whichever comes first: a terminal status (emitted, then complete), a permanent failure or
 * exhausted retries (error), the deadline (error), cancellation, or the client closing (error, nothing recorded: the
 * task resumes at the next start). {@link #finish()} is the single gate.
 *
 * <p>The loop is its task's {@link StatusHub}, the shared timer's task for its polls ({@link #run()}) and the
 * cadence's view of the task ({@link Cadence.Task}), so that a tracked task is one object and one timer entry.
 */
final class PollLoop extends StatusHub implements Runnable, Cadence.Task {

    private static final Logger log = Loggers.getLogger(PollLoop.class);
    /** How long a request the store may not send now ({@link TaskStore#mayPoll}) waits before it asks again. */
    static final long UNHELD_RECHECK_MS = 500;
    /** The least time the last look of a task resumed past its deadline is given before it times out. */
    static final long LAST_LOOK_MS = 10 * 60_000;

    private final Engine engine;
    private final Engine.Key key;
    private final TaskKind kind;
    private final @Nullable String model;
    private final @Nullable String shape;
    private final PollPolicy policy;
    private final ModelCounters counters;
    /** The next poll or the deadline: one timer entry for the task's whole life, moved rather than made anew. */
    private final SharedTimer.Rearmable timerEntry;
    // ints with updaters rather than two AtomicBooleans: 32 bytes less for every tracked task
    private static final AtomicIntegerFieldUpdater<PollLoop> DONE =
            AtomicIntegerFieldUpdater.newUpdater(PollLoop.class, "done");
    private static final AtomicIntegerFieldUpdater<PollLoop> POLLING =
            AtomicIntegerFieldUpdater.newUpdater(PollLoop.class, "polling");
    private volatile int done;
    private volatile int polling;

    // Written by one poll at a time; each poll happens-after the previous one through the timer's lock.
    private long nextDue = Long.MIN_VALUE;
    private long startedAt;
    private volatile long deadlineAt = Long.MAX_VALUE;
    private int polls;
    private volatile @Nullable TaskStatus last;
    /** The poll in flight, if any. */
    private volatile @Nullable Poll inflight;
    private volatile boolean confirm;
    private volatile boolean started;
    private volatile long lastHintAt = Long.MIN_VALUE / 2;
    private long lastSeenRunning = Long.MIN_VALUE;
    private long lastSeenQueued = Long.MIN_VALUE;
    /** Watched: tracked by reference with nothing known of it (its start): polled at once, not learned from. */
    private boolean watched;
    /**
     * Cluster mode: another instance holds the task; this loop only passes on what that instance records (no poll,
     * no write). Set when the store does not hold the task here, or lost it; cleared when the store hands it here.
     */
    private volatile boolean following;
    /**
     * Cluster mode: how many times the hold of this task changed here (released, taken over). A write's refusal
     * ({@link LeaseLostException}) concerns the hold it was issued under: one issued before a release and refused
     * after the task was taken back here is stale, and must not release the new hold.
     */
    private volatile int holding;
    /** A completed status waits for the store to confirm the hold before its capture: no poll, no deadline meanwhile. */
    private volatile boolean confirmingEnd;
    private long resyncedAt;
    private boolean stallReported;
    /**
     * Resumed (a restart, a takeover) past its deadline: one poll before the timeout, since nobody polled it while its
     * deadline passed (a task that completed meanwhile is captured, not timed out).
     */
    private volatile boolean lastLook;
    /** The last look's own bound, set for the poll that makes it (0: none). */
    private volatile long lookUntil;

    PollLoop(Engine engine, Engine.Key key, TaskRef ref, PollPolicy policy) {
        this.engine = engine;
        this.key = key;
        this.kind = ref.kind();
        this.model = ref.model();
        this.shape = ref.shape() == null ? null : ref.shape().intern(); // a few shapes, shared by many tasks
        this.policy = policy;
        this.counters = engine.counters(kind, model);
        this.timerEntry = engine.timer().rearmable(this);
        if (engine.durable()) {
            pin();
        }
    }

    ModelCounters counters() {
        return counters;
    }

    // ---- Cadence.Task: the cadence's view, valid during its calls

    @Override
    public TaskKind kind() {
        return kind;
    }

    @Override
    public @Nullable String model() {
        return model;
    }

    @Override
    public @Nullable String shape() {
        return shape;
    }

    @Override
    public PollPolicy policy() {
        return policy;
    }

    @Override
    public long startedAt() {
        return startedAt;
    }

    @Override
    public long deadlineAt() {
        return deadlineAt;
    }

    @Override
    public long lastDue() {
        return nextDue;
    }

    @Override
    public int polls() {
        return polls;
    }

    @Override
    public @Nullable TaskStatus last() {
        return last;
    }

    @Override
    public String id() {
        return key.id();
    }

    @Override
    public long lastSeenRunning() {
        return lastSeenRunning;
    }

    @Override
    public long lastSeenQueued() {
        return lastSeenQueued;
    }

    // ---- life

    /** The shared timer says the next poll, or the deadline, is due. */
    @Override
    public void run() {
        if (done != 0 || following || confirmingEnd) {
            return;
        }
        long now = engine.timer().now();
        boolean late = now >= deadlineAt;
        if (late && !lastLook) {
            if (!mayPoll()) {
                // cluster mode: the deadline is its holder's to call; a process woken from a pause past its lease asks
                // again soon, by when its lease check has released the task or its renewal has let it act again
                if (stillHeld()) {
                    timerEntry.scheduleAt(now + UNHELD_RECHECK_MS);
                }
                return;
            }
            onDeadline();
        } else if (polling == 0) {
            if (lastLook) {
                lookUntil = now + Math.max(LAST_LOOK_MS, policy.period().toMillis());
            }
            lastLook = false; // the look itself: its answer, or its failure, re-arms the timer, and the deadline decides
            poll();
        } else if (!late) {
            timerEntry.scheduleAt(deadlineAt); // a poll is in flight (a hint asked for it): keep the deadline armed
        }
    }

    @Override
    void lastSubscriberLeft() {
        finish();
    }

    boolean started() {
        return started;
    }

    /** Tracked by reference with its start unknown: no estimate, nothing learned. */
    boolean watched() {
        return watched;
    }

    /** The task's id and dialect: how the engine keys it. */
    Engine.Key key() {
        return key;
    }

    /** This task as the store knows it. */
    TaskRef ref() {
        return new TaskRef(key.id(), kind, model, policy, shape);
    }

    /**
     * Marks the loop started; false when it ended before it began (every subscriber left) or another path started it
     * already (a durable task's first subscriber and its resumption may race: one of them starts it).
     */
    private boolean markStarted() {
        synchronized (this) {
            if (done != 0 || started) {
                return false;
            }
            started = true;
        }
        engine.loopStarted();
        engine.started(key);
        counters.started();
        return true;
    }

    /**
     * Tracking starts (first subscriber): the store's record first, when durable, then the timer. {@code atOnce}: a
     * task nothing is known of (watched): its first poll now, and no learning from it (its start is unknown).
     */
    void start(boolean atOnce) {
        if (!markStarted()) {
            return;
        }
        long now = engine.timer().now();
        startedAt = now;
        deadlineAt = now + policy.deadline().toMillis();
        watched = atOnce;
        nextDue = atOnce ? now : engine.cadence().firstPoll(this, now);
        if (!engine.durable()) { // no store, or one that only records: tracked as without a store, nothing written
            arm();
            return;
        }
        TaskStore store = engine.store();
        // the record first, then the timer: a poll never runs for a task the store does not hold
        int hold = holding;
        store.started(planned())
                .subscribe(held -> {
                    if (!store.holds(ref())) { // cluster mode: another instance polls it; follow what it records
                        follow(held);
                    } else if (held.firstDue() != nextDue) { // the store held it: its start, deadline, grid stay
                        resumeFrom(held);
                    } else {
                        arm();
                    }
                }, e -> onStoreFailure(e, hold));
    }

    /** Plans a task just submitted (its first status, the create answer): the record the store should hold. */
    TaskStore.Tracked plan(TaskStatus first) {
        long now = engine.timer().now();
        startedAt = now;
        deadlineAt = now + policy.deadline().toMillis();
        nextDue = engine.cadence().firstPoll(this, now);
        last = first;
        seed(first);
        return planned();
    }

    private TaskStore.Tracked planned() {
        return new TaskStore.Tracked(ref(), Instant.ofEpochMilli(startedAt), Instant.ofEpochMilli(deadlineAt),
                nextDue, last);
    }

    /** Starts a loop planned with {@link #plan} once its record is durable. */
    void startPlanned() {
        if (markStarted()) {
            if (engine.store().holds(ref())) {
                arm();
            } else {
                follow(null);
            }
        }
    }

    // ---- cluster mode: following a task another instance polls

    /** Follows the task from now: no timer, no poll; what its holder records comes through {@link #followed}. */
    private void follow(TaskStore.@Nullable Tracked record) {
        following = true;
        timerEntry.dispose();
        if (record != null) {
            startedAt = record.startedAt().toEpochMilli();
            deadlineAt = record.deadline().toEpochMilli();
            TaskStatus recorded = record.last();
            if (recorded != null && recorded.isTerminal()) {
                // ended, or completed with its capture running at the holder: the record says which, now rather
                // than at the next re-read of followers
                engine.store().task(key.id()).subscribe(r -> followed(r.last(),
                        r.phase() == TaskRecord.Phase.ENDED, r.error()), e -> log.debug(
                        "task '{}': its record could not be read ({}); the re-reads go on", key.id(), e.toString()));
            } else if (recorded != null) {
                followed(recorded, false, null);
            }
        }
    }

    boolean following() {
        return following;
    }

    /**
     * Whether a follower reads its task's record now: at most once per poll period (at least {@code floor} ms apart),
     * as often as its holder polls it; the change feed brings what happens in between. Called by the resync cycle
     * only, one call at a time.
     */
    boolean resyncDue(long now, long floor) {
        if (!following || now - resyncedAt < Math.max(floor, policy.period().toMillis())) {
            return false;
        }
        resyncedAt = now;
        return true;
    }

    /**
     * The store no longer holds the task here (a lease lost): stop polling it, without ending it (no error, nothing
     * recorded), and follow it. A poll in flight is cancelled; its answer, if any, is dropped.
     */
    void release() {
        if (done != 0 || following) {
            return;
        }
        following = true;
        holding++;
        confirmingEnd = false;
        timerEntry.dispose();
        dropPoll();
    }

    /**
     * For a request or a deadline the store may not act on now ({@link #mayPoll}): true while the task's shard is held
     * here (ask again in {@value #UNHELD_RECHECK_MS} ms); otherwise this loop missed its release: it follows the task
     * from now, its poll in flight (if any) dropped, and false.
     */
    boolean stillHeld() {
        if (engine.store().holds(ref())) {
            return true;
        }
        if (!following) {
            log.info("task '{}': its shard is not held here; following it", key.id());
        }
        release();
        dropPoll(); // (following already, release() returns at once: a poll begun since must still go)
        return false;
    }

    /** Cancels the poll in flight, if any (its answer, if one comes, is dropped), and lets the next one start. */
    private void dropPoll() {
        Poll request = inflight;
        if (request != null) {
            request.dispose();
        }
        inflight = null;
        polling = 0;
    }

    /** The store hands the task to this instance (a shard taken over): poll it from its record on. */
    void takeOver(TaskStore.Tracked record) {
        if (done != 0 || !following) {
            return;
        }
        following = false;
        holding++;
        dropPoll(); // a poll a follower began (it sends nothing: see attempt) must not keep the next from starting
        resumeFrom(record);
    }

    /**
     * What the task's holder recorded (or what a read of the record shows): a status that moves the task forward is
     * emitted here (not recorded: it is the holder's record); an end ends it here the same way.
     */
    void followed(@Nullable TaskStatus status, boolean ended, @Nullable String error) {
        if (!following || done != 0) {
            return;
        }
        if (status != null && status.isTerminal() && !ended) {
            return; // completed, its capture running at the holder: followed once the holder records the end
        }
        boolean changed = false;
        if (status != null) {
            synchronized (this) {
                TaskStatus previous = last;
                if (status.differsFrom(previous) && (previous == null || Engine.rank(status) >= Engine.rank(previous))) {
                    last = status;
                    changed = true;
                }
            }
        }
        if (changed) {
            emit(status);
        }
        boolean terminal = status != null && status.isTerminal();
        if ((terminal || ended) && finish()) {
            if (terminal) {
                complete();
            } else {
                error(new EndedElsewhereException(key.id(), error == null ? "unknown" : error, last));
            }
        }
    }

    /** Resumes a task the store holds (after a restart): its start, deadline, grid and last status as recorded. */
    void resume(TaskStore.Tracked record) {
        if (markStarted()) {
            resumeFrom(record);
        }
    }

    private void resumeFrom(TaskStore.Tracked record) {
        startedAt = record.startedAt().toEpochMilli();
        deadlineAt = record.deadline().toEpochMilli();
        TaskStatus recorded = record.last();
        if (recorded != null) {
            last = recorded;
            seed(recorded);
        }
        if (recorded != null && recorded.isTerminal()) {
            // it ended before the restart but its end was not recorded (a capture was running): finish it now
            if (finish()) {
                ending(recorded, engine.timer().now(), true);
            }
            return;
        }
        if (record.firstDue() != Long.MIN_VALUE) {
            nextDue = record.firstDue(); // the grid it had: the cadence goes on from there
        }
        long now = engine.timer().now();
        nextDue = engine.cadence().firstPoll(this, now);
        // past its deadline: one poll first, at its next planned time (so many resumed at once stay spread)
        lastLook = deadlineAt <= now;
        arm();
    }

    /**
     * Emits {@code then} once {@code write} is durable; without a durable store, at once. A status change the store
     * refused ends the task with the store's error: nothing is emitted that could not be recorded. {@code end}: the
     * write records the task's end (decided when it is issued: a status write queued before the end, refused after
     * it, is not an end); a refused end is signalled all the same, and written again later.
     */
    private void recorded(Supplier<Mono<Void>> write, Runnable then, boolean end) {
        if (!engine.durable()) {
            then.run();
            return;
        }
        int hold = holding;
        write.get().subscribe(null, e -> {
            if (!end && done != 0) { // a change refused once the task had ended: nothing more to emit, or to write
                log.debug("task '{}': a status write refused after its end ({})", key.id(), e.toString());
            } else if (!end) {
                onStoreFailure(e, hold);
            } else if (e instanceof LeaseLostException) { // cluster mode: the task's holder now records its end
                log.info("task '{}': its end was not recorded here: {}", key.id(), e.getMessage());
                then.run();
            } else { // the end itself could not be recorded: signalled all the same, and written again later
                log.warn("task '{}': the task store refused its end ({}); tried again in {}", key.id(), e.toString(),
                        Shown.duration(java.time.Duration.ofMillis(Engine.REFUSED_FIRST_MS)));
                then.run();
                engine.published(new TrackingFailed(key.id(), new TaskStoreException("task '" + key.id()
                        + "': its end was not recorded: " + e.getMessage() + "; the write is tried again, and the"
                        + " task stays open in the store until it is", key.id(), e)));
                engine.writeAgainLater(key.id(), write, 0);
            }
        }, then);
    }

    /** A write the store refused, issued while the hold was {@code hold}. */
    private void onStoreFailure(Throwable e, int hold) {
        if (e instanceof LeaseLostException) { // another instance holds the task now: follow it, end nothing
            if (hold != holding) { // refused for a hold released since (the task may be held here again)
                log.debug("task '{}': a write of an earlier hold was refused ({})", key.id(), e.getMessage());
                return;
            }
            log.info("task '{}': {}", key.id(), e.getMessage());
            release();
            return;
        }
        if (finish()) {
            counters.errored();
            log.warn("task '{}': the task store refused a write; tracking stops here and is tried again from its"
                    + " record in {} ({})", key.id(), Shown.duration(java.time.Duration.ofMillis(Engine.REFUSED_FIRST_MS)),
                    e.toString());
            TaskpollException failure = e instanceof TaskpollException t ? t.withLastStatus(last)
                    : new TaskStoreException("task '" + key.id() + "': the task store refused a write (" + e
                    + "); tracking stopped and is tried again from its record", key.id(), e);
            engine.published(new TrackingFailed(key.id(), failure));
            engine.trackAgainLater(planned(), 0); // before the error: a subscriber that tracks it again cancels it
            error(failure);
        }
    }

    /** The cadence asked for its plans again: the next poll moves to what it says now (timer thread). */
    void replan(java.util.function.Predicate<Cadence.Task> which, long now) {
        if (done != 0 || !started || polling != 0 || !which.test(this)) {
            return;
        }
        if (now - lastHintAt < engine.options().callbackWatchdog().toMillis()) {
            return; // callbacks are arriving: it is polled on the watchdog's grid, which a re-plan would not keep
        }
        long due = engine.cadence().replan(this, now);
        if (due != nextDue) {
            nextDue = due;
            arm();
        }
    }

    /** Arms the one timer entry at the next poll or the deadline, whichever is first. */
    private void arm() {
        if (following) {
            return;
        }
        timerEntry.scheduleAt(lastLook ? nextDue : Math.min(nextDue, deadlineAt));
        if (done != 0) {
            timerEntry.dispose(); // ended meanwhile: finish() may have disposed it before this armed it
        }
    }

    private void poll() {
        if (done != 0 || confirmingEnd || following || !POLLING.compareAndSet(this, 0, 1)) {
            return; // ended, followed (another instance polls it), or a poll is in flight already (a callback asked)
        }
        Poll p = new Poll(this, engine);
        inflight = p;
        long now = engine.timer().now();
        long look = lookUntil;
        lookUntil = 0;
        if (deadlineAt > now) {
            timerEntry.scheduleAt(deadlineAt); // the deadline holds while the request and its retries run
        } else if (look > 0) {
            // past it, the last look of a task resumed late: its answer decides, within LAST_LOOK_MS or a period; its
            // 429s and their Retry-After waits, which no retry count bounds, kept it open for as long as they came
            timerEntry.scheduleAt(look);
        }
        if (done != 0) {
            p.dispose();
            timerEntry.dispose();
            return;
        }
        engine.pollSent();
        counters.polled();
        p.start();
    }

    /**
     * Whether a status request may leave now ({@link TaskStore#mayPoll}); always without a store the tracker uses (none,
     * or one that only records).
     */
    boolean mayPoll() {
        return !engine.durable() || engine.store().mayPoll(ref());
    }

    /**
     * A status pushed by the provider (a callback): a hint, not the truth. A terminal one is confirmed by a poll at
     * once, and only the poll's answer is emitted. Another one is emitted only if it moves the task forward (queued to
     * processing), never backwards or twice. While hints come, polls slow to the watchdog period.
     */
    void hint(TaskStatus status) {
        if (done != 0 || following) {
            return; // (a follower's holder receives the task's callbacks: cluster stores route them there)
        }
        lastHintAt = engine.timer().now();
        if (status.isTerminal()) {
            confirm = true;
            if (polling == 0) {
                poll();
            }
            return;
        }
        synchronized (this) {
            TaskStatus previous = last;
            if (done != 0 || Engine.rank(status) <= (previous == null ? -1 : Engine.rank(previous))
                    || !status.differsFrom(previous)) {
                return;
            }
            last = status;
            recorded(() -> engine.store().status(ref(), status), () -> emit(status), false);
        }
    }

    private void terminal(TaskStatus status) {
        if (done != 0 || following) {
            return;
        }
        last = status;
        if (finish()) {
            ending(status, engine.timer().now(), false);
        }
    }

    /** The answer of the poll in flight ({@link Poll}): the next poll is planned, or the task ends. */
    void onStatus(TaskStatus answered) {
        if (done != 0 || following) {
            return;
        }
        TaskStatus status = answered.model() == null && model != null ? answered.withModel(model) : answered;
        polls++;
        long now = engine.timer().now();
        if (status.state() == TaskState.QUEUED) { // before polling = 0: a replan on the timer thread reads it then
            lastSeenQueued = now;
        }
        inflight = null; // before polling = 0, which lets the next poll set it: the finished subscriber dies young
        polling = 0;
        if (status.isTerminal()) {
            if (engine.results() != null && status.state() == TaskState.COMPLETED && engine.durable()) {
                // a capture is a side effect only the task's holder may make: the store confirms the hold first (in
                // cluster mode, an instance that woke from a pause past its lease is refused and follows the task).
                // The task completed before its deadline: the deadline does not end it while the store answers (a
                // Redis outage), nor does another poll start
                confirmingEnd = true;
                timerEntry.dispose();
                int hold = holding;
                engine.store().confirm(ref()).subscribe(null, e -> {
                    if (e instanceof LeaseLostException) {
                        if (hold == holding) {
                            log.info("task '{}': completed, but {}; following it", key.id(), e.getMessage());
                            release();
                        }
                    } else {
                        log.warn("task '{}': completed; confirming its hold before the capture failed ({});"
                                + " capturing all the same", key.id(), e.toString());
                        terminal(status);
                    }
                }, () -> terminal(status));
                return;
            }
            terminal(status);
            return;
        }
        synchronized (this) {
            TaskStatus previous = last;
            // a poll never goes back behind a state a callback already reported
            if (status.differsFrom(previous) && (previous == null || Engine.rank(status) >= Engine.rank(previous)
                    || status.state() == TaskState.UNKNOWN)) {
                last = status;
                if (status.state() == TaskState.UNKNOWN) {
                    log.warn("task '{}': unknown status '{}'; polling goes on", key.id(), Shown.text(status.rawStatus()));
                }
                TaskStatus changed = status;
                recorded(() -> engine.store().status(ref(), changed), () -> emit(changed), false);
            }
        }
        lastSeenRunning = now;
        if (!stallReported && !watched && now - startedAt > engine.cadence().stalledAfter(this)) {
            stallReported = true; // once: unusually late for its model, though not failed
            engine.stalled(this, now - startedAt, engine.cadence().stalledAfter(this));
        }
        boolean confirming = confirm;
        confirm = false; // a callback said terminal but this poll did not (yet): ask again at the normal cadence
        long watchdog = engine.options().callbackWatchdog().toMillis();
        if (!confirming && now - lastHintAt < watchdog) {
            // callbacks are arriving: poll only as a watchdog, on a grid of the larger step, and never sooner than
            // the cadence plans it (hints only ever save polls)
            long step = Math.max(policy.period().toMillis(), watchdog);
            long due = nextDue + step;
            if (due <= now) {
                due += ((now - due) / step + 1) * step;
            }
            nextDue = Math.max(due, engine.cadence().nextPoll(this, now));
        } else {
            nextDue = engine.cadence().nextPoll(this, now);
        }
        arm();
    }

    /**
     * The end by a terminal status (the loop already finished): the cadence hears it; a completed task's status is
     * recorded and its results go through the result handler, if any; then the end is recorded; then the status is
     * emitted and the stream completes. {@code inRecord}: resumed from a terminal status recorded before a restart;
     * counted as ended when it was observed, and not taught to the cadence (it learned it when it was seen: at the
     * resume it would learn a generation that lasted until the restart).
     */
    private void ending(TaskStatus terminal, long now, boolean inRecord) {
        counters.endedAfter(terminal.state(), (inRecord ? terminal.observedAt().toEpochMilli() : now) - startedAt);
        if (!watched && !inRecord) {
            try {
                engine.cadence().ended(this, terminal, now);
            } catch (RuntimeException e) { // a cadence of the application's own: its failure holds no end back
                log.warn("task '{}': the cadence failed when told of its end ({})", key.id(), e.toString());
            }
        }
        ResultHandler results = engine.results();
        // an asset's result is a reference (asset://id), not a file: nothing to store
        if (results == null || terminal.state() != TaskState.COMPLETED || !(kind instanceof Family)) {
            recordEnd(terminal, null);
            return;
        }
        // the completed status (its result URLs) is recorded before the capture: a restart while it runs captures
        // from the record, without another poll, or says when its URLs expired (the end repeats no history entry)
        if (inRecord || !engine.durable()) {
            capture(terminal, results);
            return;
        }
        engine.store().status(ref(), terminal).subscribe(null, e -> {
            if (e instanceof LeaseLostException) {
                // the task's holder now (another instance, or this one under a new hold) polls it, captures it and
                // records its end; nothing more is recorded by this hold: an end written now would carry the new hold
                // if this instance took the shard back, pass the fence, and leave the results uncaptured
                log.info("task '{}': completed, but {}; not captured here", key.id(), e.getMessage());
                emit(terminal);
                complete();
            } else {
                log.warn("task '{}': the task store refused its completed status ({}); capturing all the same",
                        key.id(), e.toString());
                capture(terminal, results);
            }
        }, () -> capture(terminal, results));
    }

    /** Stores a completed task's results, then records its end (with the capture's failure, if any). */
    private void capture(TaskStatus terminal, ResultHandler results) {
        AtomicReference<String> failure = new AtomicReference<>();
        engine.capturing(this, results.completed(ref(), terminal)
                .doOnNext(e -> {
                    if (e instanceof TaskEvent.Failure f) {
                        failure.compareAndSet(null, f.failure().getMessage());
                    }
                    engine.published(e);
                })
                .doOnError(e -> failure.compareAndSet(null, "result capture failed: " + e)),
                () -> recordEnd(terminal, failure.get()));
    }

    private void recordEnd(TaskStatus terminal, @Nullable String error) {
        recorded(() -> engine.store().ended(ref(), new TaskStore.Ending(terminal, error,
                Instant.ofEpochMilli(deadlineAt), terminal.observedAt())), () -> {
            emit(terminal);
            complete();
        }, true);
    }

    /** A status goes to this task's subscribers and to the tracker's event feed. */
    private void emit(TaskStatus status) {
        next(status);
        engine.published(status);
    }

    /** The poll in flight failed for good (retries exhausted, a permanent error): the task ends with the failure. */
    void onFailure(Throwable failure) {
        if (finish()) {
            TaskStatus seen = last;
            ended(failure instanceof TaskpollException e ? e.withLastStatus(seen) : failure);
        }
    }

    private void onDeadline() {
        // a deadline that passes while the poll's requests fail names the last failure
        Poll request = inflight;
        Throwable lastFailure = request == null ? null : request.lastFailure();
        if (finish()) {
            ended(new TaskTimeoutException(key.id(), policy.deadline(), last, lastFailure));
        }
    }

    /** Tracking ended with an error: recorded as the task's end, then signalled (and put on the event feed). */
    private void ended(Throwable failure) {
        counters.errored();
        recorded(() -> engine.store().ended(ref(), new TaskStore.Ending(null,
                failure.getClass().getSimpleName() + ": " + failure.getMessage(), Instant.ofEpochMilli(deadlineAt),
                engine.options().clock().instant())), () -> {
            if (failure instanceof TaskpollException e) {
                engine.published(new TrackingFailed(key.id(), e));
            }
            error(failure);
        }, true);
    }

    /**
     * The client is closing: tracking stops here without recording an end (a durable task stays open in the store and
     * resumes at the next start); subscribers get a {@link TrackingStoppedException}.
     */
    void stop() {
        if (finish()) {
            error(new TrackingStoppedException(key.id(), engine.durable(), last));
        }
    }

    /** The single gate to the end: true for the one caller that ends the loop; stops the timer and the request. */
    private boolean finish() {
        if (!DONE.compareAndSet(this, 0, 1)) {
            return false;
        }
        timerEntry.dispose();
        Poll request = inflight;
        if (request != null) {
            request.dispose();
        }
        boolean wasStarted;
        synchronized (this) {
            wasStarted = started;
        }
        if (wasStarted) {
            engine.loopEnded();
        }
        engine.forget(key, this);
        return true;
    }
}
