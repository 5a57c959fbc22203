package dev.taskpoll.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
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
}
