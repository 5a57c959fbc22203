package dev.taskpoll.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Arithmetic on the simulator's ledger, the harness's only source of truth about polls: how late each poll came
 * against its task's grid, where in the run the late ones fell, how long a finished task waited to be seen, and
 * percentiles.
 */
final class Ledgers {

    private Ledgers() {
    }

    /**
     * Per poll: arrival minus its slot on the task's fixed grid, in real ms. The grid's phase is the task's earliest
     * {@code poll_k - k * period} (its most punctual poll), so the figure does not depend on when tracking began.
     */
    static double[] lateness(SimProcess.Ledger ledger, Duration period, double scale, String marker,
                                     Instant skipFrom, Instant skipTo) {
        return lateness(ledger, period, scale, marker, skipFrom, skipTo, 0);
    }

    /**
     * As above, leaving out too the polls whose slot falls in the run's first {@code skipPeriods} periods (from its
     * first poll anywhere): with tracking started over the first period, what remains is the steady state.
     */
    static double[] lateness(SimProcess.Ledger ledger, Duration period, double scale, String marker,
                             Instant skipFrom, Instant skipTo, int skipPeriods) {
        List<Double> out = new ArrayList<>();
        long from = skipFrom == Instant.MAX ? Long.MAX_VALUE : nanos(skipFrom);
        long to = skipTo == Instant.MAX ? Long.MAX_VALUE : nanos(skipTo);
        long steadyFrom = skipPeriods == 0 ? Long.MIN_VALUE : firstPoll(ledger) + skipPeriods * period.toNanos();
        eachPoll(ledger, period, marker, (at, slot) -> {
            if (slot >= steadyFrom && !((slot >= from && slot <= to) || (at >= from && at <= to))) {
                out.add((at - slot) / 1e6 / scale);
            }
        });
        return out.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /**
     * Where in the run the polls later than {@code thresholdMs} (real) fell: real second since the first poll ->
     * count, the ten busiest seconds. Late polls bunched in a few seconds point at pauses; spread evenly, at queueing.
     */
    static String lateTimeline(SimProcess.Ledger ledger, Duration period, double scale, String marker,
                               double thresholdMs) {
        long first = firstPoll(ledger);
        java.util.TreeMap<Long, Integer> bySecond = new java.util.TreeMap<>();
        eachPoll(ledger, period, marker, (at, slot) -> {
            if ((at - slot) / 1e6 / scale > thresholdMs) {
                bySecond.merge((long) ((at - first) / 1e9 / scale), 1, Integer::sum);
            }
        });
        int total = bySecond.values().stream().mapToInt(Integer::intValue).sum();
        String marks = ledger.pollsOf(marker).stream()
                .map(a -> String.format(Locale.ROOT, "%.1fs", (nanos(a) - first) / 1e9 / scale)).toList().toString();
        java.util.OptionalLong end = ledger.finishedAt().stream().mapToLong(Ledgers::nanos).min();
        String firstEnd = end.isPresent()
                ? String.format(Locale.ROOT, "%.1fs", (end.getAsLong() - first) / 1e9 / scale) : "-";
        return total + " in " + bySecond.size() + " seconds (the harness's full GCs between the marks " + marks
                + "; the first task finished at " + firstEnd + "); busiest " + bySecond.entrySet().stream()
                .sorted(java.util.Map.Entry.<Long, Integer>comparingByValue().reversed()).limit(10)
                .map(e -> e.getKey() + "s:" + e.getValue()).toList();
    }

    /** A poll's arrival and its slot on its task's grid, epoch nanos (simulated time). */
    @FunctionalInterface
    private interface PollVisitor {
        void poll(long atNanos, long slotNanos);
    }

    /**
     * Every poll of every task but the marker, with its slot on the task's grid: the task's earliest
     * {@code poll_k - k * period} (its most punctual poll) plus {@code k * period}.
     */
    private static void eachPoll(SimProcess.Ledger ledger, Duration period, String marker, PollVisitor visitor) {
        long p = period.toNanos();
        for (int t = 0; t < ledger.ids().size(); t++) {
            if (ledger.ids().get(t).equals(marker)) {
                continue;
            }
            List<Instant> polls = ledger.polls().get(t);
            long phase = Long.MAX_VALUE;
            for (int i = 0; i < polls.size(); i++) {
                phase = Math.min(phase, nanos(polls.get(i)) - i * p);
            }
            for (int i = 0; i < polls.size(); i++) {
                visitor.poll(nanos(polls.get(i)), phase + i * p);
            }
        }
    }

    /** The run's first poll of any task, epoch nanos (simulated time). */
    private static long firstPoll(SimProcess.Ledger ledger) {
        return ledger.polls().stream().flatMap(List::stream).mapToLong(Ledgers::nanos).min().orElse(0);
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** Per task: the simulator finishing it to the first poll at or after, in simulated seconds. */
    static double[] detectionLag(SimProcess.Ledger ledger, String marker) {
        List<Double> out = new ArrayList<>();
        for (int t = 0; t < ledger.polls().size(); t++) {
            if (ledger.ids().get(t).equals(marker)) {
                continue;
            }
            Instant fin = ledger.finishedAt().get(t);
            ledger.polls().get(t).stream().filter(a -> !a.isBefore(fin)).findFirst()
                    .ifPresent(a -> out.add(Duration.between(fin, a).toMillis() / 1000.0));
        }
        return out.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    static double pct(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
    }
}
