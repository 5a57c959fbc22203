package dev.taskpoll.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.testkit.ChildJvm;
import dev.taskpoll.testkit.RedisServer;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code taskpoll get} and {@code taskpoll watch} as a user runs them: {@code java -jar target/taskpoll.jar}, against
 * the standalone simulator ({@code java -jar testkit/target/taskpoll-simulator.jar}) in its own JVM, at 600x.
 */
class CliIT {

    private static final Path CLI = Path.of("target/taskpoll.jar");
    private static final Path SIMULATOR = Path.of("../testkit/target/taskpoll-simulator.jar");
    private final List<Process> started = new ArrayList<>();
    /** Everything a test writes (its store, the commands' output, downloads): removed after it. */
    @TempDir
    Path tmp;
    private Path store;

    @org.junit.jupiter.api.BeforeEach
    void store() throws IOException {
        store = Files.createDirectories(tmp.resolve("store")).resolve("tasks.db");
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : started) { // ended before the temporary directory is removed
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    record Run(int exit, String out, String err) {
    }

    private String startSimulator(String... flags) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ChildJvm.java(), ChildJvm.C1, ChildJvm.SERIAL_GC, "-jar",
                SIMULATOR.toString(), "--port", "0", "--scale", "600", "--generation", "PT1M,PT2M", "--seed", "5"));
        cmd.addAll(List.of(flags));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        started.add(p);
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine(); // "taskpoll simulator listening at http://127.0.0.1:NNN/kyyReactApiServer (...)"
        assertThat(line).as("the simulator started").isNotNull().contains("listening at");
        Matcher m = Pattern.compile("listening at (\\S+)").matcher(line);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static String submit(String baseUrl) throws Exception {
        HttpResponse<String> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/veo/videos"))
                .header("Authorization", "Bearer sim-key").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"veo_3_1_fast\",\"prompt\":\"a fox\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("\"id\":\"([^\"]+)\"").matcher(res.body());
        assertThat(m.find()).as(res.body()).isTrue();
        return m.group(1);
    }

    private Run cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ChildJvm.java(), ChildJvm.C1, ChildJvm.SERIAL_GC,
                "-Dorg.sqlite.tmpdir=" + tmp, "-jar", CLI.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("OPC_API_KEY");
        pb.environment().remove("OPC_BASE_URL");
        pb.environment().put("TASKPOLL_STORE", store.toString()); // never the user's ~/.taskpoll
        Process p = pb.start();
        started.add(p);
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the command ended").isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /**
     * The jar's {@code META-INF/spring.factories} merges every Spring jar's key by key: appended, the keys repeated and
     * Spring kept the last, which lost the failure analyzers that word a bad property (a review found two left).
     */
    @Test
    void theJarsSpringFactoriesHaveEachKeyOnceWithEveryJarsValues() throws Exception {
        List<String> keys = new java.util.ArrayList<>();
        String analyzers;
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(CLI.toFile())) {
            String text = new String(jar.getInputStream(jar.getEntry("META-INF/spring.factories")).readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8);
            java.util.Properties merged = new java.util.Properties();
            merged.load(new java.io.StringReader(text));
            for (String line : text.split("\n")) {
                if (!line.isBlank() && !line.startsWith("#") && !Character.isWhitespace(line.charAt(0))
                        && line.contains("=")) {
                    keys.add(line.substring(0, line.indexOf('=')).strip());
                }
            }
            analyzers = merged.getProperty("org.springframework.boot.diagnostics.FailureAnalyzer");
        }
        assertThat(keys).doesNotHaveDuplicates();
        assertThat(analyzers).contains("InvalidConfigurationPropertyValueFailureAnalyzer", "BindFailureAnalyzer",
                "PortInUseFailureAnalyzer");
    }

    @Test
    void watchPrintsOneJsonLinePerChangeAndExits0WhenAllCompleted() throws Exception {
        String base = startSimulator();
        String a = submit(base);
        String b = submit(base);
        Run run = cli("watch", a, b, "--base-url", base, "--api-key", "sim-key", "--model", "veo_3_1_fast",
                "--interval", "100ms", "--timeout", "1m");
        assertThat(run.exit()).as(run.err()).isZero();
        String[] lines = run.out().strip().split("\n");
        assertThat(lines).allMatch(l -> l.startsWith("{\"id\":\"") && l.contains("\"observedAt\":"));
        for (String id : List.of(a, b)) {
            assertThat(lines).filteredOn(l -> l.contains("\"id\":\"" + id + "\"") && l.contains("\"state\":\"COMPLETED\""))
                    .singleElement().asString().contains("\"urls\":[\"http://127.0.0.1");
        }
        assertThat(run.out()).doesNotContain("sim-key");

        Run get = cli("get", a, "--base-url", base, "--api-key", "sim-key");
        assertThat(get.exit()).as(get.err()).isZero();
        assertThat(get.out().strip()).startsWith("{\"id\":\"" + a + "\",\"state\":\"COMPLETED\",\"status\":\"completed\"");
    }

    @Test
    void watchExits2WhenATaskFailedAnd1OnATrackingError() throws Exception {
        String base = startSimulator("--failure-rate", "1");
        String failing = submit(base);
        Run failed = cli("watch", failing, "--base-url", base, "--api-key", "sim-key", "--interval", "100ms");
        assertThat(failed.exit()).as(failed.err()).isEqualTo(2);
        assertThat(failed.out()).contains("\"state\":\"FAILED\"").contains("\"error\":\"generation failed");

        Run unknown = cli("watch", "no_such_task", "--base-url", base, "--api-key", "sim-key", "--interval", "100ms");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("HTTP 404 Not Found for task 'no_such_task'");

        Run wrongKey = cli("get", failing, "--base-url", base, "--api-key", "not-the-key");
        assertThat(wrongKey.exit()).isEqualTo(1);
        assertThat(wrongKey.err()).contains("HTTP 401").doesNotContain("not-the-key");
    }

    @Test
    void submitPrintsTheIdThenTracksLikeWatchAndStoresTheResults() throws Exception {
        String base = startSimulator();
        Path dir = Files.createTempDirectory(tmp, "download");
        Run run = cli("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "a red fox", "--param",
                "aspect_ratio=16:9", "--download", dir.toString(), "--interval", "100ms", "--timeout", "1m",
                "--base-url", base, "--api-key", "sim-key");
        assertThat(run.exit()).as(run.err()).isZero();
        String[] lines = run.out().strip().split("\n");
        String id = lines[0];
        assertThat(id).matches("[A-Za-z0-9_-]+");
        assertThat(java.util.Arrays.asList(lines).subList(1, lines.length)).isNotEmpty().allMatch(l -> l.startsWith("{\"id\":\"" + id + "\""));
        assertThat(lines[lines.length - 1]).contains("\"state\":\"COMPLETED\"");
        Path stored = dir.resolve(id).resolve("0.mp4");
        assertThat(stored).isRegularFile();
        assertThat(Files.size(stored)).isPositive();
        assertThat(run.err()).contains("stored " + stored).contains("sha256 ");
        assertThat(run.out() + run.err()).doesNotContain("sim-key");
    }

    @Test
    void badInputIsNamedAndExits64() throws Exception {
        Run noKey = cli("get", "x", "--base-url", "http://127.0.0.1:99/p");
        assertThat(noKey.exit()).isEqualTo(64);
        assertThat(noKey.err()).contains("--api-key: not set; pass --api-key or set OPC_API_KEY");

        Run badInterval = cli("watch", "x", "--api-key", "k", "--interval", "soon");
        assertThat(badInterval.exit()).isEqualTo(64);
        assertThat(badInterval.err()).contains("--interval: 'soon' is not a positive duration");

        Run badModel = cli("watch", "x", "--api-key", "k", "--model", "sora-2");
        assertThat(badModel.exit()).isEqualTo(64);
        assertThat(badModel.err()).contains("--model: 'sora-2' is not a documented GlobalAI OPC model");

        Run badCadence = cli("run", "--api-key", "k", "--cadence", "smart");
        assertThat(badCadence.exit()).isEqualTo(64);
        assertThat(badCadence.err()).contains("--cadence: 'smart' is not one of learned, fixed");

        Run plainHttp = cli("get", "x", "--api-key", "k", "--base-url", "http://api.example.com");
        assertThat(plainHttp.exit()).isEqualTo(64);
        assertThat(plainHttp.err()).contains("plain http");
    }

    private Process background(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ChildJvm.java(), ChildJvm.C1, ChildJvm.SERIAL_GC,
                "-Dorg.sqlite.tmpdir=" + tmp, "-jar", CLI.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("TASKPOLL_STORE", store.toString());
        Process p = pb.start();
        started.add(p);
        return p;
    }

    @Test
    void submitRecordsTheTaskRunTracksEveryOpenTaskToItsEndAndTasksListsThem() throws Exception {
        String base = startSimulator();
        List<String> ids = new ArrayList<>();
        for (String[] s : List.of(new String[] {"veo", "veo_3_1_fast"}, new String[] {"sora", "openAiSora2Plus"},
                new String[] {"nano-banana", "nano-banana-2"})) {
            Run submitted = cli("submit", s[0], "--model", s[1], "--prompt", "a fox", "--interval", "200ms",
                    "--base-url", base, "--api-key", "sim-key");
            assertThat(submitted.exit()).as(submitted.err()).isZero();
            ids.add(submitted.out().strip());
        }
        Run open = cli("tasks", "--json", "--state", "open");
        assertThat(open.exit()).as(open.err()).isZero();
        assertThat(open.out().strip().split("\n")).hasSize(3).allMatch(l -> l.contains("\"state\":\"QUEUED\"")
                && l.contains("\"endedAt\":null") && l.contains("\"submittedAt\":"));

        Path dir = Files.createTempDirectory(tmp, "run");
        Run run = cli("run", "--cadence", "fixed", "--until-idle", "--download", dir.toString(), "--base-url", base, "--api-key", "sim-key");
        assertThat(run.exit()).as(run.err()).isZero();
        for (String id : ids) {
            assertThat(run.out()).contains("{\"id\":\"" + id + "\",\"state\":\"COMPLETED\"");
        }
        assertThat(run.err()).contains("3 completed, 0 failed or cancelled, 0 errors").contains("sha256 ");

        Run ended = cli("tasks", "--json", "--state", "ended");
        assertThat(ended.exit()).as(ended.err()).isZero();
        String[] lines = ended.out().strip().split("\n");
        assertThat(lines).hasSize(3).allMatch(l -> l.contains("\"state\":\"COMPLETED\"")
                && l.matches(".*\"files\":\\[\\{\"path\":\"[^\"]+\",\"size\":[1-9][0-9]*,\"sha256\":\"[0-9a-f]{64}\"\\}\\].*"));
        assertThat(cli("run", "--cadence", "fixed", "--until-idle", "--base-url", base, "--api-key", "sim-key").exit())
                .as("nothing left: idle at once").isZero();
    }

    @Test
    void oneRunTracksAStoreAtATimeAndStopsCleanlyOnSigterm() throws Exception {
        String base = startSimulator("--generation", "PT1H,PT1H");
        Run submitted = cli("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "slow", "--interval", "200ms",
                "--base-url", base, "--api-key", "sim-key");
        assertThat(submitted.exit()).as(submitted.err()).isZero();
        String id = submitted.out().strip();
        Process worker = background("run", "--cadence", "fixed", "--base-url", base, "--api-key", "sim-key");
        assertThat(firstStatus(worker)).as("its first poll's status: it holds the store").contains(id);
        Run second = cli("run", "--cadence", "fixed", "--until-idle", "--base-url", base, "--api-key", "sim-key");
        assertThat(second.exit()).isEqualTo(1);
        assertThat(second.err()).contains("already tracked by another process (pid " + worker.pid() + ")");
        worker.destroy(); // SIGTERM
        assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Run still = cli("tasks", "--json", "--state", "open");
        assertThat(still.out()).as("open, for the next run").contains("\"id\":\"" + id + "\"");
        Process again = background("run", "--cadence", "fixed", "--base-url", base, "--api-key", "sim-key");
        assertThat(firstStatus(again)).as("the lock went with the stopped worker").contains(id);
    }

    /**
     * Two {@code submit --wait} in two terminals: each tracks its own task (they share the store's lock), and a
     * {@code run} beside them is refused, naming one. Before, the second found the file locked, followed its task in
     * the store, where the first (which tracks only its own) never tracked it, and gave up a minute after the deadline
     * with "has not ended in the store".
     */
    @Test
    void twoSubmitWaitsTrackTheirOwnTasksSideBySideAndARunBesideThemIsRefused() throws Exception {
        String base = startSimulator("--generation", "PT50H,PT50H"); // 5 real minutes at x600: the test's length
        Process first = background("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "one", "--wait",
                "--interval", "200ms", "--base-url", base, "--api-key", "sim-key");
        assertThat(firstStatus(first)).as("tracking its task: it holds the store").contains("\"state\":");
        Run second = cli("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "two", "--wait", "--interval",
                "200ms", "--timeout", "4s", "--base-url", base, "--api-key", "sim-key");
        String id = second.out().strip().split("\n")[0];
        assertThat(second.err()).as("tracked here, not followed").doesNotContain("following the task")
                .contains("'" + id + "' not finished within its deadline of 4 s");
        assertThat(second.out()).as("its own polls' statuses").contains("{\"id\":\"" + id + "\",\"state\":\"");
        assertThat(second.exit()).isEqualTo(1);
        Run run = cli("run", "--cadence", "fixed", "--until-idle", "--base-url", base, "--api-key", "sim-key");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("already tracked by another process (pid " + first.pid()
                + ", which tracks only its own tasks)");
    }

    /**
     * {@code submit --download} beside a {@code run} that stores no results follows its task there, and when it
     * completes with no file recorded says so, with its result URLs, and exits 1. It exited 0 with nothing stored
     * anywhere (a review).
     */
    @Test
    void submitDownloadBesideARunThatStoresNothingExits1WithTheUrls() throws Exception {
        String base = startSimulator();
        Run first = cli("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "one", "--interval", "200ms",
                "--base-url", base, "--api-key", "sim-key");
        assertThat(first.exit()).as(first.err()).isZero();
        Process worker = background("run", "--cadence", "fixed", "--base-url", base, "--api-key", "sim-key");
        assertThat(firstStatus(worker)).as("it holds the store").contains(first.out().strip());
        Path dir = Files.createTempDirectory(tmp, "results");
        Run second = cli("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "two", "--interval", "200ms",
                "--wait", "--download", dir.toString(), "--base-url", base, "--api-key", "sim-key");
        String id = second.out().strip().split("\n")[0];
        assertThat(second.err()).contains("following the task in the store")
                .contains("task '" + id + "' completed, but its results were not stored").contains("result URLs: http");
        assertThat(second.out()).contains("{\"id\":\"" + id + "\",\"state\":\"COMPLETED\"");
        assertThat(second.exit()).isEqualTo(1);
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    /**
     * SIGTERM while {@code submit --download} is mid-download (a result host that sent 100 of 100,000 bytes and then
     * nothing): it stops cleanly, says so, and leaves no partial file; the task stays open in the store for
     * {@code run}. It left {@code .0.part-<random>} behind before.
     */
    @Test
    void sigtermDuringADownloadLeavesNoPartialFileAndTheTaskOpen() throws Exception {
        try (ScriptedApi api = ScriptedApi.stalledResult("vgen_slow")) {
            Path results = Files.createTempDirectory(tmp, "results");
            Process submit = background("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "x", "--interval",
                    "1s", "--download", results.toString(), "--base-url", api.baseUrl(), "--api-key", "k");
            List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
            collect(submit, lines, new java.util.concurrent.CountDownLatch(1));
            dev.taskpoll.testkit.Await.until(() -> partials(results) > 0, java.time.Duration.ofSeconds(60),
                    "the download begun (a partial file)");
            // SIGTERM by kill, not Process.destroy(), which also closes the pipes and so loses the last words
            assertThat(new ProcessBuilder("kill", "-TERM", String.valueOf(submit.pid())).start()
                    .waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(submit.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(partials(results)).as("no partial file left").isZero();
            dev.taskpoll.testkit.Await.until(() -> String.join("\n", lines).contains("stopped"),
                    java.time.Duration.ofSeconds(10), "its last words read");
            assertThat(String.join("\n", lines)).contains("taskpoll submit: stopped; task 'vgen_slow' stays open in"
                    + " the task store (taskpoll run tracks it on); a download in progress was removed");
            assertThat(cli("tasks", "--json", "--state", "open").out()).contains("\"id\":\"vgen_slow\"");
        }
    }

    private static long partials(Path dir) {
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            return all.filter(f -> f.getFileName().toString().contains(".part-")).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Cluster mode from the command line: two {@code run --redis} workers share the tasks {@code submit --redis}
     * records; one is killed ({@code kill -9}) and the other finishes its tasks once its lease ({@code --lease}) runs
     * out.
     */
    @Test
    void twoRunWorkersOnRedisShareTheTasksAndASurvivorFinishesAKilledOnesTasks() throws Exception {
        try (RedisServer redis = RedisServer.startOrSkip(Files.createTempDirectory(tmp, "redis"))) {
            String base = startSimulator("--generation", "PT20M,PT30M"); // 2-3 s at 600x
            String[] conn = {"--redis", redis.uri(), "--base-url", base, "--api-key", "sim-key"};
            List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
            // a 5 s lease (renewed every 1.7 s): the killed worker's tasks move on after 5 s rather than the default 15
            Process a = background(concat(new String[] {"run", "--cadence", "fixed", "--lease", "5s"}, conn));
            Process b = background(concat(new String[] {"run", "--cadence", "fixed", "--lease", "5s"}, conn));
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Run submitted = cli(concat(new String[] {"submit", "veo", "--model", "veo_3_1_fast", "--prompt",
                        "fox " + i, "--interval", "200ms"}, conn));
                assertThat(submitted.exit()).as(submitted.err()).isZero();
                ids.add(submitted.out().strip());
            }
            java.util.concurrent.CountDownLatch firstOfA = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch firstOfB = new java.util.concurrent.CountDownLatch(1);
            collect(a, lines, firstOfA);
            collect(b, lines, firstOfB);
            // the first worker to print a status is killed, its tasks still running: which worker's shards hold the
            // six tasks is up to their ids' hash, so either may be the one with none (a CI run had a print nothing)
            Process first = null;
            for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); first == null
                    && System.nanoTime() < until; ) {
                first = firstOfA.await(100, TimeUnit.MILLISECONDS) ? a : firstOfB.getCount() == 0 ? b : null;
            }
            assertThat(first).as("a worker polled:%n%s", lines).isNotNull();
            KILLED.add(first);
            first.destroyForcibly(); // kill -9: its leases run out (5 s) and the other takes its shards over
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!ids.stream().allMatch(id -> completed(lines, id)) && System.nanoTime() < until) {
                synchronized (lines) {
                    lines.wait(1_000);
                }
            }
            for (String id : ids) {
                assertThat(completed(lines, id)).as("%s completed in a worker's output:%n%s", id, lines).isTrue();
            }
            Run ended = cli(concat(new String[] {"tasks", "--json", "--state", "ended"}, "--redis", redis.uri(),
                    "--api-key", "sim-key"));
            assertThat(ended.exit()).as(ended.err()).isZero();
            assertThat(ended.out().strip().split("\n")).hasSize(6)
                    .allMatch(l -> l.contains("\"state\":\"COMPLETED\""));
            Run other = cli("tasks", "--json", "--redis", redis.uri(), "--api-key", "another-key");
            assertThat(other.out()).as("another key's tasks are apart").isEmpty();
            assertThat(String.join("\n", lines)).doesNotContain("Exception");
        }
    }

    private static boolean completed(List<String> lines, String id) {
        synchronized (lines) {
            return lines.stream().anyMatch(l -> l.startsWith("{\"id\":\"" + id + "\",\"state\":\"COMPLETED\""));
        }
    }

    /** Processes this test killed on purpose: their output ends with their streams closed under the reader. */
    private static final java.util.Set<Process> KILLED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Reads a background command's lines into {@code into} (notifying it); {@code first} counts its first status. */
    private static void collect(Process p, List<String> into, java.util.concurrent.CountDownLatch first) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    into.add(line);
                    if (first != null && line.startsWith("{")) {
                        first.countDown();
                    }
                    synchronized (into) {
                        into.notifyAll();
                    }
                }
            } catch (IOException e) {
                // destroyForcibly() closes the process's streams: a read under way then fails with "Stream closed"
                into.add(KILLED.contains(p) ? "(output closed: the process was killed)" : "(output lost: " + e + ")");
            }
        }, "cli-output-" + p.pid());
        t.setDaemon(true);
        t.start();
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void clusterModeNamesABadRedisUriOrAMissingKeyAndNeverPrintsThePassword() throws Exception {
        Run noKey = cli("run", "--redis", "redis://127.0.0.1:1");
        assertThat(noKey.exit()).isEqualTo(64);
        assertThat(noKey.err()).contains("--api-key: not set");
        Run badUri = cli("tasks", "--redis", "http://127.0.0.1:1", "--api-key", "sim-key");
        assertThat(badUri.exit()).isEqualTo(64);
        assertThat(badUri.err()).contains("--redis: must start with redis:// or rediss:// (got 'http://')");
        Run unreachable = cli("tasks", "--redis", "redis://:s3cret-pw@127.0.0.1:1", "--api-key", "sim-key");
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err()).contains("127.0.0.1:1").contains("unreachable")
                .doesNotContain("s3cret-pw").doesNotContain("sim-key");
    }

    /** The first JSON line a background command prints (its status lines; other lines are diagnostics). */
    private static String firstStatus(Process p) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
            if (line.startsWith("{")) {
                return line;
            }
        }
        return "(ended without a status line)";
    }
}
