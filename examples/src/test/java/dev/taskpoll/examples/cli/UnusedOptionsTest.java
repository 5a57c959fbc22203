package dev.taskpoll.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Options a command shares with others but does not use are refused (exit 64, named with the reason) rather than
 * silently ignored: {@code run --dialect} once changed only which expected end was looked up.
 */
class UnusedOptionsTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void runRefusesDialectAndModelItTakesFromTheStore(@TempDir Path dir) {
        String store = dir.resolve("tasks.db").toString();
        assertThat(run("run", "--dialect", "task", "--store", store, "--api-key", "k")).isEqualTo(64);
        assertThat(err.toString()).startsWith("--dialect: 'task' is not used here: run tracks each task with the"
                + " dialect the task store recorded for it; leave it out");
        assertThat(run("run", "--model", "veo_3_1_fast", "--store", store, "--api-key", "k")).isEqualTo(64);
        assertThat(err.toString()).contains("--model: 'veo_3_1_fast' is not used here: run tracks each task with the"
                + " model and poll policy the task store recorded for it");
        assertThat(dir.resolve("tasks.db")).as("no store opened").doesNotExist();
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void submitRefusesADialectOtherThanItsFamilys(@TempDir Path dir) {
        assertThat(run("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "a fox", "--dialect", "task",
                "--base-url", "http://127.0.0.1:19", "--api-key", "k", "--store", dir.resolve("t.db").toString()))
                .isEqualTo(64);
        assertThat(err.toString()).startsWith("--dialect: 'task' is not used here: submit takes the dialect from the"
                + " family (veo: opc); leave it out");
        assertThat(dir.resolve("t.db")).as("nothing recorded").doesNotExist();
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void submitNamesAnUnknownFamilyBeforeItsDialect() {
        assertThat(run("submit", "bogus", "--model", "m", "--prompt", "a fox", "--dialect", "task", "--api-key", "k",
                "--store", "none")).isEqualTo(64);
        assertThat(err.toString()).startsWith("FAMILY: 'bogus' is not one of").doesNotContain("--dialect");
    }

    /** The family's own dialect given (as the hint to follow a generic task spells it) is no contradiction. */
    @Test
    void submitTakesItsFamilysOwnDialect() {
        // no --model: the next check refuses it, so nothing is sent whatever --dialect did
        assertThat(run("submit", "generic-task", "--prompt", "a fox", "--dialect", "task", "--api-key", "k",
                "--store", "none")).isEqualTo(64);
        assertThat(err.toString()).startsWith("--model: required").doesNotContain("--dialect");
    }

    @Test
    void getRefusesACadenceItHasNoUseFor() {
        assertThat(run("get", "vgen_1", "--cadence", "fixed", "--base-url", "http://127.0.0.1:19", "--api-key", "k"))
                .isEqualTo(64);
        assertThat(err.toString()).startsWith("--cadence: 'fixed' is not used here: get asks once and does not poll;"
                + " leave it out");
        assertThat(out.toString()).isEmpty();
    }
}
