package dev.taskpoll.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.Family;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code taskpoll tasks}' text lines tell a task still tracked from one whose tracking ended with an error: both show
 * their last status ({@code PROCESSING}); the line used to show nothing else, so a task that timed out read as running
 * (a review).
 */
class TasksCommandTest {

    private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");
    private static final TaskStatus RUNNING = new TaskStatus("vgen_1", TaskState.PROCESSING, "processing",
            "veo_3_1_fast", null, List.of(), null, null, null, T0);

    private static TaskRecord record(TaskRecord.Phase phase, String error) {
        return new TaskRecord("vgen_1", Family.VEO, "veo_3_1_fast", phase, RUNNING, T0,
                phase == TaskRecord.Phase.ENDED ? T0.plusSeconds(1800) : null, error, List.of(), List.of(RUNNING), 0,
                null);
    }

    @Test
    void aTaskThatTimedOutIsToldFromOneStillTracked() {
        String open = TasksCommand.line(record(TaskRecord.Phase.OPEN, null));
        String timedOut = TasksCommand.line(record(TaskRecord.Phase.ENDED,
                "TaskTimeoutException: task 'vgen_1' not finished within its deadline of 30 min"));
        assertThat(open).contains("PROCESSING").contains(" open ").doesNotContain("error");
        assertThat(timedOut).contains("PROCESSING").contains(" ended ")
                .endsWith("  error: TaskTimeoutException: task 'vgen_1' not finished within its deadline of 30 min");
    }
}
