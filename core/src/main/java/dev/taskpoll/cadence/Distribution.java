package dev.taskpoll.cadence;

import java.util.Arrays;

/**
 * A completion-time distribution on fixed bins: the first from 0 to {@code lo}, then log-spaced up to {@code hi}
 * (ms, since the task started), with its mass spread evenly inside each bin. Immutable once built; the CDF and the
 * quantile are exact for that piecewise-uniform density.
 */
final class Distribution {

    /** Bins between {@code lo} and {@code hi}: at 2-5 minutes a bin is about 5 s wide. */
    static final int BINS = 160;

    final double[] edges;
    final double[] mass;
    private final double[] cumulative;

    Distribution(double[] edges, double[] mass) {
        this.edges = edges;
        this.mass = mass;
        this.cumulative = new double[mass.length + 1];
        double sum = 0;
        for (double m : mass) {
            sum += m;
        }
        for (int j = 0; j < mass.length; j++) {
            mass[j] /= sum;
            cumulative[j + 1] = cumulative[j] + mass[j];
        }
        cumulative[mass.length] = 1;
    }

    /** Edges for a task expected between {@code minMs} and {@code maxMs}: room for 20x faster and 20x slower. */
    static double[] edgesFor(double minMs, double maxMs) {
        double lo = Math.max(200, minMs / 20);
        double hi = Math.max(maxMs * 20, lo * 10);
        double[] e = new double[BINS + 1];
        e[0] = 0;
        double ratio = Math.pow(hi / lo, 1.0 / (BINS - 1));
        e[1] = lo;
        for (int j = 2; j <= BINS; j++) {
            e[j] = e[j - 1] * ratio;
        }
        return e;
    }

    /** The docs' range read as uniform, with 0.1% of the mass spread over every bin so that no time is impossible. */
    static double[] uniformPrior(double[] edges, double minMs, double maxMs) {
        double[] p = new double[edges.length - 1];
        for (int j = 0; j < p.length; j++) {
            double overlap = Math.max(0, Math.min(edges[j + 1], maxMs) - Math.max(edges[j], minMs));
            p[j] = 0.999 * overlap / (maxMs - minMs) + 0.001 / p.length;
        }
        return p;
    }

    /** P(T <= t). */
    double cdf(double t) {
        if (t <= 0) {
            return 0;
        }
        if (t >= edges[edges.length - 1]) {
            return 1;
        }
        int j = bin(t);
        double within = (t - edges[j]) / (edges[j + 1] - edges[j]);
        return cumulative[j] + within * mass[j];
    }

    /** The smallest t with P(T <= t) >= u. */
    double quantile(double u) {
        if (u <= 0) {
            return 0;
        }
        if (u >= 1) {
            return last();
        }
        int j = Arrays.binarySearch(cumulative, u);
        if (j >= 0) {
            // on a boundary: the end of the last bin that brings the mass to u
            while (j > 0 && mass[j - 1] == 0) {
                j--;
            }
            return edges[j];
        }
        j = -j - 2; // cumulative[j] < u < cumulative[j + 1]
        double m = mass[j];
        double within = m <= 0 ? 0 : (u - cumulative[j]) / m;
        return edges[j] + within * (edges[j + 1] - edges[j]);
    }

    /** The end of the last bin with any mass worth speaking of (1e-6): "beyond everything seen". */
    double last() {
        for (int j = mass.length - 1; j >= 0; j--) {
            if (mass[j] > 1e-6) {
                return edges[j + 1];
            }
        }
        return edges[1];
    }

    int bin(double t) {
        int j = Arrays.binarySearch(edges, t);
        if (j >= 0) {
            return Math.min(j, mass.length - 1);
        }
        return Math.max(0, Math.min(mass.length - 1, -j - 2));
    }
}
