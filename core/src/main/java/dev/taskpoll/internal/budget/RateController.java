package dev.taskpoll.internal.budget;

/**
 * The fleet's rate, moved once per window (one second of the tracker's clock) by what the answers of that window say.
 * Not thread-safe: {@link FleetBudget} calls it under its monitor.
 *
 * <p>Plain AIMD halves the rate on every 429. That is right when 429s come from a quota (fewer requests, fewer 429s)
 * and wrong when they come whatever the rate (an overloaded upstream, a noisy proxy): the rate falls to the floor
 * and the 429 share stays the same. So the controller asks the API which case it is in:
 *
 * <ul>
 *   <li>A window without 429 in which the budget held requests back, once {@code recoveryDelay} has passed since the
 *       last 429: the rate climbs by the step (additive).</li>
 *   <li>A window where most answers (more than half) were 429: the rate drops to 1.02 x the goodput (answers that
 *       were not 429, per second) of that window, at most by half at once (multiplicative: a quota of R answers R).
 *       </li>
 *   <li>Some 429s, fewer than half: every {@value #PROBE_EVERY} windows the controller probes for one window, raising
 *       the rate by {@value #PROBE_PERCENT}% (or, when the rate is at its ceiling or the fleet sends less than it,
 *       lowering what is sent by as much). Only if goodput did not follow the probe (by half of it) and the 429
 *       share moved with it (beyond its noise) are the 429s the quota's (and, unless a quota was already seen and
 *       not since contradicted, only if a second probe in the next window says so too: one probe is fooled by
 *       random 429s now and then); otherwise an upward probe whose
 *       requests got through keeps its rate, and any other probe is undone. For a quota, what got through is the quota:
 *       the rate becomes 1.02 x the better of the two goodputs (about 2% above the quota, so about 2% of answers are
 *       429), at most 10% lower at a time, so that an unlucky probe costs little.</li>
 *   <li>Windows with 429s are judged only on {@value #MIN_SAMPLES} answers or more (a window grows up to 10 s to
 *       collect them): with a handful of answers, "most were 429" is chance.</li>
 * </ul>
 *
 * A fleet-wide pause for a {@code Retry-After} that helped is a quota's answer too: see {@link #pauseVerdict}. The rate never leaves
 * {@code [minRate, maxRate]}.
 */
final class RateController {

    static final long WINDOW_MILLIS = 1000;
    static final int PROBE_EVERY = 8;
    static final int PROBE_PERCENT = 10;
    private static final double HEADROOM = 1.02;
    private static final double SEVERE_SHARE = 0.5;
    static final int MIN_SAMPLES = 30;
    private static final long LONGEST_WINDOW_MILLIS = 10_000;

    private final int maxRate;
    private final int minRate;
    private final int step;
    private final long recoveryMillis;
    private long last429 = Long.MIN_VALUE / 2;

    private double rate;
    private long windowStart;
    private int answers;
    private int throttled;
    private boolean heldBack;
    private int windowsSinceProbe;
    private boolean probing;
    private boolean probingDown;
    private double goodputBeforeProbe;
    private double rateBeforeProbe;
    private double sentBeforeProbe;
    private double shareBeforeProbe;
    private int answersBeforeProbe;
    private boolean quotaSeen;
    /** The last probe said "quota"; the next one, at once, must say so too before the rate is cut. */
    private boolean suspected;
    private int good;
    private long goodSincePause;
    private long firstAnswerAt = Long.MIN_VALUE;
    private long lastPauseAt = Long.MIN_VALUE;
    private long disturbedUntil = Long.MIN_VALUE;
    private double goodputBeforePause = -1;

    RateController(int maxRate, int minRate, int step, long recoveryMillis, long now) {
        this.maxRate = maxRate;
        this.minRate = minRate;
        this.step = step;
        this.recoveryMillis = recoveryMillis;
        this.rate = maxRate;
        this.windowStart = now;
    }

    /** The rate now, in requests per second (ends the window first when it is over). */
    double rate(long now) {
        roll(now);
        return rate;
    }

    /** One answer arrived; {@code was429} when it was a 429. */
    void answered(long now, boolean was429) {
        roll(now);
        if (firstAnswerAt == Long.MIN_VALUE) {
            firstAnswerAt = now;
        }
        answers++;
        if (was429) {
            throttled++;
            last429 = now;
        } else {
            good++;
            goodSincePause++;
        }
    }

    /** The budget made a request wait for a token in this window: the rate is what limits the fleet. */
    void heldBack(long now) {
        roll(now);
        heldBack = true;
    }

    /**
     * The fleet pauses until {@code until} for a server's {@code Retry-After}. Windows that overlap the pause decide
     * nothing, and what got through since the previous pause (pauses included) is noted: if the pause turns out to
     * have helped ({@link #pauseVerdict}), that was the quota.
     */
    void pausedFleet(long now, long until) {
        roll(now);
        long from = Math.max(lastPauseAt, firstAnswerAt);
        if (firstAnswerAt != Long.MIN_VALUE && now - from >= WINDOW_MILLIS) {
            goodputBeforePause = goodSincePause * 1000.0 / (now - from);
        }
        goodSincePause = 0;
        lastPauseAt = now;
        disturbedUntil = Math.max(disturbedUntil, until);
    }

