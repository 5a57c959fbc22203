package dev.taskpoll.internal.engine;

import dev.taskpoll.ModelStats;
import dev.taskpoll.TaskState;
import dev.taskpoll.catalog.TaskKind;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/** One model's counters, shared by every loop of that model (one reference per tracked task). */
final class ModelCounters implements ModelStats.Live {

    private final TaskKind kind;
    private final @Nullable String model;
    private final LongAdder polls = new LongAdder();
    private final LongAdder started = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder stalled = new LongAdder();
    private final LongAdder timedEnds = new LongAdder();
    private final LongAdder timeToEndMillis = new LongAdder();
    private final LongAdder answers = new LongAdder();
    private final LongAdder answerMillis = new LongAdder();

    ModelCounters(TaskKind kind, @Nullable String model) {
        this.kind = kind;
        this.model = model;
    }

    @Override
    public TaskKind kind() {
        return kind;
    }

    @Override
    public @Nullable String model() {
        return model;
    }

    void polled() {
        polls.increment();
    }

    void started() {
        started.increment();
    }

    void ended(TaskState state) {
        (state == TaskState.COMPLETED ? completed : failed).increment();
    }

    /** Ended by a terminal status, {@code millis} after its tracking started (its submit, for a submitted task). */
    void endedAfter(TaskState state, long millis) {
        ended(state);
        if (millis >= 0) {
            timedEnds.increment();
            timeToEndMillis.add(millis);
        }
    }

    /** A poll answered {@code millis} after its first request was sent (retries included). */
    void answeredIn(long millis) {
        answers.increment();
        answerMillis.add(Math.max(0, millis));
    }

    void errored() {
        errors.increment();
    }

    void stalled() {
        stalled.increment();
    }

    @Override
    public ModelStats snapshot() {
        return new ModelStats(kind, model, polls.sum(), started.sum(), completed.sum(), failed.sum(), errors.sum(),
                stalled.sum(), timedEnds.sum(), timeToEndMillis.sum(), answers.sum(), answerMillis.sum());
    }
}
