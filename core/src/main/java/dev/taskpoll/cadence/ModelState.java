package dev.taskpoll.cadence;

import dev.taskpoll.catalog.GenerationTime;
import dev.taskpoll.spi.Cadence;
import java.util.Arrays;

/**
 * What a learned cadence knows of one model (and request shape): its recent observations, the distribution fitted to
 * them, the schedule built from it, and two drift detectors. Observations come in from completions (any thread);
 * refits run on the cadence's refit scheduler; polls read {@link #schedule} (volatile, immutable) and nothing else.
 *
 * <p>Drift is watched with two CUSUM tests (Page's cumulative sum of log-likelihood ratios, reset at zero): a
 * <em>slowdown</em> shows as tasks still running where the model says 95% have ended (a chance of 5% under the model,
 * 90% once the provider is 3x slower), a <em>speed-up</em> as tasks already done at their first poll (the model's
 * chance of that against 70%: tasks started before a speed-up keep completing among those after it). The slowdown test
 * fires at a sum of {@value #SLOW_THRESHOLD} (5 late tasks in a row), the speed-up test at {@value #FAST_THRESHOLD}
 * (6 done at a first poll planned with an 18% chance, or 2 done at a probe); neither runs before the model has seen
 * {@value #TESTED_AFTER} completions (until then it is mostly the docs' prior, which the refits correct: a first task
 * done at its first poll is a prior too slow, not a provider that changed). Then the past is thrown away
 * but the completions that showed the drift, the prior is forgotten, and the midpoint estimator serves for the next
 * {@value #MIDPOINT_FOR} completions before EM takes over again; meanwhile the guards keep the lag at the fixed grid's:
 * past the learned 95th percentile, and beyond everything seen, the task is polled at the period.
 *
 * <p>A speed-up is also <em>suspected</em> before the test is sure: when a probe finds its task done before the
 * model's early edge and a quarter of a period or more before the first poll, where the model gave it under
 * {@value #SUSPECT} (once the model has seen {@value #TESTED_AFTER} completions). Until the test decides, or
 * for {@value #SUSPECT_FOR} completions, the model's tasks are polled on the fixed grid, those older than half the
 * probe's time soon (see {@link #pollSoonAfter()}); meanwhile a completion seen done by a time the model gave under 5%
 * counts as "done at its first poll" for the test. Without it, every task started before the detection waited for a
 * first poll planned for the old, slower model: 22 of the first 100 completions after a 3x speed-up were seen more
 * than a period late, 4 with it (scenario D). After a speed-up is confirmed, running tasks older than half the
 * earliest completion that showed it are polled soon too, until the model has relearned.
 */
final class ModelState {

    static final int WINDOW = 1024;
    static final int MIDPOINT_FOR = 100;
    /**
     * The slowdown test's threshold: 5 late tasks in a row (each adds ln(0.9 / 0.05) = 2.89). At 8 (3 in a row),
     * scenario D's stationary workloads (6 seeds x 10 workloads, 3,000 tasks each) saw 12 slowdowns that were not
     * there, 7 of them mid-run (a few of a heavy log-normal tail's late tasks in a row) and 5 at a run's end; each
     * relearned from its late tasks alone a model whose first poll came so late that early completions waited up to
     * two minutes (Seedance LN, seed 2: p99 lag 41.5 s against the grid's 29.7). With 14: one, at a run's end, where
     * only the longest tasks are left. A true 3x slowdown is detected after 5 completions at the earliest: in scenario D's, where every task after
     * it is late, after 5 (the bound: 8); each task on time among them (2.25 off the sum) delays it.
     */
    static final double SLOW_THRESHOLD = 14;
    /** The speed-up test's threshold. */
    static final double FAST_THRESHOLD = 8;
    /**
     * The chance of "done at the first poll" a speed-up is tested for: 70%, not all, since tasks started before it
     * still complete among the new ones for a while.
     */
    private static final double FAST_HIT = 0.7;
    /**
     * A probe that found its task done before the model's early edge and a quarter of a period or more before the
     * first poll, where the model gives less than this chance of it: a speed-up is suspected at once, before the
     * detector can be sure. (The model's chance alone is no guide there: nothing is polled before the early edge but
     * probes, so the fitted mass below it is thin whatever the truth.)
     */
    static final double SUSPECT = 0.01;
    /** How many completions a suspicion lasts unless the detector confirms the drift. */
    static final int SUSPECT_FOR = 16;
    /**
     * No drift test and no suspicion before a model has seen this many completions: until then it is mostly the docs'
     * prior, and a prior that is wrong is corrected by the ordinary refits. (Tested from the first completion, a cold
     * start whose first tasks were done at their first poll read as a speed-up in 7 of 60 runs of scenario D, and the
     * drift threw away the prior, whose mass at the range's low end is what keeps a log-normal model's early edge
     * early: Sora 4 s LN, seed 5, then had a p99 lag of 31.3 s against the fixed grid's 29.7.)
     */
    static final int TESTED_AFTER = 20;

