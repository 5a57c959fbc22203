package dev.taskpoll.cadence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.TaskKind;
import dev.taskpoll.spi.Cadence;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The learned cadence through its SPI, as the tracker calls it: tasks planned with {@link Cadence#firstPoll} and
 * {@link Cadence#nextPoll} until the simulated completion, then {@link Cadence#ended}. Times are plain milliseconds
 * (the cadence reads no clock); refits run inline.
 */
class LearnedCadenceTest {

    private static final long PERIOD = 30_000;
    private static final PollPolicy POLICY = PollPolicy.of(Duration.ofMillis(PERIOD), Duration.ofHours(6));

    /** The tracker's view of one task, as the tracker keeps it. */
    static final class View implements Cadence.Task {
        final String id;
        final long start;
        long lastDue = Long.MIN_VALUE;
        int polls;
        long lastSeenRunning = Long.MIN_VALUE;
        @Nullable String shape;
        @Nullable String model = "veo_3_1_fast";
        PollPolicy policy = POLICY;

        View(String id, long start) {
            this.id = id;
            this.start = start;
        }

        @Override
        public TaskKind kind() {
            return Family.VEO;
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
            return start;
        }

        @Override
        public long lastDue() {
            return lastDue;
        }

        @Override
        public int polls() {
            return polls;
        }

        @Override
        public @Nullable TaskStatus last() {
            return null;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public long lastSeenRunning() {
            return lastSeenRunning;
        }
    }

    /** Polls of one task completing {@code duration} ms after it started at {@code start}; returns {polls, lag}. */
    static long[] track(Cadence c, String id, long start, long duration) {
        return track(c, id, start, duration, false);
    }

    /** The same; with {@code exact}, the provider says when the task completed ({@code completed_at}). */
    static long[] track(Cadence c, String id, long start, long duration, boolean exact) {
        View v = new View(id, start);
        long due = c.firstPoll(v, start);
        while (true) {
            v.lastDue = due;
            v.polls++;
            if (due >= start + duration) {
                c.ended(v, done(id, exact ? Instant.ofEpochMilli(start + duration) : null), due);
                return new long[] {v.polls, due - start - duration};
            }
            v.lastSeenRunning = due;
            due = c.nextPoll(v, due);
        }
    }

    /**
     * A service that tracks whatever model its callers name: the first {@link LearnedCadence#MAX_MODELS} names are
     * learned apart, and a task of any further one learns into (and is planned by) its kind's model without a name.
     * A model was kept per name without end.
     */
    @Test
    void modelsBeyondTheMostLearnedApartShareTheirKindsModelWithoutAName() {
        LearnedCadence c = cadence();
        View unnamed = new View("unnamed", 0);
        unnamed.model = null;
        c.firstPoll(unnamed, 0);
        for (int i = 0; i < LearnedCadence.MAX_MODELS + 20; i++) {
            View v = new View("t" + i, 0);
            v.model = "m-" + i;
            c.firstPoll(v, 0);
        }
        assertThat(c.models()).as("VEO/* and 255 names").hasSize(LearnedCadence.MAX_MODELS);
        assertThat(c.models()).extracting(Cadence.Model::key).contains("VEO/*", "VEO/m-0",
                "VEO/m-" + (LearnedCadence.MAX_MODELS - 2)).doesNotContain("VEO/m-" + (LearnedCadence.MAX_MODELS - 1));

        View late = new View("late", 0);
        late.model = "m-" + (LearnedCadence.MAX_MODELS + 5);
        late.shape = "8s";
        long due = c.firstPoll(late, 0);
        late.lastDue = due;
        late.polls = 1;
        c.ended(late, done("late", Instant.ofEpochMilli(due)), due);
        assertThat(c.models()).filteredOn(m -> m.key().equals("VEO/*")).singleElement()
                .satisfies(m -> assertThat(m.observations()).as("learned into the shared one").isEqualTo(1));
        View kept = new View("kept", 0);
        kept.model = "m-0";
        c.firstPoll(kept, 0);
        assertThat(c.models()).as("a name learned apart stays apart; no model added")
                .hasSize(LearnedCadence.MAX_MODELS);
    }

    /**
     * A task resumed with a due time still ahead (cluster mode: taken over from an instance that died, due within a few
     * seconds) is polled then, not at the learned schedule's next point; one whose recorded due time has passed, or
     * is later than the schedule's, follows the schedule.
     */
    @Test
    void aResumedTaskIsPolledAtItsRecordedDueTimeWhenThatIsSooner() {
        LearnedCadence c = cadence();
        View taken = new View("taken", 0);
        long now = 40_000; // before a VEO's early edge: the schedule's next point is far ahead
        long scheduled;
        taken.lastDue = Long.MIN_VALUE + 1; // resumed, with a recorded due time long past
        scheduled = c.firstPoll(taken, now);
        assertThat(scheduled).as("the schedule's next point").isGreaterThan(now + 10_000);
        taken.lastDue = now + 3_000;
        assertThat(c.firstPoll(taken, now)).isEqualTo(now + 3_000);
        taken.lastDue = scheduled + 60_000;
        assertThat(c.firstPoll(taken, now)).as("a later recorded due time does not hold it back").isEqualTo(scheduled);
    }

    static TaskStatus done(String id, @Nullable Instant completedAt) {
        return new TaskStatus(id, TaskState.COMPLETED, "completed", "veo_3_1_fast", null, List.of("https://x/" + id),
                null, null, null, Instant.EPOCH, completedAt);
    }

    static LearnedCadence cadence() {
        return LearnedCadence.create(CadenceOptions.builder().refitScheduler(null).build());
    }

    /** n tasks one after another (each starting where the last started + 5 s), durations from [lo, hi) s, uniform. */
    static double[] run(Cadence c, int n, double lo, double hi, long seed, String prefix) {
        return run(c, n, lo, hi, seed, prefix, false);
    }

    static double[] run(Cadence c, int n, double lo, double hi, long seed, String prefix, boolean exact) {
        SplittableRandom r = new SplittableRandom(seed);
        long polls = 0;
        double lag = 0;
        for (int i = 0; i < n; i++) {
            long d = (long) ((lo + r.nextDouble() * (hi - lo)) * 1000);
            long[] out = track(c, prefix + i, i * 5_000L, d, exact);
            polls += out[0];
            lag += out[1];
        }
        return new double[] {polls / (double) n, lag / n / 1000};
    }

    @Test
    void learnsTheDistributionFromIntervalCensoredCompletionsAndHalvesThePolls() {
        LearnedCadence c = cadence();
        run(c, 600, 120, 300, 1, "a");
        Cadence.Model m = c.models().get(0);
        assertThat(m.key()).isEqualTo("VEO/veo_3_1_fast");
        assertThat(m.observations()).isEqualTo(600);
        assertThat(m.median().toMillis() / 1000.0).as("learned median of U(120, 300)").isCloseTo(210, within(10.0));
        assertThat(m.p95().toMillis() / 1000.0).isCloseTo(291, within(10.0));
        double[] after = run(c, 600, 120, 300, 2, "b");
        // the fixed 30 s grid: 7.5 polls, mean lag 15 s, on U(120, 300)
        assertThat(after[0]).as("polls per task").isLessThan(7.5 * 0.55);
        assertThat(after[1]).as("mean lag (s)").isLessThanOrEqualTo(15.5);
    }

    @Test
    void pastTheLearnedP95NoIntervalIsLongerThanThePeriodAndBeyondEverythingSeenItIsThePeriod() {
        LearnedCadence c = cadence();
        run(c, 400, 120, 300, 3, "a");
        ModelState m = c.modelFor("VEO/veo_3_1_fast");
        double q95 = m.distribution().quantile(0.95);
        long seen = m.window()[1];
        for (long[] w = m.window(), k = new long[1]; k[0] < w.length; k[0] += 2) {
            seen = Math.max(seen, w[(int) k[0] + 1]);
        }
        View v = new View("t-late", 0);
        v.polls = 3;
        for (long now = (long) q95; now < 3_600_000; now += 997) {
            v.lastSeenRunning = now;
            long next = c.nextPoll(v, now);
            assertThat(next - now).as("interval after %d ms (learned p95 %.0f)", now, q95)
                    .isLessThanOrEqualTo(PERIOD).isPositive();
        }
        // a task running past every completion seen: polled on the fixed grid of the period
        long now = seen + 1;
        long first = c.nextPoll(v, now);
        long prev = first;
        for (int i = 0; i < 20; i++) {
            v.polls++;
            long next = c.nextPoll(v, prev);
            assertThat(next - prev).as("poll %d beyond everything seen (%d ms)", i, seen).isEqualTo(PERIOD);
            prev = next;
        }
    }

    /**
     * A model is planned with the period of the first task that reached it (here 5 min); a task of the same model
     * whose own policy has a 30 s period is never left longer than 30 s past the model's early edge: its policy's
     * guard. It waited up to 5 minutes.
     */
    @Test
    void aTaskWhosePeriodIsShorterThanItsModelsIsNeverLeftLongerThanItsPeriodPastTheEarlyEdge() {
        LearnedCadence c = cadence();
        View slow = new View("slow", 0);
        slow.policy = PollPolicy.of(Duration.ofMinutes(5), Duration.ofHours(6));
        c.firstPoll(slow, 0); // the model is made with this task's period
        View fast = new View("fast", 0);
        long due = c.firstPoll(fast, 0);
        fast.polls = 1;
        int checked = 0;
        while (due < 3_600_000) {
            fast.lastSeenRunning = due;
            long next = c.nextPoll(fast, due);
            if (due >= 300_000) { // past VEO's documented range, all the model has (its early edge long behind)
                assertThat(next - due).as("interval after %d ms", due).isLessThanOrEqualTo(PERIOD).isPositive();
                checked++;
            }
            fast.polls++;
            due = next;
        }
        assertThat(checked).isGreaterThan(100);
    }

    /**
     * Request shapes come from requests (a generic dialect's free input, a duration in tenths): past
     * {@link LearnedCadence#MAX_SHAPES} a model's new shapes share its model without a shape, instead of a model each
     * (about 22 KB, a refit and a row in the store, without end). Shapes learned before keep their models.
     */
    @Test
    void aModelLearnsAtMostMaxShapesApartAndFurtherShapesShareItsShapelessModel() {
        LearnedCadence c = cadence();
        c.firstPoll(new View("shapeless", 0), 0); // the model without a shape first: 32 shapes apart all the same
        for (int i = 0; i < 1_000; i++) {
            View v = new View("t" + i, 0);
            v.shape = "duration=" + (1 + i / 100.0);
            c.firstPoll(v, 0);
        }
        assertThat(c.models()).hasSize(LearnedCadence.MAX_SHAPES + 1);
        assertThat(c.models()).extracting(Cadence.Model::key).contains("VEO/veo_3_1_fast",
                "VEO/veo_3_1_fast/duration=1.0", "VEO/veo_3_1_fast/duration=1.31");
        View again = new View("again", 0);
        again.shape = "duration=1.0";
        c.firstPoll(again, 0);
        assertThat(c.models()).hasSize(LearnedCadence.MAX_SHAPES + 1);
    }

    @Test
    void anExactCompletedAtIsLearnedWithoutCensoring() {
        LearnedCadence c = cadence();
        // every task reports completed_at 100 s after its start; polls see it later
        for (int i = 0; i < 200; i++) {
            View v = new View("e" + i, i * 1_000L);
            long due = c.firstPoll(v, v.start);
            while (due < v.start + 100_000) {
                v.polls++;
                v.lastSeenRunning = due;
                due = c.nextPoll(v, due);
            }
            c.ended(v, done(v.id, Instant.ofEpochMilli(v.start + 100_000)), due);
        }
        assertThat(c.models().get(0).median().toMillis()).isBetween(97_000L, 103_000L);
    }

    /**
     * A {@code completed_at} the polls contradict (before a poll that saw the task running: the provider's clock is
     * behind ours) is not taken as exact: the completion is learned as the polls saw it, between the last poll that
     * saw it running and the one that saw it done.
     */
    @Test
    void aCompletedAtThePollsContradictIsNotTakenAsExact() {
        LearnedCadence c = cadence();
        View v = new View("behind", 0);
        c.firstPoll(v, 0);
        v.polls = 3;
        v.lastSeenRunning = 200_000;
        c.ended(v, done("behind", Instant.ofEpochMilli(150_000)), 230_000);
        assertThat(c.modelFor("VEO/veo_3_1_fast").window()).containsExactly(200_000L, 230_000L);
    }

    @Test
    void aThreeFoldSlowdownIsDetectedWithinEightCompletionsAndTheModelRelearns() {
        LearnedCadence c = cadence();
        run(c, 500, 120, 300, 4, "a");
        assertThat(c.models().get(0).drifts()).as("no drift while nothing changes").isZero();
        SplittableRandom r = new SplittableRandom(5);
        int detectedAt = -1;
        for (int i = 0; i < 200; i++) {
            long d = (long) ((360 + r.nextDouble() * 540) * 1000);
            track(c, "slow" + i, (500 + i) * 5_000L, d);
            if (detectedAt < 0 && c.models().get(0).drifts() > 0) {
                detectedAt = i + 1;
            }
        }
        assertThat(detectedAt).as("completions until detected").isBetween(1, 8);
        assertThat(c.models().get(0).median().toMillis() / 1000.0).as("relearned median of U(360, 900)")
                .isCloseTo(630, within(60.0));
    }

    /**
     * Refits run one at a time per model, and one asked for while another waits or runs is not dropped: it runs after
     * (a batch submitted together completes together, and the refit rule asks at set counts: those asks were lost,
     * and the model stayed fitted on its first observation until the 13th, a review). A refit scheduler that refuses
     * work (disposed) refits on the caller's thread: before, its exception escaped into the tracker's end of a
     * completed task, which then was never signalled.
     */
    @Test
    void aRefitAskedWhileAnotherWaitsRunsAfterItAndARefusingSchedulerRefitsInline() {
        java.util.List<Runnable> queued = new java.util.ArrayList<>();
        reactor.core.scheduler.Scheduler manual = reactor.core.scheduler.Schedulers.fromExecutor(queued::add);
        LearnedCadence c = LearnedCadence.create(CadenceOptions.builder().refitScheduler(manual).build());
        track(c, "a0", 0, 60_000); // the first completion asks for a refit
        assertThat(queued).hasSize(1);
        ModelState m = c.modelFor("VEO/veo_3_1_fast");
        int fitsBefore = m.fits();
        track(c, "a1", 5_000, 60_000); // so does the second, while the first waits
        assertThat(queued).as("one at a time").hasSize(1);
        queued.remove(0).run();
        assertThat(m.fits() - fitsBefore).as("the refit asked meanwhile ran after it, in the same turn").isEqualTo(2);
        assertThat(queued).isEmpty();

        reactor.core.scheduler.Scheduler disposed = reactor.core.scheduler.Schedulers.newSingle("disposed");
        disposed.dispose();
        LearnedCadence refused = LearnedCadence.create(CadenceOptions.builder().refitScheduler(disposed).build());
        for (int i = 0; i < 20; i++) {
            track(refused, "b" + i, i * 5_000L, 30_000);
        }
        assertThat(refused.models().get(0).median().toSeconds()).as("refitted on the caller's thread: the"
                + " completions at 30 s pulled the docs' 120-300 s down").isLessThan(120);
    }

    /**
     * A kept model is restored into a live one only while that has observed nothing, checked and restored at once: a
     * completion observed between the check and the restore was overwritten (a review).
     */
    @Test
    void aKeptModelIsRestoredOnlyIntoOneThatHasObservedNothing() {
        Cadence.Saved kept = new Cadence.Saved("VEO/veo_3_1_fast", 500, new long[] {0, 150_000, 0, 160_000},
                Instant.EPOCH);
        ModelState empty = new ModelState("a", new dev.taskpoll.catalog.GenerationTime(Duration.ofSeconds(120),
                Duration.ofSeconds(300), true), 10, PERIOD, 15_000, 1_000);
        assertThat(empty.restoreIfEmpty(kept)).isTrue();
        assertThat(empty.observations()).isEqualTo(500);
        ModelState observed = new ModelState("b", new dev.taskpoll.catalog.GenerationTime(Duration.ofSeconds(120),
                Duration.ofSeconds(300), true), 10, PERIOD, 15_000, 1_000);
        observed.observe(90_000, 120_000);
        assertThat(observed.restoreIfEmpty(kept)).isFalse();
        assertThat(observed.window()).as("its own observation kept").containsExactly(90_000L, 120_000L);
    }

    /**
     * A tight model (every task 200-204 s) polls first where most tasks are done (here 90%): a task still running at
     * that first poll (a provider a few per cent slower) is evidence against a speed-up, never for one. The speed-up
     * test took it as evidence for one once that poll's chance passed the 70% it tests for (a review): a slowdown
     * fired a speed-up, and the model relearned from its fast tasks alone.
     */
    @Test
    void aTaskStillRunningAtATightModelsFirstPollIsNoSpeedUp() {
        ModelState m = new ModelState("tight", new dev.taskpoll.catalog.GenerationTime(Duration.ofSeconds(200),
                Duration.ofSeconds(204), true), 10, PERIOD, 15_000, 1_000);
        long first = m.schedule.first();
        assertThat(m.distribution().cdf(first)).as("the first poll's chance (what the case needs)").isGreaterThan(0.8);
        for (int i = 0; i < ModelState.TESTED_AFTER; i++) { // done at their first poll, as the model expects
            m.observe(0, first);
        }
        for (int i = 0; i < 60; i++) { // seen running at the first poll, done by the next: the tail, not late
            assertThat(m.observe(first, first + PERIOD)).as("task %d running at its first poll", i + 1)
                    .isNotEqualTo(ModelState.Then.DRIFTED);
        }
        assertThat(m.drifts()).isZero();
    }

    /**
     * Five late tasks in a row are a slowdown, four are not: a heavy tail's few late tasks in a row once read as one,
     * and the model relearned from them alone polled its next tasks' early completions up to two minutes late.
     */
    @Test
    void aSlowdownTakesFiveLateTasksInARow() {
        LearnedCadence c = cadence();
        run(c, 500, 120, 300, 4, "a");
        ModelState m = c.modelFor("VEO/veo_3_1_fast");
        long late = (long) m.distribution().quantile(0.97); // still running where the model says 95% have ended
        for (int i = 0; i < 2; i++) { // on time: each takes 2.25 off the slowdown's sum (at most to 0), which this
            // seeded run leaves low enough that only the fifth late task below reaches the threshold
            assertThat(m.observe(180_000, 210_000)).isNotEqualTo(ModelState.Then.DRIFTED);
        }
        for (int i = 0; i < 4; i++) {
            assertThat(m.observe(late, late + PERIOD)).as("late task %d", i + 1).isNotEqualTo(ModelState.Then.DRIFTED);
        }
        assertThat(m.drifts()).as("four late tasks in a row").isZero();
        assertThat(m.observe(late, late + PERIOD)).as("the fifth in a row").isEqualTo(ModelState.Then.DRIFTED);
        assertThat(m.drifts()).isOne();
    }

    /**
     * A cold start whose first tasks are done at their first poll (the docs' range too slow for this provider) is a
     * prior to correct, not a drift: the refits learn the faster distribution and the prior is kept.
     */
    @Test
    void aColdStartFasterThanTheDocsRangeIsLearnedWithoutADrift() {
        LearnedCadence c = cadence(); // VEO's prior: 120-300 s
        long[] first = track(c, "first", 0, 50_000);
        assertThat(first[0]).as("polls of the first task, done long before the prior's range").isOne();
        run(c, 300, 40, 100, 3, "fast");
        Cadence.Model m = c.models().get(0);
        assertThat(m.drifts()).as("no drift from the prior").isZero();
        assertThat(m.median().toMillis() / 1000.0).as("learned median of U(40, 100)").isCloseTo(70, within(10.0));
    }

    /**
     * The same speed-up where the provider says when each task completed: a task done at its first poll is what the
     * polls saw, whatever time the provider gives. Before, an exact time put the task's last running sighting just
     * before it, so no task ever counted as done at its first poll and a speed-up was never detected (a review).
     */
    @Test
    void aThreeFoldSpeedUpIsDetectedWhenTheProviderSaysWhenTasksCompleted() {
        LearnedCadence c = cadence();
        run(c, 500, 120, 300, 6, "a", true);
        assertThat(c.models().get(0).drifts()).as("no drift while nothing changes").isZero();
        run(c, 300, 40, 100, 7, "fast", true);
        Cadence.Model m = c.models().get(0);
        assertThat(m.drifts()).isGreaterThanOrEqualTo(1);
        assertThat(m.median().toMillis() / 1000.0).as("relearned median of U(40, 100)").isCloseTo(70, within(10.0));
    }

    @Test
    void aThreeFoldSpeedUpIsDetectedAndTheModelRelearns() {
        LearnedCadence c = cadence();
        run(c, 500, 120, 300, 6, "a");
        double[] fast = run(c, 300, 40, 100, 7, "fast");
        Cadence.Model m = c.models().get(0);
        assertThat(m.drifts()).isGreaterThanOrEqualTo(1);
        assertThat(m.median().toMillis() / 1000.0).as("relearned median of U(40, 100)").isCloseTo(70, within(10.0));
        double[] after = run(c, 300, 40, 100, 8, "after");
        assertThat(after[1]).as("mean lag once relearned (s)").isLessThanOrEqualTo(15.5);
        assertThat(fast[0]).isPositive();
    }

    @Test
    void aProbeFindingItsTaskDoneLongBeforeTheEarlyEdgePutsTheModelOnTheGridUntilTheTestDecides() {
        LearnedCadence c = cadence();
        List<java.util.function.Predicate<Cadence.Task>> replans = new ArrayList<>();
        c.bind(new Cadence.Host() {
            @Override
            public void replan(java.util.function.Predicate<Cadence.Task> which) {
                replans.add(which);
            }

            @Override
            public void save(String key, long observations, long[] window) {
            }
        });
        run(c, 500, 120, 300, 4, "a");
        ModelState m = c.modelFor("VEO/veo_3_1_fast");
        long learnedFirst = m.schedule.first();
        assertThat(learnedFirst).as("the learned first poll, near the early edge of U(120, 300)").isGreaterThan(100_000);
        long start = 10_000_000;
        View probe = IntStream.range(0, 1_000).mapToObj(i -> new View("p" + i, start))
                .filter(v -> c.firstPoll(v, start) - start <= learnedFirst - PERIOD / 4).findFirst().orElseThrow();
        long at = c.firstPoll(probe, start);
        probe.lastDue = at;
        probe.polls = 1;
        int replansBefore = replans.size();

        c.ended(probe, done(probe.id, null), at); // done at its probe: 3x faster than anything the model allows

        assertThat(replans).as("the model's running tasks planned again").hasSize(replansBefore + 1);
        assertThat(replans.get(replansBefore).test(new View("other", start))).isTrue();
        assertThat(m.schedule.first()).as("new tasks on the fixed grid while a speed-up is suspected")
                .isEqualTo(PERIOD);
        long probeAge = at - start;
        View old = new View("old", at - probeAge / 2 - 1_000); // older than half the probe's time: may be done
        assertThat(c.replan(old, at) - at).as("polled soon").isBetween(m.minGap, m.minGap + PERIOD / 6);
        View young = new View("young", at - 10_000);
        assertThat(c.replan(young, at) - at).as("the grid: its next poll within a period").isBetween(1L, PERIOD);

        // nothing more shows it: after the suspicion's completions the learned schedule is back, no drift declared
        run(c, ModelState.SUSPECT_FOR, 120, 300, 9, "b");
        assertThat(c.models().get(0).drifts()).isZero();
        assertThat(m.schedule.first()).as("the learned schedule again").isGreaterThan(100_000);
        assertThat(c.replan(old, at + 1) - at).as("no longer polled soon").isGreaterThan(PERIOD / 6 + m.minGap);
    }

    @Test
    void eachRequestShapeOfAModelLearnsItsOwnDistribution() {
        LearnedCadence c = cadence();
        SplittableRandom r = new SplittableRandom(12);
        for (int i = 0; i < 400; i++) { // 4 s clips take 60-100 s, 12 s clips 240-300 s, interleaved
            boolean longClip = i % 2 == 1;
            long d = (long) ((longClip ? 240 + r.nextDouble() * 60 : 60 + r.nextDouble() * 40) * 1000);
            View v = new View("s" + i, i * 5_000L);
            v.shape = longClip ? "duration=12" : "duration=4";
            long due = c.firstPoll(v, v.start);
            while (true) {
                v.lastDue = due;
                v.polls++;
                if (due >= v.start + d) {
                    c.ended(v, done(v.id, null), due);
                    break;
                }
                v.lastSeenRunning = due;
                due = c.nextPoll(v, due);
            }
        }
        assertThat(c.models()).extracting(Cadence.Model::key)
                .containsExactlyInAnyOrder("VEO/veo_3_1_fast/duration=4", "VEO/veo_3_1_fast/duration=12");
        assertThat(c.models()).allSatisfy(m -> assertThat(m.observations()).isEqualTo(200));
        Cadence.Model shortClips = c.models().stream().filter(m -> m.key().endsWith("=4")).findFirst().orElseThrow();
        Cadence.Model longClips = c.models().stream().filter(m -> m.key().endsWith("=12")).findFirst().orElseThrow();
        assertThat(shortClips.median().toSeconds()).as("median of 4 s clips").isBetween(70L, 90L);
        assertThat(longClips.median().toSeconds()).as("median of 12 s clips").isBetween(255L, 285L);
    }

    @Test
    void aTaskThatFailsIsNotLearnedFromNorRaisesASuspicion() {
        LearnedCadence c = cadence();
        run(c, 500, 120, 300, 4, "a");
        ModelState m = c.modelFor("VEO/veo_3_1_fast");
        long learnedFirst = m.schedule.first();
        long observations = c.models().get(0).observations();
        long start = 10_000_000;
        for (int i = 0; i < 20; i++) { // refused at once (moderation): seen failed at the first poll or probe
            View v = new View("f" + i, start);
            long at = c.firstPoll(v, start);
            v.lastDue = at;
            v.polls = 1;
            c.ended(v, new TaskStatus(v.id, TaskState.FAILED, "failed", "veo_3_1_fast", null, List.of(), "refused",
                    null, null, Instant.EPOCH), at);
        }
        assertThat(c.models().get(0).observations()).isEqualTo(observations);
        assertThat(m.schedule.first()).as("no suspicion, no grid").isEqualTo(learnedFirst);
        assertThat(c.models().get(0).drifts()).isZero();
    }

    @Test
    void aTaskPastTheLearnedP999IsStalledAndTheEstimateNarrowsAsItRuns() {
        LearnedCadence c = cadence();
        run(c, 400, 120, 300, 9, "a");
        View v = new View("s", 0);
        long stalled = c.stalledAfter(v);
        assertThat(stalled).as("learned p99.9 of U(120, 300)").isBetween(290_000L, 320_000L);
        Cadence.Estimate early = c.estimate(v, 10_000).orElseThrow();
        Cadence.Estimate late = c.estimate(v, 250_000).orElseThrow();
        assertThat(early.median().toSeconds()).isBetween(190L, 210L);
        assertThat(early.low()).isLessThan(early.median());
        assertThat(early.high()).isGreaterThan(early.median());
        assertThat(late.high().minus(late.low())).isLessThan(early.high().minus(early.low()));
        assertThat(c.estimate(v, stalled + 60_000)).as("overdue: no estimate").isEmpty();
    }

    @Test
    void aModelKeptByAStoreIsTakenUpByTheFirstTaskOfItsKey() {
        LearnedCadence before = cadence();
        run(before, 400, 40, 80, 10, "a"); // far from the docs' 2-5 min
        ModelState learned = before.modelFor("VEO/veo_3_1_fast");
        Cadence.Saved kept = new Cadence.Saved(learned.key, learned.observations(), learned.window(), Instant.EPOCH);

        LearnedCadence cold = LearnedCadence.create(CadenceOptions.builder().refitScheduler(null).probeShare(0)
                .build());
        LearnedCadence restored = LearnedCadence.create(CadenceOptions.builder().refitScheduler(null).probeShare(0)
                .build());
        restored.restore(List.of(kept));
        long coldFirst = cold.firstPoll(new View("x", 0), 0);
        long restoredFirst = restored.firstPoll(new View("x", 0), 0);
        assertThat(coldFirst).as("cold: the docs' 2-5 min").isGreaterThanOrEqualTo(120_000);
        assertThat(restoredFirst).as("restored: the learned 40-80 s").isBetween(40_000L, 75_000L);
        assertThat(restored.models().get(0).observations()).isEqualTo(400);
    }
}
