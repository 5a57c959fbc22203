package dev.taskpoll.testkit;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/** The simulator's tasks: creation with a drawn timeline and outcome, look-up, and the truth about each. */
final class SimTasks {

    private final SimTime time;
    private final Random random;
    private final @Nullable Duration genMin;
    private final @Nullable Duration genMax;
    private final Map<String, Duration[]> perModel;
    private final double failureRate;
    private final double failedAtOnce;
    /** How long an ended task is kept, from its end; MAX_VALUE: for ever. */
    private final long retentionMillis;
    private final ConcurrentHashMap<String, SimTask> tasks = new ConcurrentHashMap<>();

    SimTasks(SimTime time, Random random, @Nullable Duration genMin, @Nullable Duration genMax,
             Map<String, Duration[]> perModel, double failureRate, double failedAtOnce,
             @Nullable Duration retention) {
        this.perModel = Map.copyOf(perModel);
        this.time = time;
        this.random = random;
        this.genMin = genMin;
        this.genMax = genMax;
        this.failureRate = failureRate;
        this.failedAtOnce = failedAtOnce;
        this.retentionMillis = retention == null ? Long.MAX_VALUE : retention.toMillis();
    }

    SimTask create(SimFamily f, String model, @Nullable String callbackUrl) {
        return create(f, model, callbackUrl, null, false);
    }

    SimTask create(SimFamily f, String model, @Nullable String callbackUrl, @Nullable String prompt,
                   boolean answeredLate) {
        long now = time.nowMillis();
        Duration[] range = perModel.containsKey(model) ? perModel.get(model)
                : genMin != null && genMax != null ? new Duration[] {genMin, genMax} : f.generationTime(model);
        Duration min = range[0];
        Duration max = range[1];
        long gen = min.toMillis() + (long) (random.nextDouble() * (max.toMillis() - min.toMillis()));
        long queued = (long) (random.nextDouble() * 0.2 * gen);
        SimOutcome outcome = SimOutcome.COMPLETED;
        String error = null;
        if (random.nextDouble() < failureRate) {
            outcome = f.cancellable() && random.nextBoolean() ? SimOutcome.CANCELLED : SimOutcome.FAILED;
            error = outcome == SimOutcome.FAILED ? "generation failed: content policy (simulated)" : null;
            if (outcome == SimOutcome.FAILED && failedAtOnce > 0 && random.nextDouble() < failedAtOnce) {
                gen = 0; // refused by the content policy: failed from the first query on
                queued = 0;
            }
        }
        while (true) {
            // not UUID.randomUUID(): SecureRandom may block, and this runs on an event loop
            String id = f.idPrefix() + String.format("%016x", random.nextLong());
            SimTask t = new SimTask(id, f, model, now, now + queued, now + gen, outcome, error, callbackUrl, prompt,
                    answeredLate);
            if (tasks.putIfAbsent(id, t) == null) {
                return t;
            }
        }
    }

    @Nullable SimTask get(String id) {
        return tasks.get(id);
    }

    /** The task as a status query finds it at {@code now}: null when unknown, or deleted past its retention. */
    @Nullable SimTask queried(String id, long now) {
        SimTask t = tasks.get(id);
        return t == null || now - t.doneAt >= retentionMillis ? null : t;
    }

    int size() {
        return tasks.size();
    }

    List<TaskTruth> truths() {
        List<TaskTruth> all = new ArrayList<>(tasks.size());
        for (SimTask t : tasks.values()) {
            all.add(truth(t));
        }
        return all;
    }

    static TaskTruth truth(SimTask t) {
        return new TaskTruth(t.id, t.family.name(), t.model, Instant.ofEpochMilli(t.createdAt),
                Instant.ofEpochMilli(t.processingAt), Instant.ofEpochMilli(t.doneAt), t.outcome, t.polls(),
                t.callbacks(), t.callbackUrl, t.prompt, t.answeredLate);
    }
}
