package dev.taskpoll.spi;

import java.util.Objects;
import java.util.function.DoubleSupplier;

/** {@link Cadence#fixedGrid}: pure arithmetic on the task's policy and its last planned poll. */
final class FixedGrid implements Cadence {

    private final double phaseSpread;
    private final DoubleSupplier random;

    FixedGrid(double phaseSpread, DoubleSupplier random) {
        if (!(phaseSpread >= 0 && phaseSpread <= 1)) {
            throw new IllegalArgumentException("phaseSpread: " + phaseSpread + " must be between 0 and 1");
        }
        this.phaseSpread = phaseSpread;
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public long firstPoll(Task task, long now) {
        long last = task.lastDue();
        if (last != Long.MIN_VALUE) { // resumed: the grid goes on from where it was
            return last >= now ? last : nextGridPoint(last, task.policy().period().toMillis(), now);
        }
        long period = task.policy().period().toMillis();
        long phase = (long) (phaseSpread * period * random.getAsDouble());
        return now + task.policy().initialDelay().toMillis() + phase;
    }

    @Override
    public long nextPoll(Task task, long now) {
        return nextGridPoint(task.lastDue(), task.policy().period().toMillis(), now);
    }

    /** The first point {@code last + k x period} (k at least 1) after {@code now}. */
    static long nextGridPoint(long last, long period, long now) {
        long due = last + period;
        if (due <= now) {
            due += ((now - due) / period + 1) * period;
        }
        return due;
    }

    @Override
    public String toString() {
        return "Cadence.fixedGrid(phaseSpread=" + phaseSpread + ")";
    }
}
