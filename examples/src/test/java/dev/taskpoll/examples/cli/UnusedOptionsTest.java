package dev.taskpoll.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Options the commands share that a command has no use for are not offered there: not in its help, and refused as
 * unknown (exit 64) rather than silently ignored ({@code run --dialect} once changed only which expected end was
 * looked up).
 */
class UnusedOptionsTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private String help(String command) {
        StringWriter h = new StringWriter();
        assertThat(TaskpollCli.run(new PrintWriter(h, true), new PrintWriter(err, true), command, "--help")).isZero();
        return h.toString();
    }

    /** A mistyped flag's value is not printed: it may be the Redis password or the API key (picocli's message was). */
    @Test
    void aMistypedFlagsValueIsNotPrinted(@TempDir Path dir) {
        assertThat(run("run", "--redis-uri", "redis://:s3cret@127.0.0.1:1", "--store", dir.resolve("t.db").toString()))
                .isEqualTo(64);
        assertThat(run("demo", "--api-kee=sk-live-secret", "extra-sk-value")).isEqualTo(64);
        assertThat(run("demo", "-ksk-live-attached")).isEqualTo(64);
        assertThat(err.toString()).contains("Unknown option: '--redis-uri' (and 1 value not shown: a value may be a"
                + " secret)").contains("Unknown option: '--api-kee=...' (and 1 value not shown")
                .contains("Unknown option: '-k...'")
                .doesNotContain("s3cret").doesNotContain("sk-live").doesNotContain("extra-sk-value");
        assertThat(dir.resolve("t.db")).as("no store opened").doesNotExist();
    }

    @Test
    void runTakesDialectAndModelFromTheStore(@TempDir Path dir) {
        String store = dir.resolve("tasks.db").toString();
        assertThat(run("run", "--dialect", "task", "--store", store, "--api-key", "k")).isEqualTo(64);
        assertThat(err.toString()).startsWith("Unknown option: '--dialect' (and 1 value not shown: a value may be a secret)").contains("try: taskpoll run --help");
        assertThat(run("run", "--model", "veo_3_1_fast", "--store", store, "--api-key", "k")).isEqualTo(64);
        assertThat(err.toString()).contains("Unknown option: '--model' (and 1 value");
        assertThat(dir.resolve("tasks.db")).as("no store opened").doesNotExist();
        assertThat(help("run")).doesNotContain("--dialect").doesNotContain("--model").contains("--cadence")
                .contains("--lease");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void submitTakesItsDialectFromTheFamily(@TempDir Path dir) {
        assertThat(run("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "a fox", "--dialect", "task",
                "--base-url", "http://127.0.0.1:19", "--api-key", "k", "--store", dir.resolve("t.db").toString()))
                .isEqualTo(64);
        assertThat(err.toString()).startsWith("Unknown option: '--dialect' (and 1 value");
        assertThat(dir.resolve("t.db")).as("nothing recorded").doesNotExist();
        assertThat(help("submit")).doesNotContain("--dialect").contains("--model").contains("--cadence");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void getHasNoCadence() {
        assertThat(run("get", "vgen_1", "--cadence", "fixed", "--base-url", "http://127.0.0.1:19", "--api-key", "k"))
                .isEqualTo(64);
        assertThat(err.toString()).startsWith("Unknown option: '--cadence' (and 1 value");
        assertThat(help("get")).doesNotContain("--cadence").contains("--dialect").contains("--model");
        assertThat(help("watch")).as("watch polls: it keeps all three").contains("--cadence").contains("--dialect")
                .contains("--model");
        assertThat(out.toString()).isEmpty();
    }
}