    /**
     * Whether the last pause helped (no 429 among the answers right after it). If it did, the 429s were a quota's:
     * the rate drops to 1.02 x what got through before the pause, but at most by half at a time (what got through may
     * have been held down by the rate itself, and a cut must not confirm itself).
     */
    void pauseVerdict(boolean helped) {
        double measured = goodputBeforePause;
        goodputBeforePause = -1;
        if (!helped) {
            quotaSeen = false;
            return;
        }
        quotaSeen = true;
        if (measured >= 0) {
            probing = false;
            windowsSinceProbe = 0;
            set(Math.min(rate, Math.max(rate / 2, HEADROOM * measured)));
        }
    }

    /** True once a probe or a severe window has shown 429s that follow the rate: a quota. */
    boolean quotaSeen() {
        return quotaSeen;
    }

    private void roll(long now) {
        long elapsed = now - windowStart;
        // a window lasts a second, longer (up to 10 s) when it has 429s but too few answers to judge them by
        if (elapsed < WINDOW_MILLIS
                || (throttled > 0 && answers < MIN_SAMPLES && elapsed < LONGEST_WINDOW_MILLIS)) {
            return;
        }
        if (windowStart >= disturbedUntil) {
            endWindow(elapsed);
        }
        windowStart = now;
        answers = 0;
        throttled = 0;
        good = 0;
        heldBack = false;
    }

    private void endWindow(long elapsed) {
        double goodput = (answers - throttled) * 1000.0 / elapsed;
        if (probing) {
            probing = false;
            windowsSinceProbe = 0;
            double half = PROBE_PERCENT / 200.0;
            if (answers < MIN_SAMPLES) {
                set(rateBeforeProbe); // too few answers to judge by
                return;
            }
            boolean goodputFollowed = probingDown ? goodput <= goodputBeforeProbe * (1 - half)
                    : goodput >= goodputBeforeProbe * (1 + half);
            // a quota's 429 share moves with the rate; random 429s keep theirs: it must move beyond noise (one sigma;
            // with goodput not following as well, random 429s pass both tests by chance a few percent of the time)
            double share = (double) throttled / answers;
            double pooled = (share * answers + shareBeforeProbe * answersBeforeProbe) / (answers + answersBeforeProbe);
            double noise = Math.sqrt(pooled * (1 - pooled) * (1.0 / answers + 1.0 / answersBeforeProbe));
            double moved = probingDown ? shareBeforeProbe - share : share - shareBeforeProbe;
            boolean shareFollowed = moved > Math.max(0.02, noise);
            if (goodputFollowed || !shareFollowed) {
                quotaSeen = false;
                suspected = false;
                if (probingDown || !goodputFollowed) {
                    set(rateBeforeProbe); // the rate was not the problem (or we cannot tell): as before
                }
                return; // an upward probe whose requests got through keeps its rate
            }
            if (!suspected && !quotaSeen) {
                // one probe's say-so is not enough while nothing else has shown a quota: random 429s pass both tests
                // above by chance now and then, and a cut made on chance sticks (with 429s still coming, only later
                // probes climb back). Probe again in the next window; cut only if it agrees.
                suspected = true;
                set(rateBeforeProbe);
                windowsSinceProbe = PROBE_EVERY - 1;
                return;
            }
            suspected = false;
            quotaSeen = true;
            double base = Math.min(rateBeforeProbe, sentBeforeProbe);
            set(Math.max(base * (1 - PROBE_PERCENT / 100.0),
                    Math.min(base, HEADROOM * Math.max(goodput, goodputBeforeProbe))));
            return;
        }
        if (answers == 0 || (throttled > 0 && answers < MIN_SAMPLES)) {
            return;
        }
        windowsSinceProbe++;
        if (throttled == 0) {
            if (heldBack && windowStart + elapsed - last429 >= recoveryMillis) {
                set(rate + step * Math.max(1, elapsed / WINDOW_MILLIS));
            }
            return;
        }
        if (throttled > SEVERE_SHARE * answers) {
            quotaSeen = true;
            windowsSinceProbe = 0;
            set(Math.min(rate, Math.max(rate / 2, HEADROOM * goodput)));
            return;
        }
        if (windowsSinceProbe >= PROBE_EVERY) {
            probing = true;
            goodputBeforeProbe = goodput;
            rateBeforeProbe = rate;
            // up when the rate is what holds the fleet back; down when it cannot go up (ceiling) or does not bind
            // (the fleet sends less than the rate, so more rate would send nothing more)
            probingDown = !heldBack || rate >= maxRate;
            double sent = answers * 1000.0 / elapsed;
            sentBeforeProbe = sent;
            shareBeforeProbe = (double) throttled / answers;
            answersBeforeProbe = answers;
            set(probingDown ? Math.min(rate, sent) * (1 - PROBE_PERCENT / 100.0) : rate * (1 + PROBE_PERCENT / 100.0));
        }
    }

    private void set(double r) {
        rate = Math.max(minRate, Math.min(maxRate, r));
    }
}
