package dev.taskpoll.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;

/**
 * The schedule a cadence could follow if it knew the distribution exactly: the equal conditional probability rule
 * with the same guard as the learned one (a completion past the 1% quantile waits at most a period for its poll), its chance per
 * interval the largest whose mean lag stays at the target. Written here from the distribution's own CDF and quantile,
 * apart from the library's code, so that the learned cadence is held against an independent computation. Times in
 * seconds since the task started.
 */
final class CadenceLimit {

    private CadenceLimit() {
    }

    /** Poll times for a distribution given by its CDF and quantile, the period and the mean lag target. */
    static double[] schedule(DoubleUnaryOperator cdf, DoubleUnaryOperator quantile, double period, double target,
                             List<Double> completions) {
        double lo = 1e-4;
        double hi = 0.9;
        double[] best = table(cdf, quantile, lo, period);
        for (int i = 0; i < 40; i++) {
            double mid = (lo + hi) / 2;
            double[] t = table(cdf, quantile, mid, period);
            if (meanLag(t, period, completions) <= target) {
                best = t;
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return best;
    }

    private static double[] table(DoubleUnaryOperator cdf, DoubleUnaryOperator quantile, double q, double period) {
        List<Double> t = new ArrayList<>();
        double prev = 0;
        double f = 0;
        double end = quantile.applyAsDouble(0.999);
        double edge = quantile.applyAsDouble(0.01);
        while (prev < end && t.size() < 10_000) {
            double next = quantile.applyAsDouble(Math.min(0.999999, f + q * (1 - f)));
            next = Math.min(next, Math.max(prev, edge) + period); // a completion past 1% waits at most a period
            next = Math.max(next, prev + period / 30);
            t.add(next);
            prev = next;
            f = cdf.applyAsDouble(prev);
        }
        return t.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The first poll at or after {@code c}: the table, then the grid of the period after its last entry. */
    static double pollAt(double[] table, double period, double c) {
        for (double t : table) {
            if (t >= c) {
                return t;
            }
        }
        double last = table[table.length - 1];
        return last + Math.ceil((c - last) / period) * period;
    }

    /** How many polls a task completing at {@code c} takes. */
    static int polls(double[] table, double period, double c) {
        int n = 0;
        for (double t : table) {
            n++;
            if (t >= c) {
                return n;
            }
        }
        double last = table[table.length - 1];
        return n + (int) Math.ceil((c - last) / period);
    }

    static double meanLag(double[] table, double period, List<Double> completions) {
        double s = 0;
        for (double c : completions) {
            s += pollAt(table, period, c) - c;
        }
        return s / completions.size();
    }
}
