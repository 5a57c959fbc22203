package dev.taskpoll.callback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.TaskStatus;
import dev.taskpoll.testkit.Simulator;
import dev.taskpoll.testkit.TaskTruth;
import java.util.List;

/** What every callback test checks of each task's statuses against the simulator's truth. */
final class ConfirmedTerminals {

    private ConfirmedTerminals() {
    }

    /** {@code tasks} tasks, each with exactly one terminal, last, equal to the truth, emitted once a poll saw it. */
    static void assertOnePerTask(Simulator sim, List<List<TaskStatus>> all, int tasks) {
        assertThat(all).hasSize(tasks);
        for (List<TaskStatus> statuses : all) {
            String id = statuses.get(0).taskId();
            TaskTruth truth = sim.truth(id).orElseThrow();
            assertThat(statuses.stream().filter(TaskStatus::isTerminal)).as(id).hasSize(1);
            TaskStatus last = statuses.get(statuses.size() - 1);
            assertThat(last.rawStatus()).as(id).isEqualTo(truth.outcome().raw());
            assertThat(truth.firstTerminalAnswer()).as(id + ": a poll saw the terminal status").isPresent();
            assertThat(last.observedAt()).as(id + ": emitted only once a poll confirmed it")
                    .isAfterOrEqualTo(truth.firstTerminalAnswer().orElseThrow());
        }
    }
}
