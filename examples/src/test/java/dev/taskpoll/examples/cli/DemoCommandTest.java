package dev.taskpoll.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void theDemoAccountsForEveryTaskAndMatchesTheSimulatorsTruth() {
        // 300x: the demo's 45 simulated minutes bound is 9 real seconds, ample for tasks of at most 8 minutes
        int code = run("demo", "--tasks", "120", "--scale", "300", "--seed", "7");
        String text = out.toString();
        assertThat(code).as(text + err).isZero();
        assertThat(text).contains("120 of 120 tasks accounted for; 0 final statuses differ from the simulator's truth.");
        for (dev.taskpoll.Family f : dev.taskpoll.Family.generations()) {
            assertThat(text).containsPattern("(?m)^" + f.name() + " +10 ");
        }
    }

    @Test
    void badFlagsFailWithAClearMessageAndNothingRuns() {
        int code = run("demo", "--tasks", "0");
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("--tasks: 0 must be between 1 and 100000");
        assertThat(out.toString()).doesNotContain("simulator at");
    }

    @Test
    void aMissingSubCommandSaysWhatToDo() {
        assertThat(run()).isNotZero();
        assertThat(err.toString()).contains("taskpoll demo");
    }
}
