package dev.taskpoll.cadence;

import java.util.Arrays;

/**
 * When to poll a task, as times since it started (ms): a table built from a completion-time distribution, then the
 * fixed grid. Immutable; {@link #next(double)} is a binary search on a few dozen entries.
 *
 * <p>The table follows the equal conditional probability rule (Munford and Shahani): each interval has the same
 * chance {@code q} of seeing the end, {@code t[k+1] = Q(F(t[k]) + q (1 - F(t[k])))}, so polls gather where the
 * hazard is high; {@code q} is the largest that keeps the expected mean lag under the distribution at the target.
 * Guards: from the distribution's early edge on ({@link #EDGE}), no completion waits longer than the period for the
 * poll that sees it; past the last time the distribution knows (everything seen, or its 99.9% quantile) the task is
 * polled on the fixed grid of the period. No poll comes sooner than {@code minGap} after the previous one.
 */
final class Schedule {

    /**
     * From this quantile of the learned distribution on, no completion waits longer than the period: a little below the
     * 1% the p99 lag needs, since a learned early edge is only known to within a few seconds.
     */
    static final double EDGE = 0.003;

    private final long[] table;
    private final long period;
    /** What the schedule expects of the distribution it was built for: mean and p99 lag (ms). */
    final double expectedMeanLag;
    final double expectedP99Lag;
    /** The chance per interval it uses. */
    final double q;

    private Schedule(long[] table, long period, double meanLag, double p99Lag, double q) {
        this.table = table;
        this.period = period;
        this.expectedMeanLag = meanLag;
        this.expectedP99Lag = p99Lag;
        this.q = q;
    }

    /** The fixed grid: first poll after one period, then every period. */
    static Schedule grid(long period) {
        return new Schedule(new long[] {period}, period, period / 2.0, period * 0.99, 0);
    }

    /** The first poll. */
    long first() {
        return table[0];
    }

    /** The first poll after {@code elapsed} (ms since the task started). */
    long next(double elapsed) {
        int i = Arrays.binarySearch(table, (long) Math.floor(elapsed));
        i = i >= 0 ? i + 1 : -i - 1;
        if (i < table.length) {
            return table[i];
        }
        long last = table[table.length - 1];
        long k = (long) Math.floor((elapsed - last) / period) + 1;
        return last + k * period;
    }

    /** The {@code k}-th poll (0 for the first): the table's, then the grid of the period after its last entry. */
    long at(int k) {
        if (k < table.length) {
            return table[Math.max(0, k)];
        }
        return table[table.length - 1] + (long) (k - table.length + 1) * period;
    }

    int size() {
        return table.length;
    }

    /**
     * The schedule for {@code d} whose expected mean lag is at most {@code targetLag}: the largest {@code q} (by
     * bisection) that keeps it so, or the densest one the minimum gap allows.
     */
    static Schedule build(Distribution d, long period, double targetLag, long minGap, double knownUntil, double edge) {
        double lo = 1e-4;
        double hi = 0.9;
        Schedule best = table(d, lo, period, minGap, knownUntil, edge);
        for (int i = 0; i < 40; i++) {
            double mid = (lo + hi) / 2;
            Schedule s = table(d, mid, period, minGap, knownUntil, edge);
            if (s.expectedMeanLag <= targetLag) {
                best = s;
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return best;
    }

    static Schedule table(Distribution d, double q, long period, long minGap, double knownUntil, double edge) {
        long[] t = new long[16];
        int n = 0;
        double prev = 0;
        double f = 0;
        double end = Math.min(knownUntil, d.quantile(0.999));
        double q01 = edge;
        while (prev < end && n < 10_000) {
            double next = d.quantile(f + q * (1 - f));
            // past the 1% quantile no completion waits longer than the period for its poll
            next = Math.min(next, Math.max(prev, q01) + period);
            next = Math.max(next, prev + minGap);
            if (n == t.length) {
                t = Arrays.copyOf(t, n * 2);
            }
            t[n++] = (long) Math.ceil(next);
            prev = t[n - 1];
            f = d.cdf(prev);
        }
        if (n == 0) {
            t[n++] = period;
        }
        long[] table = Arrays.copyOf(t, n);
        double[] lag = lag(d, table, period);
        return new Schedule(table, period, lag[0], lag[1], q);
    }

    /** Mean and 99th percentile of the lag (next poll minus completion) under {@code d}, ms. */
    static double[] lag(Distribution d, long[] table, long period) {
        double mean = 0;
        // the lag distribution as (mass, lag range) pieces: uniform within each piece
        int pieces = 0;
        double[] m = new double[d.mass.length * 4];
        double[] a = new double[m.length];
        double[] b = new double[m.length];
        Schedule s = new Schedule(table, period, 0, 0, 0);
        for (int j = 0; j < d.mass.length; j++) {
            if (d.mass[j] <= 0) {
                continue;
            }
            double from = d.edges[j];
            double to = d.edges[j + 1];
            double width = to - from;
            double x = from;
            while (x < to) {
                long poll = s.next(x);
                double segEnd = Math.min(to, poll);
                if (segEnd <= x) {
                    segEnd = to; // safety: never loop on a zero-length segment
                }
                double mass = d.mass[j] * (segEnd - x) / width;
                double lagFrom = poll - segEnd;
                double lagTo = poll - x;
                mean += mass * (lagFrom + lagTo) / 2;
                if (pieces == m.length) {
                    m = Arrays.copyOf(m, pieces * 2);
                    a = Arrays.copyOf(a, pieces * 2);
                    b = Arrays.copyOf(b, pieces * 2);
                }
                m[pieces] = mass;
                a[pieces] = Math.max(0, lagFrom);
                b[pieces] = Math.max(0, lagTo);
                pieces++;
                x = segEnd;
            }
        }
        return new double[] {mean, quantileOfPieces(m, a, b, pieces, 0.99)};
    }

    /** The p-quantile of a mixture of uniforms on [a, b] with masses m, by bisection on the lag. */
    private static double quantileOfPieces(double[] m, double[] a, double[] b, int n, double p) {
        double lo = 0;
        double hi = 0;
        for (int i = 0; i < n; i++) {
            hi = Math.max(hi, b[i]);
        }
        for (int it = 0; it < 50; it++) {
            double x = (lo + hi) / 2;
            double below = 0;
            for (int i = 0; i < n; i++) {
                if (x >= b[i]) {
                    below += m[i];
                } else if (x > a[i]) {
                    below += m[i] * (x - a[i]) / (b[i] - a[i]);
                }
            }
            if (below >= p) {
                hi = x;
            } else {
                lo = x;
            }
        }
        return hi;
    }
}
