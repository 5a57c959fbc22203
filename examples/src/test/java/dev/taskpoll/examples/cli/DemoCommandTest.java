package dev.taskpoll.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private int run(String... args) {
        return TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    /** The sum of one column of the summary table over every family. */
    private static int columnTotal(String text, int column) {
        int total = 0;
        for (dev.taskpoll.catalog.Family f : dev.taskpoll.catalog.Family.values()) {
            Matcher m = Pattern.compile("(?m)^" + f.name() + " +(.*)$").matcher(text);
            assertThat(m.find()).as(f.name()).isTrue();
            total += Integer.parseInt(m.group(1).trim().split(" +")[column - 1]);
        }
        return total;
    }

    /** Every line of SHA256SUMS names a stored file whose bytes have that SHA-256; returns how many. */
    private int verifiedChecksums(Path out) throws Exception {
        List<String> lines = Files.readAllLines(out.resolve("SHA256SUMS"));
        for (String line : lines) {
            String[] parts = line.split("  ", 2);
            byte[] bytes = Files.readAllBytes(out.resolve(parts[1]));
            assertThat(bytes).as(parts[1]).isNotEmpty();
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
                    .as(parts[1]).isEqualTo(parts[0]);
        }
        return lines.size();
    }

    private static long taskDirectories(Path out) throws IOException {
        try (var s = Files.list(out)) {
            return s.filter(Files::isDirectory).count();
        }
    }

    @Test
    void theDemoAccountsForEveryTaskMatchesTheTruthAndStoresEveryResult() throws Exception {
        // 300x: the demo's 45 simulated minutes bound is 9 real seconds, ample for tasks of at most 8 minutes
        Path results = dir.resolve("out");
        int code = run("demo", "--tasks", "120", "--scale", "300", "--seed", "7", "--out", results.toString(),
                "--progress", "lines");
        String text = out.toString();
        assertThat(code).as(text + err).isZero();
        assertThat(text).contains("120 of 120 tasks accounted for; 0 final statuses differ from the simulator's truth.");
        for (dev.taskpoll.catalog.Family f : dev.taskpoll.catalog.Family.values()) {
            assertThat(text).containsPattern("(?m)^" + f.name() + " +10 ");
        }
        int completed = columnTotal(text, 2);
        assertThat(completed).as("the simulator fails 5%% by default").isBetween(90, 119);
        assertThat(text).contains(completed + " result files").contains("0 captures failed");
        assertThat(verifiedChecksums(results)).isEqualTo(completed);
        assertThat(taskDirectories(results)).isEqualTo(completed);
        assertThat(text).containsPattern("t\\+ *\\d+s \\(simulated\\): \\d+/120 finished");
    }

    @Test
    void withFaultsEveryTaskIsStillAccountedForAndEveryResultStored() throws Exception {
        Path results = dir.resolve("faulty");
        int code = run("demo", "--tasks", "120", "--scale", "300", "--seed", "11", "--faults", "--out",
                results.toString(), "--progress", "lines");
        String text = out.toString();
        assertThat(code).as(text + err).isZero();
        assertThat(text).contains("faults on")
                .contains("120 of 120 tasks accounted for; 0 final statuses differ from the simulator's truth.")
                .contains("0 captures failed");
        assertThat(columnTotal(text, 6)).as("429s answered: the faults were on").isPositive();
        assertThat(verifiedChecksums(results)).isEqualTo(columnTotal(text, 2));
    }

    @Test
    void onATerminalTheProgressIsABarRedrawnInPlace() {
        int code = run("demo", "--tasks", "12", "--scale", "300", "--seed", "3", "--out", dir.toString(),
                "--progress", "bar");
        assertThat(code).as(out.toString() + err).isZero();
        assertThat(out.toString()).contains("\r[").containsPattern("\\r\\[#{30}\\] 12/12 ");
    }

    @Test
    void badFlagsFailWithAClearMessageAndNothingRuns() {
        assertThat(run("demo", "--tasks", "0")).isEqualTo(64);
        assertThat(err.toString()).contains("--tasks: 0 must be between 1 and 100000");
        assertThat(run("demo", "--progress", "fancy")).isEqualTo(64);
        assertThat(err.toString()).contains("--progress: 'fancy' is not one of bar, lines, auto");
        assertThat(out.toString()).doesNotContain("simulator at");
    }

    @Test
    void aMissingSubCommandSaysWhatToDo() {
        assertThat(run()).isNotZero();
        assertThat(err.toString()).contains("taskpoll demo");
    }
}