    /** What {@link #observe} asks of the cadence. */
    enum Then { NOTHING, REFIT, DRIFTED, SUSPECT }

    private static final byte LATE = 1;
    private static final byte EARLY = 2;

    final String key;
    final long period;
    final double targetLag;
    final long minGap;
    private final double[] edges;
    private final double[] prior;
    private final double priorMax;

    // guarded by this
    private double priorWeight;
    private final long[] lo = new long[WINDOW];
    private final long[] hi = new long[WINDOW];
    private final byte[] flags = new byte[WINDOW];
    private int count;
    private int head;
    private long total;
    private long sinceFit;
    private long maxSeen;
    private int midpointLeft;
    private long drifts;
    private double slowSum;
    private final double[] edges4 = new double[4];
    private int fits;
    private double fastSum;
    private int suspectLeft;
    /** While a speed-up is suspected or relearned: running tasks older than this (ms) may be done: polled soon. */
    private volatile double pollSoonAfter = Double.POSITIVE_INFINITY;

    private volatile Distribution distribution;
    volatile Schedule schedule;
    /** The last schedule built from the distribution (what {@link #schedule} is unless a drift is suspected). */
    private Schedule learned;
    private volatile double q95;
    private volatile double q999;

    ModelState(String key, GenerationTime prior, double priorWeight, long period, double targetLag, long minGap) {
        this.key = key;
        this.period = period;
        this.targetLag = targetLag;
        this.minGap = minGap;
        double priorMin = prior.min().toMillis();
        this.priorMax = prior.max().toMillis();
        this.edges = Distribution.edgesFor(priorMin, priorMax);
        this.prior = Distribution.uniformPrior(edges, priorMin, priorMax);
        this.priorWeight = priorWeight;
        refit();
    }

    /** A completion: somewhere in (lo, hi] ms after the task started (lo 0: its first poll saw it done). */
    Then observe(long l, long r) {
        return observe(l, r, l, r);
    }

