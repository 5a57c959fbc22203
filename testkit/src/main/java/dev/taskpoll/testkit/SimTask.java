package dev.taskpoll.testkit;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * One simulated task: a timeline fixed at creation (queued until {@code processingAt}, processing until
 * {@code doneAt}, then its outcome) and the ledger of polls it received. Its status is a pure function of time.
 */
final class SimTask {

    final String id;
    final SimFamily family;
    final String model;
    final long createdAt;
    final long processingAt;
    final long doneAt;
    final SimOutcome outcome;
    final @Nullable String error;

    private long[] polls = new long[8];
    private int pollCount;

    SimTask(String id, SimFamily family, String model, long createdAt, long processingAt, long doneAt,
            SimOutcome outcome, @Nullable String error) {
        this.id = id;
        this.family = family;
        this.model = model;
        this.createdAt = createdAt;
        this.processingAt = processingAt;
        this.doneAt = doneAt;
        this.outcome = outcome;
        this.error = error;
    }

    /** The documented status string at simulated time {@code now}. */
    String statusAt(long now) {
        if (now < processingAt) {
            return "queued";
        }
        if (now < doneAt) {
            return family.generic() ? "in_progress" : "processing";
        }
        return outcome.raw;
    }

    synchronized void recordPoll(long now) {
        if (pollCount == polls.length) {
            polls = Arrays.copyOf(polls, pollCount * 2);
        }
        polls[pollCount++] = now;
    }

    synchronized long[] polls() {
        return Arrays.copyOf(polls, pollCount);
    }
}
