package dev.taskpoll.cadence;

import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.GenerationTime;
import dev.taskpoll.catalog.TaskKind;
import dev.taskpoll.spi.Cadence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * A cadence that learns, per model and request shape ({@link dev.taskpoll.TaskRef#shape()}), when tasks complete, and
 * polls where completions are likely: about half the polls of the docs' fixed interval at no more mean or p99
 * detection lag, measured in the benchmarks (scenario D).
 *
 * <p>It is the tracker's default ({@link dev.taskpoll.TrackerOptions}, refitting on the tracker's scheduler); one
 * shared by several trackers, or tuned, is given explicitly:
 *
 * <pre>{@code
 * TrackerOptions.builder().cadence(LearnedCadence.create(CadenceOptions.defaults()))
 * }</pre>
 *
 * <p>How: each model's completion-time distribution is fitted to what tracking observes. A completion is only known
 * to lie between the last poll that saw the task running and the first that saw it done, and is fitted as such
 * (Turnbull's EM on log-spaced bins, lightly smoothed so that the early tail is not learned late; a provider's
 * {@code completed_at} is taken as exact; a task a poll saw {@code queued} counts from the last such poll, so a
 * provider's queue is not learned as generation time), starting
 * from the docs' range as a prior worth {@link CadenceOptions#priorWeight()} completions, so that savings start with
 * the first task.
 * From it, a table of poll times (see {@link Schedule}): from the distribution's early edge on, no completion waits
 * longer than the period; each interval has the same chance of seeing the end, tuned so that the expected mean lag is
 * at most the target ({@link CadenceOptions#lagTarget}: by default half the period, what the fixed grid gives).
 * Guards: past everything seen, the fixed grid of the period; a probe before the first poll for a share of tasks
 * ({@link CadenceOptions#probeShare()}) keeps the early edge learned; drift in either direction (3x slower, 3x
 * faster) is detected, the model relearns, and the trackers bound to this cadence plan that model's running tasks
 * again ({@link Cadence.Host#replan}). With a durable task store, what was learned is kept there
 * ({@link Cadence.Host#save}) and taken up after a restart ({@link #restore}).
 *
 * <p>Per poll: one map lookup and a binary search in the model's table (O(1) in the number of tasks, nothing kept per
 * task). Refits run on {@link CadenceOptions#refitScheduler()} after completions, never on the poll path.
 * Server hints still win: a {@code Retry-After} delays the next attempt whatever the cadence says, and while callbacks
 * arrive the tracker polls at its watchdog period. A cadence may be shared by several trackers.
 */
public final class LearnedCadence implements Cadence {

    private static final Logger log = Loggers.getLogger(LearnedCadence.class);

    private final CadenceOptions options;
    /** The most request shapes one model learns apart; further shapes share the model's shapeless one. */
    static final int MAX_SHAPES = 32;
    /**
     * The most model names learned apart, over every kind ({@code *}, tasks without a model, among them); a further
     * model's tasks share their kind's model without a name ({@code KIND/*}): a service tracking whatever model its
     * callers name keeps a bounded set of models (a few more when many first tasks come at once).
     */
    static final int MAX_MODELS = dev.taskpoll.ModelStats.MODELS_KEPT;
    private final java.util.concurrent.atomic.AtomicInteger modelNames = new java.util.concurrent.atomic.AtomicInteger();

    private final ConcurrentHashMap<String, ModelState> models = new ConcurrentHashMap<>();
    /** The same models by kind, model ("*" when unknown) and shape ("" when none): the poll path's lookup. */
    private final ConcurrentHashMap<TaskKind, ConcurrentHashMap<String, ConcurrentHashMap<String, ModelState>>>
            byModel = new ConcurrentHashMap<>();
    /** Per model: a refit running, and whether another was asked for meanwhile (run when it ends). */
    private final ConcurrentHashMap<String, Refits> refitting = new ConcurrentHashMap<>();

    private static final class Refits {
        final AtomicBoolean busy = new AtomicBoolean();
        final AtomicBoolean again = new AtomicBoolean();
        /** The refit scheduler's refusal was logged (once per model). */
        volatile boolean warned;
    }
    private final java.util.concurrent.CopyOnWriteArrayList<Host> hosts =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Models kept by a store, waiting for their first task in this process. */
    private final ConcurrentHashMap<String, Saved> saved = new ConcurrentHashMap<>();

    private LearnedCadence(CadenceOptions options) {
        this.options = options;
    }

    /**
     * A cadence that learns and plans as {@code options} say.
     *
     * @param options how it learns and plans
     * @return the cadence
     */
    public static LearnedCadence create(CadenceOptions options) {
        return new LearnedCadence(Objects.requireNonNull(options, "options"));
    }

    /**
     * How this cadence learns and plans.
     *
     * @return the options
     */
    public CadenceOptions options() {
        return options;
    }

    // ---- the poll path

    @Override
    public long firstPoll(Task task, long now) {
        ModelState m = model(task);
        Schedule s = m.schedule;
        double jitter = jitter(task);
        long start = task.startedAt();
        long recorded = task.lastDue();
        if (recorded != Long.MIN_VALUE) { // resumed: the schedule from where the task is now
            long next = beforeDeadline(task, m, start + (long) (s.next((now - start) / jitter) * jitter), now);
            // a due time the record asks for that is still ahead and sooner wins: a task taken over from an
            // instance that died is due within a few seconds (cluster mode's failover bound), not at the next point
            return recorded >= now && recorded < next ? recorded : next;
        }
        long first = (long) (s.first() * jitter);
        if (probed(task)) { // a probe for the early edge, from 1/4 to 7/4 of a period before the first poll
            long probe = first - (long) (m.period * (0.25 + 1.5 * unit(task.id(), 0x2545F491)));
            if (probe >= m.minGap) {
                return beforeDeadline(task, m, start + probe, now);
            }
        }
        return beforeDeadline(task, m, start + first, now);
    }

    @Override
    public long nextPoll(Task task, long now) {
        ModelState m = model(task);
        double jitter = jitter(task);
        long start = origin(task);
        double elapsed = (now - start) / jitter;
        Schedule s = m.schedule;
        double table = s.next(elapsed);
        double planned;
        if (table - elapsed > m.period) {
            planned = table; // before the model's early edge: a long wait is the plan
        } else if (start != task.startedAt()) {
            planned = table; // counted from the queue's end: the polls it had before are no guide
        } else {
            // the task's own next entry (by the polls it has had), so that a refit that moved the table a little
            // later does not add a poll a few seconds after the last one; never more than a period after this poll
            int k = task.polls() - (probed(task) ? 1 : 0);
            double mine = Math.min(s.at(k), elapsed + m.period);
            planned = mine > elapsed + m.minGap ? mine : table;
        }
        long next = start + (long) (planned * jitter);
        long own = task.policy().period().toMillis();
        if (own < m.period && table - elapsed <= m.period) {
            // a model is planned with the period of the first task that reached it: a task whose own period is
            // shorter is never left longer than its period once past the model's early edge (its policy's guard)
            next = Math.min(next, now + own);
        }
        return beforeDeadline(task, m, Math.max(next, now + m.minGap), now);
    }

    /**
     * A poll planned past the task's deadline comes shortly before it instead (a second, or the model's least gap if
     * longer, and never more than a period): a deadline shorter than the model's early edge still sees one poll, and
     * the timeout carries the last status rather than none.
     */
    private static long beforeDeadline(Task task, ModelState m, long planned, long now) {
        long lastChance = task.deadlineAt() - Math.max(m.minGap, Math.min(m.period, 1_000));
        return planned > lastChance && lastChance >= now + m.minGap ? lastChance : planned;
    }

    /**
     * After drift: a task its model now says should have ended (past the 99th percentile) is polled soon, spread over
     * a sixth of the period by its id; the others go on from where they are on the new schedule.
     */
    @Override
    public long replan(Task task, long now) {
        ModelState m = model(task);
        if (now - origin(task) > Math.min(m.distribution().quantile(0.99), m.pollSoonAfter())) {
            return now + m.minGap + (long) (unit(task.id(), 0x68E31DA4) * m.period / 6);
        }
        return nextPoll(task, now);
    }

    /** Only completions are learned: a failure or a cancellation says nothing of how long a generation takes. */
    @Override
    public void ended(Task task, TaskStatus terminal, long now) {
        if (terminal.state() != dev.taskpoll.TaskState.COMPLETED) {
            return; // a request refused at once (moderation, say) would teach an early edge nobody's video has
        }
        ModelState m = model(task);
        long start = origin(task);
        long r = now - start;
        long l = task.lastSeenRunning() == Long.MIN_VALUE ? 0 : Math.max(0, task.lastSeenRunning() - start);
        long seenLo = l; // as the polls saw it (what the drift tests read), whatever the provider says
        long seenHi = r;
        if (terminal.completedAt() != null) { // the provider said when: no censoring
            long exact = terminal.completedAt().toEpochMilli() - start;
            // only where the polls agree: a provider's clock behind ours would put it before a poll that saw the
            // task running (and teach an early edge nobody sees), one ahead of ours after the poll that saw it done
            if (exact > l && exact <= r) {
                l = exact - 1;
                r = exact;
            }
        }
        if (r <= 0) {
            return;
        }
        ModelState.Then then = m.observe(l, r, seenLo, seenHi);
        if (then == ModelState.Then.SUSPECT) { // the model stays; its running tasks go to the grid, the old polled soon
            log.debug("cadence model {}: a task done at {} ms, sooner than the model expects; suspecting a speed-up",
                    m.key, r);
            replanAll(m);
        } else if (then != ModelState.Then.NOTHING) {
            refit(m, then == ModelState.Then.DRIFTED);
        }
    }

    /** Past the model's learned 99.9th percentile, counted from the queue's end when a poll saw the task queued. */
    @Override
    public long stalledAfter(Task task) {
        return (long) model(task).q999() + (origin(task) - task.startedAt());
    }

    @Override
    public Optional<Estimate> estimate(Task task, long now) {
        Distribution d = model(task).distribution();
        double elapsed = now - origin(task);
        double f = d.cdf(elapsed);
        if (f >= 0.999) {
            return Optional.empty(); // beyond what the model knows: overdue
        }
        double median = d.quantile(f + 0.5 * (1 - f)) - elapsed;
        double low = d.quantile(f + 0.1 * (1 - f)) - elapsed;
        double high = d.quantile(f + 0.9 * (1 - f)) - elapsed;
        return Optional.of(new Estimate(Duration.ofMillis((long) Math.max(0, median)),
                Duration.ofMillis((long) Math.max(0, low)), Duration.ofMillis((long) Math.max(0, high))));
    }

    @Override
    public List<Model> models() {
        List<Model> out = new ArrayList<>();
        models.forEach((key, m) -> {
            Distribution d = m.distribution();
            Schedule s = m.schedule;
            out.add(new Model(key, m.observations(), Duration.ofMillis((long) d.quantile(0.5)),
                    Duration.ofMillis((long) d.quantile(0.95)), Duration.ofMillis((long) s.expectedMeanLag),
                    m.drifts(), m.relearning()));
        });
        return out;
    }

    // ---- models

    /** The model under {@code key}, if any task of it came (tests). */
    ModelState modelFor(String key) {
        return models.get(key);
    }

    /** The key of a task's model: its kind and model, and the request's shape when it has one. */
    static String key(Task task) {
        String model = task.model();
        String shape = task.shape();
        String key = task.kind().name() + "/" + (model == null ? "*" : model);
        return shape == null ? key : key + "/" + shape;
    }

    /**
     * A task's model, found by kind, model and shape without building its key (called on every poll): the key is built
     * once, when the model is first asked for.
     */
    private ModelState model(Task task) {
        String model = task.model() == null ? "*" : task.model();
        String shape = task.shape() == null ? "" : task.shape();
        ConcurrentHashMap<String, ConcurrentHashMap<String, ModelState>> names =
                byModel.computeIfAbsent(task.kind(), k -> new ConcurrentHashMap<>());
        Map<String, ModelState> byShape = names.get(model);
        boolean beyond = false;
        if (byShape == null) {
            if (!model.equals("*") && modelNames.get() >= MAX_MODELS) {
                beyond = true; // its kind's model without a name, without a shape (found here on each call)
                model = "*";
                shape = "";
            }
            byShape = names.computeIfAbsent(model, k -> {
                modelNames.incrementAndGet();
                return new ConcurrentHashMap<>();
            });
        }
        ModelState m = byShape.get(shape);
        if (m != null) {
            return m;
        }
        String key = beyond ? task.kind().name() + "/*" : key(task);
        if (!shape.isEmpty() && byShape.size() - (byShape.containsKey("") ? 1 : 0) >= MAX_SHAPES
                && !models.containsKey(key)) {
            // shapes from free-form requests (a generic dialect's input, a duration in tenths) would make a model
            // each, without end: past MAX_SHAPES a model's new shapes share its model without a shape (found here
            // on each call: a map entry per such shape would grow without end again)
            shape = "";
            key = task.kind().name() + "/" + model;
            m = byShape.get(shape);
            if (m != null) {
                return m;
            }
        }
        m = models.get(key);
        if (m == null) {
            // made outside the map's lock: a kept model's refit (once per model, on this first task's thread, so
            // that it is planned on what was learned) held it, and another event loop asking for a model of the same
            // bin waited on it
            Saved kept = saved.get(key);
            ModelState fresh = newModel(key, task.kind(), beyond ? null : task.model(), task.policy());
            if (kept != null) { // learned before a restart, or by another instance: no cold start
                fresh.restore(kept);
                fresh.refit();
            }
            m = models.putIfAbsent(key, fresh);
            if (m == null) {
                m = fresh;
                if (kept != null) {
                    saved.remove(key, kept);
                } else {
                    takeKept(fresh); // kept while this was made (a tracker's start): taken here or by restore()
                }
            }
        }
        byShape.putIfAbsent(shape, m);
        return m;
    }

    /**
     * Takes up into {@code live} the model a store kept under its key, when one waits and {@code live} has observed
     * nothing yet, and refits it; whichever of {@link #model} and {@link #restore} removes the kept one takes it.
     *
     * @return whether it was taken up
     */
    private boolean takeKept(ModelState live) {
        Saved kept = saved.remove(live.key);
        if (kept == null || !live.restoreIfEmpty(kept)) {
            return false;
        }
        live.refit();
        return true;
    }

    private ModelState newModel(String key, TaskKind kind, @Nullable String model, PollPolicy policy) {
        GenerationTime prior = GenerationTime.of(kind, model);
        long period = policy.period().toMillis();
        double target = options.lagTarget(kind).map(Duration::toMillis).map(Long::doubleValue).orElse(period / 2.0);
        return new ModelState(key, prior, prior.documented() ? options.priorWeight() : 1.0, period, target,
                Math.max(1, period / 30));
    }

    private void refit(ModelState m, boolean drifted) {
        Scheduler s = options.refitScheduler();
        if (s == null) {
            refitNow(m, drifted);
            return;
        }
        Refits r = refitting.computeIfAbsent(m.key, k -> new Refits());
        if (!drifted && !r.busy.compareAndSet(false, true)) {
            // one refit at a time per model; this one runs when that ends (the completions that asked may be the
            // last for a while: a batch submitted together ends together, and the refit rule asks at set counts)
            r.again.set(true);
            if (!r.busy.compareAndSet(false, true)) {
                return;
            }
            r.again.set(false); // the running one ended meanwhile: this thread runs it
        }
        r.busy.set(true);
        try {
            s.schedule(() -> refitOff(m, drifted, r));
        } catch (java.util.concurrent.RejectedExecutionException e) { // the scheduler was disposed: refit here
            if (!r.warned) {
                r.warned = true;
                log.warn("cadence model {}: the refit scheduler refused the refit ({}); refitting on the thread"
                        + " that asked", m.key, e.toString());
            }
            refitOff(m, drifted, r);
        }
    }

    /** Refits, then again while more were asked for meanwhile (a loop: no recursion through the scheduler). */
    private void refitOff(ModelState m, boolean drifted, Refits r) {
        boolean afterDrift = drifted;
        while (true) {
            try {
                refitNow(m, afterDrift);
            } catch (RuntimeException e) {
                log.warn("cadence model {}: refit failed, keeping the previous schedule ({})", m.key, e.toString());
            }
            afterDrift = false;
            if (r.again.getAndSet(false)) {
                continue; // asked for while this one ran: once more, still holding busy
            }
            r.busy.set(false);
            // one asked after the look above but before busy was cleared saw it set: taken here, unless it took it
            if (!r.again.get() || !r.busy.compareAndSet(false, true)) {
                return;
            }
        }
    }

    /**
     * Refits; after drift, has the trackers plan this model's tasks again on the new schedule; then has them keep the
     * model in their stores.
     */
    private void refitNow(ModelState m, boolean drifted) {
        m.refit();
        if (drifted) {
            log.info("cadence model {}: drift detected ({} so far); relearning", m.key, m.drifts());
            replanAll(m);
        }
        if (!hosts.isEmpty()) {
            long[] window = m.window();
            long observations = m.observations();
            for (Host h : hosts) {
                h.save(m.key, observations, window);
            }
        }
    }

    private void replanAll(ModelState m) {
        for (Host h : hosts) {
            h.replan(task -> model(task) == m);
        }
    }

    @Override
    public void bind(Host host) {
        hosts.add(Objects.requireNonNull(host, "host"));
    }

    /** The tracker is closing: what was learned since the last refit is kept too, then the host is forgotten. */
    @Override
    public void unbind(Host host) {
        models.values().forEach(m -> host.save(m.key, m.observations(), m.window()));
        hosts.remove(host);
    }

    /** Models a store kept: each is taken up when its first task comes, unless this process learned it already. */
    @Override
    public void restore(List<Saved> models) {
        for (Saved m : models) {
            saved.merge(m.key(), m, (a, b) -> a.observations() >= b.observations() ? a : b);
            // a model made already (its first tasks came before the store was read, or while it was) takes it up if
            // none of them has ended; else it waits for that model's first task (model())
            ModelState live = this.models.get(m.key());
            if (live != null && takeKept(live)) {
                replanAll(live);
            }
        }
    }

    /**
     * Where a task's time counts from for its model: its start, or the last poll that saw it queued (a queue's wait
     * is no part of how long the generation takes, and varies with the provider's load, not the model).
     */
    private static long origin(Task task) {
        long queued = task.lastSeenQueued();
        return queued == Long.MIN_VALUE ? task.startedAt() : Math.max(task.startedAt(), queued);
    }

    /** A task's factor on the table (from its id): tasks of one model see the edges at different times. */
    private double jitter(Task task) {
        if (options.jitter() == 0) {
            return 1;
        }
        return 1 + options.jitter() * (unit(task.id(), 0x9E3779B9) - 0.5);
    }

    private boolean probed(Task task) {
        return unit(task.id(), 0x7F4A7C15) < options.probeShare();
    }

    /** A number in [0, 1) from the task id and a salt: the same for the task across restarts. */
    private static double unit(String id, int salt) {
        int h = id.hashCode() * 0x9E3779B1 ^ salt;
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        return (h >>> 1) / (double) (1L << 31);
    }
}