    /**
     * A completion somewhere in (lo, hi] ms after the task started, learned as such; the drift tests read it as the
     * polls saw it, in (seenLo, seenHi] (the same, unless the provider said when it completed: then (lo, hi] is that
     * instant, and the tests, tuned on what polls see, still ask whether the first poll saw it done).
     */
    synchronized Then observe(long l, long r, long seenLo, long seenHi) {
        long h = Math.max(r, l + 1);
        long seenH = Math.max(seenHi, seenLo + 1);
        boolean atFirstPoll = seenLo <= 0;
        // the detectors read the model the task was polled with
        boolean late = seenLo >= q95;
        double byH = distribution.cdf(seenH);
        // while a speed-up is suspected tasks are polled on the grid, so "done at the first poll" is not how it shows:
        // done by a time the model gave less than 5% is
        boolean early = atFirstPoll || suspectLeft > 0 && byH < 0.05;
        double chance = early ? Math.min(0.9, Math.max(0.01, byH)) : 0;
        slowSum = Math.max(0, slowSum + (late ? Math.log(0.9 / 0.05) : Math.log(0.1 / 0.95)));
        // a task not done at its first poll is evidence against a speed-up in proportion to that poll's chance, and
        // never for one: where that chance is above the FAST_HIT tested for (a tight model), the ratio would say so
        double firstChance = Math.min(0.9, distribution.cdf(schedule.first()));
        fastSum = early ? Math.max(0, fastSum + Math.log(FAST_HIT / chance))
                : Math.max(0, fastSum + Math.min(0, Math.log((1 - FAST_HIT) / (1 - firstChance))));
        lo[head] = Math.max(0, l);
        hi[head] = h;
        flags[head] = (byte) ((late ? LATE : 0) | (early ? EARLY : 0));
        head = (head + 1) % WINDOW;
        count = Math.min(WINDOW, count + 1);
        total++;
        sinceFit++;
        maxSeen = Math.max(maxSeen, h);
        if (midpointLeft > 0) {
            midpointLeft--;
        }
        if (midpointLeft == 0 && suspectLeft == 0) {
            pollSoonAfter = Double.POSITIVE_INFINITY;
        }
        // relearning: its early completions are the short ones, no evidence of more drift; and no drift before there
        // is a model to drift from
        if (midpointLeft > 0 || total < TESTED_AFTER) {
            slowSum = 0;
            fastSum = 0;
        }
        if (slowSum >= SLOW_THRESHOLD) {
            drifted(LATE);
            return Then.DRIFTED;
        }
        if (fastSum >= FAST_THRESHOLD) {
            drifted(EARLY);
            return Then.DRIFTED;
        }
        if (suspectLeft > 0 && --suspectLeft == 0) { // not confirmed: back to the learned schedule
            pollSoonAfter = Double.POSITIVE_INFINITY; // a suspicion never overlaps relearning (drifted() ends it)
            schedule = learned;
        }
        if (suspectLeft == 0 && midpointLeft == 0 && total >= TESTED_AFTER && atFirstPoll
                && seenH <= schedule.first() - period / 4 && seenH < distribution.quantile(Schedule.EDGE)
                && byH < SUSPECT) {
            suspectLeft = SUSPECT_FOR;
            pollSoonAfter = seenH / 2.0;
            schedule = Schedule.grid(period); // the safe schedule until the detector decides
            return Then.SUSPECT;
        }
        boolean due = total <= 3 || total == 5 || total == 8 || total == 13 || total == 20 || sinceFit >= 25
                || midpointLeft > 0 && sinceFit >= 5;
        return due ? Then.REFIT : Then.NOTHING;
    }

    /**
     * Keeps only the recent observations that showed the drift (flagged {@code kind}, among the last 16), forgets the
     * prior, estimates by midpoints for a while.
     */
    private void drifted(byte kind) {
        drifts++;
        long[] l = new long[16];
        long[] h = new long[16];
        int n = 0;
        long newMax = 0;
        long newMin = Long.MAX_VALUE;
        for (int i = 0; i < Math.min(16, count); i++) {
            int at = Math.floorMod(head - 1 - i, WINDOW);
            if ((flags[at] & kind) != 0) {
                l[n] = lo[at];
                h[n] = hi[at];
                newMax = Math.max(newMax, h[n]);
                newMin = Math.min(newMin, h[n]);
                n++;
            }
        }
        Arrays.fill(lo, 0);
        Arrays.fill(hi, 0);
        Arrays.fill(flags, (byte) 0);
        System.arraycopy(l, 0, lo, 0, n);
        System.arraycopy(h, 0, hi, 0, n);
        count = n;
        head = n % WINDOW;
        maxSeen = newMax;
        priorWeight = 0.05; // enough to keep the distribution defined, not to pull it back
        midpointLeft = MIDPOINT_FOR;
        slowSum = 0;
        fastSum = 0;
        fits = 0;
        suspectLeft = 0;
        // faster: a running task older than half the earliest completion that showed it may be done already (the
        // tasks the suspicion polled soon stay so); slower: none is
        pollSoonAfter = kind == EARLY && n > 0 ? Math.min(pollSoonAfter, newMin / 2.0) : Double.POSITIVE_INFINITY;
        // until the refit, the safe schedule: the fixed grid
        schedule = Schedule.grid(period);
    }

