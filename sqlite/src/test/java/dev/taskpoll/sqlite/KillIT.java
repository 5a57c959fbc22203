package dev.taskpoll.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskpoll.StoredFile;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kill test: a child JVM ({@link KillWorker}) submits and tracks 2,000 tasks of six families with the embedded
 * store, against the simulator in its own JVM; it is killed with SIGKILL at three moments drawn at random (while a
 * create is waiting for its late answer, and twice more after a random number of tasks ended) and restarted each
 * time. Then: every task's final status is the simulator's truth, every completed result is stored once with the right
 * SHA-256 and no partial file is left, no create was sent twice, and a create killed while waiting for its answer is
 * in doubt and was never sent again.
 */
class KillIT {

    private static final Path SIMULATOR = Path.of("../testkit/target/taskpoll-simulator.jar");
    private static final int N = 2_000;
    private static final Duration BOUND = Duration.ofMinutes(4);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : started) { // ended before the temporary directory is removed
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private String simulator() throws IOException {
        // x120: 20 s - 2 min of generation take 0.2-1 real s; one create in 300 answered two simulated hours late
        Process p = new ProcessBuilder(ChildJvm.java(), ChildJvm.C1, ChildJvm.SERIAL_GC, "-jar", SIMULATOR.toString(),
                "--port", "0", "--scale", "120",
                "--generation", "PT20S,PT2M", "--failure-rate", "0.05", "--seed", "11",
                "--create-delay", "PT2H,0.003", "--media-bytes", "4096,1024").redirectErrorStream(true).start();
        started.add(p);
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(line).as("the simulator started").isNotNull().contains("listening at");
        Matcher m = Pattern.compile("listening at (\\S+)").matcher(line);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private Process worker(String base, Path store, Path out) throws IOException {
        // sqlite-jdbc's native library goes into the test's directory: a killed JVM leaves its copy behind
        Process p = new ProcessBuilder(ChildJvm.java(), ChildJvm.C1, ChildJvm.SERIAL_GC, "-Dorg.sqlite.tmpdir=" + dir,
                "-cp", System.getProperty("java.class.path"), KillWorker.class.getName(), base, "sim-key", store.toString(), out.toString(), Integer.toString(N))
                .redirectErrorStream(true).start();
        started.add(p);
        return p;
    }

    /** Reads the worker's lines until one matches {@code until}; false when the worker ended first. */
    private static boolean readUntil(Process p, Predicate<String> until) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
            if (until.test(line)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void killedThreeTimesAtRandomNothingIsLostSentTwiceOrStoredTwice() throws Exception {
        String base = simulator();
        Path store = dir.resolve("tasks.db");
        Path out = dir.resolve("out");
        Random random = new Random(Long.getLong("killit.seed", System.nanoTime()));
        long deadline = System.nanoTime() + BOUND.toNanos();
        // 1: killed while a create waits for its late answer (the worker says W after one second without it)
        Process w = worker(base, store, out);
        assertThat(readUntil(w, l -> l.startsWith("W "))).as("a create answered late").isTrue();
        kill(w);
        // 2 and 3: killed after a random number of tasks ended, counted from each start
        for (int k = 0; k < 2; k++) {
            int after = 50 + random.nextInt(400);
            int[] ended = {0};
            w = worker(base, store, out);
            boolean reached = readUntil(w, l -> l.startsWith("E ") && ++ended[0] >= after);
            if (reached) {
                kill(w);
            } else {
                assertThat(w.waitFor(1, TimeUnit.MINUTES)).isTrue(); // it finished everything before the moment
            }
        }
        // the last start runs to the end by itself
        Process last = worker(base, store, out);
        StringBuilder tail = new StringBuilder();
        readUntil(last, l -> {
            tail.append(l).append('\n');
            return false;
        });
        assertThat(last.waitFor(Math.max(1, (deadline - System.nanoTime()) / 1_000_000_000), TimeUnit.SECONDS))
                .as("the last run ended").isTrue();
        assertThat(last.exitValue()).as(tail.substring(Math.max(0, tail.length() - 2000))).isZero();

        HttpClient http = HttpClient.newHttpClient(); // one for every request below (one each cost a pool and a selector)
        JsonNode ledger = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(
                base.replace("/kyyReactApiServer", "") + "/_sim/tasks")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).get("tasks");
        Map<String, JsonNode> byId = new HashMap<>();
        Map<String, Integer> createsPerPrompt = new HashMap<>();
        for (JsonNode t : ledger) {
            byId.put(t.get("id").asText(), t);
            createsPerPrompt.merge(t.get("prompt").asText(), 1, Integer::sum);
        }
        assertThat(createsPerPrompt.values()).as("no create sent twice").allMatch(c -> c == 1);

        try (SqliteStore s = SqliteStore.open(store, SqliteStoreOptions.builder().tracking(false).build())) {
            List<TaskRecord> all = s.tasks(null).collectList().block(Duration.ofMinutes(1));
            assertThat(all).filteredOn(r -> r.phase() == TaskRecord.Phase.OPEN).isEmpty();
            List<TaskRecord> doubt = all.stream().filter(r -> r.phase() == TaskRecord.Phase.IN_DOUBT).toList();
            List<TaskRecord> ended = all.stream().filter(r -> r.phase() == TaskRecord.Phase.ENDED).toList();
            // every index of the plan is accounted for, once: a task, or a submit in doubt
            List<Integer> indexes = all.stream().map(r -> KillWorker.index(r.request())).sorted().toList();
            assertThat(indexes).hasSize(N).doesNotHaveDuplicates().allMatch(i -> i >= 0 && i < N);
            // a create answered late never reached the worker: in doubt, and sent once
            List<String> late = new ArrayList<>();
            ledger.forEach(t -> {
                if (t.get("answeredLate").asBoolean()) {
                    late.add(t.get("prompt").asText());
                }
            });
            assertThat(late).isNotEmpty();
            assertThat(doubt.stream().map(r -> KillWorker.PROMPT + KillWorker.index(r.request())).toList())
                    .containsAll(late);
            for (TaskRecord listed : ended) {
                TaskRecord r = s.task(listed.id()).block(Duration.ofSeconds(30)); // with its history
                JsonNode truth = byId.get(r.id());
                assertThat(truth).as(r.id() + " was created").isNotNull();
                assertThat(r.last().rawStatus()).as(r.id()).isEqualTo(truth.get("outcome").asText());
                assertThat(r.history().stream().filter(st -> st.isTerminal()).count()).as(r.id()).isEqualTo(1);
                if (r.last().rawStatus().equals("completed")) {
                    assertThat(r.error()).as(r.id()).isNull();
                    assertThat(r.files()).as(r.id()).hasSize(r.last().resultUrls().size());
                    for (StoredFile f : r.files()) {
                        byte[] bytes = Files.readAllBytes(Path.of(f.path()));
                        assertThat(sha256(bytes)).as(f.path()).isEqualTo(f.sha256());
                        byte[] served = http.send(HttpRequest.newBuilder(
                                URI.create(r.last().resultUrls().get(f.index()))).build(),
                                HttpResponse.BodyHandlers.ofByteArray()).body();
                        assertThat(bytes).as(f.path() + " is what the simulator serves").isEqualTo(served);
                    }
                }
            }
            assertThat(ended.size() + doubt.size()).isEqualTo(N);
        }
        try (Stream<Path> files = Files.walk(out)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .as("no partial file left").noneMatch(name -> name.contains(".part-"));
        }
    }

    private static void kill(Process p) throws InterruptedException {
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no clean-up
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
