package dev.taskpoll.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One simulated task: a timeline fixed at creation (queued until {@code processingAt}, processing until
 * {@code doneAt}, then its outcome) and the ledger of the polls and callbacks it saw. Its status is a pure function
 * of time.
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
    final @Nullable String callbackUrl;
    final @Nullable String prompt;
    final boolean answeredLate;
    /** Its result image, once rendered (a task's image is the same for every request: drawn once). */
    volatile byte @Nullable [] rendered;
    /** Status queries of this task being answered now. */
    final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

    private long[] pollTimes = new long[8];
    private byte[] pollOutcomes = new byte[8];
    private int pollCount;
    private final List<TaskTruth.Callback> callbacks = new ArrayList<>(0);

    SimTask(String id, SimFamily family, String model, long createdAt, long processingAt, long doneAt,
            SimOutcome outcome, @Nullable String error, @Nullable String callbackUrl, @Nullable String prompt,
            boolean answeredLate) {
        this.prompt = prompt;
        this.answeredLate = answeredLate;
        this.id = id;
        this.family = family;
        this.model = model;
        this.createdAt = createdAt;
        this.processingAt = processingAt;
        this.doneAt = doneAt;
        this.outcome = outcome;
        this.error = error;
        this.callbackUrl = callbackUrl;
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

    synchronized void recordPoll(long now, Faults.Kind what) {
        if (pollCount == pollTimes.length) {
            pollTimes = Arrays.copyOf(pollTimes, pollCount * 2);
            pollOutcomes = Arrays.copyOf(pollOutcomes, pollCount * 2);
        }
        pollTimes[pollCount] = now;
        pollOutcomes[pollCount++] = (byte) what.ordinal();
    }

    synchronized void recordCallback(TaskTruth.Callback c) {
        callbacks.add(c);
    }

    synchronized List<TaskTruth.Poll> polls() {
        List<TaskTruth.Poll> out = new ArrayList<>(pollCount);
        for (int i = 0; i < pollCount; i++) {
            out.add(new TaskTruth.Poll(java.time.Instant.ofEpochMilli(pollTimes[i]),
                    Faults.Kind.values()[pollOutcomes[i]]));
        }
        return out;
    }

    synchronized List<TaskTruth.Callback> callbacks() {
        return List.copyOf(callbacks);
    }
}
