package dev.taskpoll.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskStoreException;
import dev.taskpoll.TrackingFailed;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code taskpoll run}'s bad input, in process: named by its flag, exit 64, no store opened, nothing tracked. */
class RunCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void aLeaseWithoutClusterModeIsNamedAndNoStoreIsOpened(@TempDir Path dir) {
        Path file = dir.resolve("tasks.db");
        assertThat(run("run", "--lease", "5s", "--store", file.toString(), "--redis", "")).isEqualTo(64);
        assertThat(err.toString()).startsWith("--lease: 5s applies to cluster mode only; give --redis (or"
                + " TASKPOLL_REDIS), or leave --lease out");
        assertThat(file).doesNotExist();
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aLeaseOutOfRangeIsNamedWithItsRuleBeforeRedisIsAsked() {
        // port 1: nothing listens there; a refusal naming --lease means the range was checked before any connection
        assertThat(run("run", "--redis", "redis://:s3cret@127.0.0.1:1", "--api-key", "sk-secret", "--lease", "1s"))
                .isEqualTo(64);
        assertThat(err.toString()).startsWith("--lease: '1s' must be from 3 s to 10 min")
                .doesNotContain("unreachable").doesNotContain("s3cret").doesNotContain("sk-secret");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aLeaseThatIsNotADurationIsNamed() {
        assertThat(run("run", "--redis", "redis://127.0.0.1:1", "--api-key", "sk-secret", "--lease", "soon"))
                .isEqualTo(64);
        assertThat(err.toString()).startsWith("--lease: ").contains("soon").doesNotContain("unreachable");
    }

    private static TaskStatus status(String id, TaskState state) {
        return new TaskStatus(id, state, state.name().toLowerCase(java.util.Locale.ROOT), null, null, List.of(), null,
                null, null, Instant.parse("2026-12-03T12:00:00Z"));
    }

    private CommandLine commandLine() {
        CommandLine cl = new CommandLine(new RunCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl;
    }

    @Test
    void aTaskTheStoreRefusedThenTrackedAgainToItsEndIsNoError() {
        RunCommand.Outcomes outcomes = new RunCommand.Outcomes();
        CommandLine cl = commandLine();
        outcomes.print(cl, new TrackingFailed("vgen_1", new TaskStoreException("disk full", "vgen_1", null)));
        outcomes.print(cl, new TrackingFailed("vgen_2", new TaskStoreException("disk full", "vgen_2", null)));
        outcomes.print(cl, status("vgen_1", TaskState.PROCESSING)); // tracked again once the store took writes
        outcomes.print(cl, status("vgen_1", TaskState.COMPLETED));
        assertThat(err.toString()).contains("disk full");
        assertThat(outcomes.exitCode()).as("vgen_2 never tracked again: an error").isEqualTo(1);
        outcomes.stillOpen(List.of()); // the store holds neither open at the end: vgen_2 was ended since
        assertThat(outcomes.errors()).isZero();
        assertThat(outcomes.exitCode()).isZero();
        assertThat(outcomes.completed).isEqualTo(1);
    }

    @Test
    void aTaskTheStoreRefusedAndStillOpenAtTheEndIsAnError() {
        RunCommand.Outcomes outcomes = new RunCommand.Outcomes();
        CommandLine cl = commandLine();
        outcomes.print(cl, new TrackingFailed("vgen_1", new TaskStoreException("disk full", "vgen_1", null)));
        outcomes.print(cl, status("vgen_3", TaskState.COMPLETED));
        outcomes.stillOpen(List.of("vgen_1", "vgen_9"));
        assertThat(outcomes.errors()).isEqualTo(1);
        assertThat(outcomes.exitCode()).isEqualTo(1);
    }
}