    /** Fits the distribution to the window and builds the schedule from it (off the poll path). */
    void refit() {
        long[] l;
        long[] h;
        int n;
        double weight;
        boolean midpoint;
        double known;
        long generation;
        synchronized (this) {
            generation = drifts;
            n = count;
            l = Arrays.copyOf(lo, WINDOW);
            h = Arrays.copyOf(hi, WINDOW);
            weight = priorWeight;
            midpoint = midpointLeft > 0;
            known = Math.max(maxSeen, total == 0 || weight >= 1 ? priorMax : 0);
            sinceFit = 0;
        }
        if (known <= 0) {
            known = priorMax;
        }
        Distribution d = midpoint ? Estimator.midpoint(edges, prior, weight, l, h, n)
                : Estimator.em(edges, prior, weight, l, h, n);
        double edge = d.quantile(Schedule.EDGE);
        synchronized (this) { // the earliest edge of the last few fits: one fit's late excursion costs the p99 lag
            if (generation != drifts) {
                return; // a drift threw this fit's window away while it ran: its schedule is of the old provider
            }
            edges4[fits++ % edges4.length] = edge;
            for (int i = 0; i < Math.min(fits, edges4.length); i++) {
                edge = Math.min(edge, edges4[i]);
            }
        }
        Schedule s = Schedule.build(d, period, targetLag, minGap, known, edge);
        synchronized (this) {
            if (generation != drifts) {
                return;
            }
            distribution = d;
            q95 = d.quantile(0.95);
            q999 = d.quantile(0.999);
            learned = s;
            if (suspectLeft == 0) { // while a speed-up is suspected the grid stays
                schedule = s;
            }
        }
    }

    /**
     * Running tasks older than this (ms) are polled soon when planned again: while a speed-up is suspected, and while
     * a model relearns after one; otherwise infinite.
     */
    double pollSoonAfter() {
        return pollSoonAfter;
    }

    Distribution distribution() {
        return distribution;
    }

    double q999() {
        return q999;
    }

    synchronized long observations() {
        return total;
    }

    /** Fits published since the last drift (for tests). */
    synchronized int fits() {
        return fits;
    }

    synchronized long drifts() {
        return drifts;
    }

    synchronized boolean relearning() {
        return midpointLeft > 0;
    }

    /** The window, oldest first, as (lo, hi) pairs: what a store keeps. */
    synchronized long[] window() {
        long[] out = new long[2 * count];
        for (int i = 0; i < count; i++) {
            int k = Math.floorMod(head - count + i, WINDOW);
            out[2 * i] = lo[k];
            out[2 * i + 1] = hi[k];
        }
        return out;
    }

    /**
     * {@link #restore} unless an observation came first (checked and restored under one lock: a completion observed
     * between a check and the restore was overwritten).
     *
     * @return whether it was restored
     */
    synchronized boolean restoreIfEmpty(Cadence.Saved kept) {
        if (total != 0) {
            return false;
        }
        restore(kept);
        return true;
    }

    /** Takes up a window a store kept (before any observation of this process); refit after. */
    synchronized void restore(Cadence.Saved kept) {
        long[] w = kept.window();
        int pairs = w.length / 2;
        int n = Math.min(WINDOW, pairs);
        for (int i = 0; i < n; i++) {
            int from = pairs - n + i;
            lo[i] = Math.max(0, w[2 * from]);
            hi[i] = Math.max(w[2 * from + 1], lo[i] + 1);
            maxSeen = Math.max(maxSeen, hi[i]);
        }
        count = n;
        head = n % WINDOW;
        total = Math.max(kept.observations(), n);
    }
}
