package dev.taskpoll.spi;

import dev.taskpoll.StoredFile;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.TaskKind;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Where a client records the tasks it submits and tracks, so that tracking survives a restart. The default,
 * {@link #none()}, records nothing: tasks live only while someone subscribes to them, and a restart forgets them.
 * A durable store (an embedded file, or Redis in cluster mode) makes every submitted task tracked until it ends,
 * whether or not anyone subscribes, and resumes open tasks when the next client starts.
 *
 * <p><b>Call order</b>, for one task (each call's {@code Mono} completes once the record is durable; the caller waits
 * for it where the order matters):
 * <ol>
 *   <li>Submit: {@link #intent} before the create request leaves. Then either {@link #submitted} as soon as the answer
 *       carries a task id, before anyone is handed the id; or {@link #notCreated} when the API provably created
 *       nothing (it refused the request, or the request was never sent). A submit whose outcome is unknown leaves its
 *       intent as it is: <em>in doubt</em>, never sent again by taskpoll.</li>
 *   <li>A task tracked by reference ({@code client.track(ref)}) without a submit: {@link #started}, which returns the
 *       record the store holds (an existing one wins: its start, deadline and grid are kept).</li>
 *   <li>Then, before the first poll is armed: nothing more; the record carries the first planned poll.</li>
 *   <li>Every status change but the terminal one, in order: {@link #status}. Statuses that repeat the last one are
 *       not recorded.</li>
 *   <li>A completed task with a capture to make: {@link #confirm} first (in cluster mode, that this instance still
 *       holds the task; refused with {@link dev.taskpoll.LeaseLostException} if not: nothing is downloaded, and the
 *       task is followed instead); then its completed status through {@link #status}, before the capture starts (a
 *       restart during the capture captures from the record, without another poll).</li>
 *   <li>Each result stored by capture: {@link #captured} (the capture records it: see {@link ResultHandler}).</li>
 *   <li>The end, once: {@link #ended}, with the terminal status (recorded with it, in one write) or the error that
 *       ended tracking. After a capture, its terminal status is the completed one {@link #status} recorded: the
 *       store keeps one entry of it in the history, not two.</li>
 * </ol>
 * When a client starts, it reads {@link #models()} (what a learning cadence kept) and then subscribes to {@link #open()} once
 * (and, for a cluster store, to {@link #released()} and {@link #changes()}) and tracks every task it gives, with its recorded
 * start, deadline and first planned poll (the cadence continues from there); a task it gives whose shard
 * {@link #holds} no longer answers for (a cluster store: released meanwhile) is left to its holder. Before each status
 * request and each retry of a tracked task, {@link #mayPoll} (a cluster store: its lease still valid here by this
 * instance's clock). {@link #close()} is called when the
 * client closes, after tracking has stopped (without recording an end: the open tasks resume at the next start);
 * it commits what was written before it returns.
 *
 * <p><b>Threading:</b> every method is called from event loops and the tracker's timer thread and must return at
 * once: an implementation that does I/O hands it to its own thread (JDBC on one dedicated thread) or to a non-blocking
 * client, and completes the {@code Mono} from there. Writes for one task are issued in the order above and must be
 * applied in that order. A write the store refuses (a full disk, a lease that moved to another instance) fails its
 * {@code Mono} with a {@link dev.taskpoll.TaskpollException}; the tracker then stops tracking that task here without
 * emitting the status it could not record (an end it could not record is still signalled to subscribers, and the
 * task, still open in the store, is resumed at the next start).
 */
public interface TaskStore extends AutoCloseable {

    /**
     * Whether this store keeps anything; {@code false} only for {@link #none()}, which the tracker skips.
     *
     * @return whether it keeps anything
     */
    boolean durable();

    /**
     * Whether the client using this store tracks the tasks recorded in it (it holds the store's tracking lock): true
     * for a durable store by default. A client whose store only records (another process tracks the file) records
     * its submits, tracks nothing from {@link #open()}, and tracks what it is asked to as a client without a store.
     *
     * @return whether its tasks are tracked
     */
    default boolean tracking() {
        return durable();
    }

    /**
     * Where callbacks go when several instances share this store: hints routed to the instance that polls the task
     * (cluster mode), used when {@code TrackerOptions.hints} is not given; null (the default) for a store one process
     * tracks, whose tracker takes its hints locally.
     *
     * @return the hints, or null
     */
    default @Nullable StatusHints hints() {
        return null;
    }

    /**
     * The submit of a request is about to be sent; gives the intent's id.
     *
     * @param intent the submit
     * @return the intent's id
     */
    Mono<Long> intent(Intent intent);

    /**
     * The submit with this intent was answered with a task id.
     *
     * @param intentId the intent's id
     * @param task     the task created
     * @return completion once recorded
     */
    Mono<Void> submitted(long intentId, Tracked task);

    /**
     * The submit with this intent provably created no task (refused, or never sent).
     *
     * @param intentId the intent's id
     * @param reason   why no task was created
     * @return completion once recorded
     */
    Mono<Void> notCreated(long intentId, String reason);

    /**
     * A task is tracked without a submit through this store; gives the record held (an existing one wins).
     *
     * @param task the task
     * @return the record held
     */
    Mono<Tracked> started(Tracked task);

    /**
     * The task's status changed.
     *
     * @param task   the task
     * @param status its new status
     * @return completion once recorded
     */
    Mono<Void> status(TaskRef task, TaskStatus status);

    /**
     * Before a side effect only the task's holder may make (a capture): completes if this instance may go on, fails
     * with {@link dev.taskpoll.LeaseLostException} if another instance holds the task now or has ended it. Default:
     * nothing to check (one process tracks the store).
     *
     * @param task the task
     * @return completion if this instance may go on
     */
    default Mono<Void> confirm(TaskRef task) {
        return Mono.empty();
    }

    /**
     * One result of the task was stored by capture.
     *
     * @param task the task
     * @param file the result stored
     * @return completion once recorded
     */
    Mono<Void> captured(TaskRef task, StoredFile file);

    /**
     * Tracking of the task ended, for good. With a terminal status, the status and the end are one record: the status
     * joins the history unless it is already the latest recorded (a task resumed completed, whose end a crash cut off,
     * ends with the status it had).
     *
     * @param task   the task
     * @param ending how tracking ended
     * @return completion once recorded
     */
    Mono<Void> ended(TaskRef task, Ending ending);

    /**
     * The tasks to track: every task whose tracking has not ended when the client starts, then, for a store other
     * processes add tasks to, each task added later (submitted by another process), as it appears. Subscribed once,
     * by a client that tracks this store; the tracker ignores a task it already tracks. A store that tracks nothing
     * (or a client that only records, such as a submit without waiting) completes it at once.
     *
     * @return the tasks to track
     */
    Flux<Tracked> open();

    /**
     * The recorded tasks in {@code phase} (every one when null), newest first, without their history.
     *
     * @param phase the phase, or null for every one
     * @return the records, newest first
     */
    Flux<TaskRecord> tasks(TaskRecord.@Nullable Phase phase);

    /**
     * The most recent task recorded with {@code id}, with its history; empty when none is.
     *
     * @param id the task id
     * @return the record, with its history
     */
    Mono<TaskRecord> task(String id);

    /**
     * What a learning cadence kept here ({@link #saveModel}), one per model key; read once when a tracking client
     * starts, before {@link #open()}. A store that keeps none gives nothing (the default).
     *
     * @return the models kept
     */
    default Flux<Cadence.Saved> models() {
        return Flux.empty();
    }

    /**
     * Keeps what a learning cadence learned of one model, replacing what was kept under its key; called after its
     * refits, at most every few completions of that model. A store that keeps none ignores it (the default).
     *
     * @param model what was learned of the model
     * @return completion once kept
     */
    default Mono<Void> saveModel(Cadence.Saved model) {
        return Mono.empty();
    }

    /**
     * Cluster mode: whether this instance tracks {@code task} (it holds the lease of the task's shard); a task it does
     * not hold is <em>followed</em> here (its subscribers see what its holder records, through {@link #changes()}),
     * never polled. A single-process store holds everything (the default). Called on event loops: answers from
     * memory, at once.
     *
     * @param task the task
     * @return whether this instance tracks it
     */
    default boolean holds(TaskRef task) {
        return true;
    }

    /**
     * Cluster mode: whether a status request for {@code task} may leave now: it is held here and its lease has not run
     * out by this instance's own clock. Asked before each request (and each retry) is sent, after any wait for the
     * fleet budget: a process paused past its lease (a stop, a long GC pause) wakes with every overdue timer firing at
     * once, and its polls must not go out beside the task's new holder's before its lease check has run. False
     * postpones the request by half a second (then this is asked again), asking the fleet budget for nothing; it does
     * not release the task by itself: a lease renewed after all lets the request go, one lost releases the task through
     * {@link #released()}; a task {@link #holds} no longer answers for is followed from then on. A deadline that passes
     * while this answers false does not end the task here until it answers true (its holder calls it). True by default (a
     * single-process store holds everything). Called on event loops: answers from memory, at once.
     *
     * @param task the task
     * @return whether a status request for it may be sent now
     */
    default boolean mayPoll(TaskRef task) {
        return true;
    }

    /**
     * Cluster mode: tasks this instance must stop polling now, another instance holding them (a lease lost, or a
     * shard handed to a newcomer); they are followed from then on. Subscribed once by a tracking client, with
     * {@link #changes()}. None by default.
     *
     * @return the tasks released
     */
    default Flux<TaskRef> released() {
        return Flux.empty();
    }

    /**
     * Cluster mode: what other instances record (status changes and ends), for the tasks followed here; a hint
     * stream (it may miss some across a reconnect: followers also read the record now and then). None by default.
     *
     * @return the changes
     */
    default Flux<Change> changes() {
        return Flux.empty();
    }

    @Override
    void close();

    /**
     * A change another instance recorded.
     *
     * @param task   the task
     * @param status its new latest status, if the change is one
     * @param ended  whether tracking ended (with {@code status} terminal, or with {@code error})
     * @param error  what ended tracking with an error, if that is how it ended
     */
    record Change(TaskRef task, @Nullable TaskStatus status, boolean ended, @Nullable String error) {
        /**
         * A change; {@code task} is required.
         *
         * @param task   the task
         * @param status its new latest status, or null
         * @param ended  whether tracking ended
         * @param error  what ended tracking with an error, or null
         */
        public Change {
            Objects.requireNonNull(task, "task");
        }
    }

    /**
     * Nothing recorded, nothing resumed: tracking lives as long as its subscribers (taskpoll's behaviour before
     * stores).
     *
     * @return the store
     */
    static TaskStore none() {
        return NoStore.INSTANCE;
    }

    /**
     * A submit about to be sent.
     *
     * @param kind    the family (or asset library)
     * @param model   the model
     * @param request the request body as sent, as JSON (never the API key)
     * @param at      when
     */
    record Intent(TaskKind kind, String model, String request, Instant at) {
        /**
         * A submit about to be sent; every component is required.
         *
         * @param kind    the family (or asset library)
         * @param model   the model
         * @param request the request body as sent, as JSON
         * @param at      when
         */
        public Intent {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * A task being tracked, as recorded.
     *
     * @param ref       id, kind, model and the policy it is tracked with
     * @param startedAt when tracking began (for a submitted task: when the submit was answered)
     * @param deadline  when tracking gives up, absolute
     * @param firstDue  the first poll planned (scheduler ms), or {@link Long#MIN_VALUE} when none yet
     * @param last      the latest status recorded, if any
     */
    record Tracked(TaskRef ref, Instant startedAt, Instant deadline, long firstDue, @Nullable TaskStatus last) {
        /**
         * A task being tracked; {@code ref}, {@code startedAt} and {@code deadline} are required.
         *
         * @param ref       id, kind, model and the policy it is tracked with
         * @param startedAt when tracking began
         * @param deadline  when tracking gives up, absolute
         * @param firstDue  the first poll planned (scheduler ms), or {@link Long#MIN_VALUE}
         * @param last      the latest status recorded, or null
         */
        public Tracked {
            Objects.requireNonNull(ref, "ref");
            Objects.requireNonNull(startedAt, "startedAt");
            Objects.requireNonNull(deadline, "deadline");
        }
    }

    /**
     * How tracking ended: a terminal status, or the error that ended it.
     *
     * @param status   the terminal status, or null when an error ended tracking
     * @param error    the error's type and message, or null
     * @param deadline the absolute deadline the task had
     * @param at       when tracking ended
     */
    record Ending(@Nullable TaskStatus status, @Nullable String error, Instant deadline, Instant at) {
    }
}
