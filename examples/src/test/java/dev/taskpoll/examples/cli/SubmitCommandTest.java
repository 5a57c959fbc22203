package dev.taskpoll.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code taskpoll submit} in process, against an in-process simulator whose ledger shows what was sent. */
class SubmitCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private Simulator sim;

    @BeforeEach
    void start() {
        sim = Simulator.builder().time(SimTime.accelerated(600)).seed(1)
                .generationTime(Duration.ofSeconds(30), Duration.ofSeconds(60)).build().start();
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @TempDir
    Path dir;

    private int run(String... args) {
        String[] all = new String[args.length + 6];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(new String[] {"--base-url", sim.baseUrl(), "--api-key", sim.apiKey(), "--store",
                dir.resolve("tasks.db").toString()}, 0, all, args.length, 6);
        return TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
    }

    @Test
    void submitPrintsTheTaskIdAtOnce() {
        int code = run("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "a fox", "--param", "aspect_ratio=16:9");
        assertThat(code).as(err.toString()).isZero();
        String id = out.toString().strip();
        assertThat(id).doesNotContain("\n").doesNotContain("{");
        assertThat(sim.truth(id)).as("the simulator has the task").isPresent();
        assertThat(sim.truth(id).orElseThrow().model()).isEqualTo("veo_3_1_fast");
    }

    /** VEO documents no duration (always 8 s): a duration is bad input named with the rule, and nothing is sent. */
    @Test
    void aVeoDurationIsRefusedAndNothingIsSent() {
        int code = run("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "a fox", "--param", "duration=99");
        assertThat(code).as(err.toString()).isEqualTo(64);
        assertThat(err.toString()).contains("duration: must not be sent: VEO has no duration field; its output is"
                + " always 8 s");
        assertThat(out.toString()).isEmpty();
        assertThat(sim.createCalls()).as("nothing sent").isZero();
    }

    /** A parameter the documentation does not list is sent as it is, and stderr says so, naming it. */
    @Test
    void anUndocumentedParamIsSentWithANoteNamingIt() {
        int code = run("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "a fox", "--param", "seed=5",
                "--param", "aspect_ratio=9:16");
        assertThat(code).as(err.toString()).isZero();
        assertThat(err.toString()).contains("taskpoll submit: --param seed: not a documented parameter of veo"
                + " veo_3_1_fast; sent as it is").doesNotContain("--param aspect_ratio");
        assertThat(sim.createCalls()).isEqualTo(1);
    }

    @Test
    void theTaskFamilyTakesItsPromptAndParamsAsInput() {
        int code = run("submit", "generic-task", "--model", "kling-v2", "--prompt", "a fox", "--param", "duration=5",
                "--wait", "--interval", "1s");
        assertThat(code).as(err.toString()).isIn(0, 2);
        String[] lines = out.toString().strip().split("\n");
        assertThat(sim.truth(lines[0])).isPresent();
        assertThat(lines[lines.length - 1]).contains("\"id\":\"" + lines[0] + "\"")
                .containsPattern("\"state\":\"(COMPLETED|FAILED)\"");
    }

    /**
     * A generic-dialect task submitted and recorded: submit says how to follow it, and get and watch read its dialect
     * (and model) from the store; without the store they asked GET /v1/result/{id} of it (a 404).
     */
    @Test
    void getAndWatchTakeTheDialectTheStoreRecordedAndSubmitSaysHowToFollowIt() {
        assertThat(run("submit", "generic-task", "--model", "kling-v2", "--prompt", "a fox")).isZero();
        String id = out.toString().strip();
        assertThat(err.toString()).contains("taskpoll submit: recorded; taskpoll run tracks it; to follow it: taskpoll"
                + " watch " + id + " --dialect task");
        out.getBuffer().setLength(0);
        assertThat(run("get", id)).as(err.toString()).isZero();
        assertThat(out.toString()).contains("\"id\":\"" + id + "\"");
        out.getBuffer().setLength(0);
        assertThat(run("watch", id, "--interval", "1s")).as(err.toString()).isIn(0, 2);
        assertThat(out.toString()).containsPattern("\"state\":\"(COMPLETED|FAILED)\"");
        // told otherwise, it asks the other dialect: the simulator knows no such OPC task
        assertThat(run("get", id, "--dialect", "opc")).isEqualTo(1);
        assertThat(err.toString()).contains("HTTP 404");
    }

    /**
     * A worker (as {@code taskpoll run}) tracks the store: {@code submit --wait} records the task there and follows
     * what the worker records, naming the holder, instead of polling the task a second time.
     */
    @Test
    void aSubmitThatWaitsFollowsTheTaskInAStoreAnotherTrackerHolds() {
        Path file = dir.resolve("tasks.db");
        dev.taskpoll.TrackerOptions tracking = dev.taskpoll.TrackerOptions.builder().fixedGrid()
                .fleet(dev.taskpoll.FleetOptions.disabled()).store(dev.taskpoll.sqlite.SqliteStore.open(file)).build();
        try (dev.taskpoll.TaskpollClient worker = dev.taskpoll.TaskpollClient.create(dev.taskpoll.ClientOptions
                .builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey()).trackerOptions(tracking).build())) {
            int code = run("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "a fox", "--wait", "--interval",
                    "200ms", "--timeout", "1m"); // following is bounded by the deadline and a minute
            assertThat(code).as(err.toString()).isZero();
            assertThat(err.toString()).contains("taskpoll submit: task store " + file + " is already tracked by another"
                    + " process (pid " + ProcessHandle.current().pid() + "); following the task in the store");
            String id = out.toString().lines().findFirst().orElseThrow();
            assertThat(out.toString()).contains("\"state\":\"COMPLETED\"");
            assertThat(worker.task(id).block(Duration.ofSeconds(10)).phase()).as("the worker tracked it to its end")
                    .isEqualTo(dev.taskpoll.TaskRecord.Phase.ENDED);
        }
    }

    @Test
    void aParamGivenAsNullIsSentAsJsonNull() {
        int code = run("submit", "generic-task", "--model", "kling-v2", "--prompt", "a fox", "--param",
                "negative_prompt=null", "--param", "seed=5");
        assertThat(code).as(err.toString()).isZero();
        try (dev.taskpoll.sqlite.SqliteStore s = dev.taskpoll.sqlite.SqliteStore.open(dir.resolve("tasks.db"),
                dev.taskpoll.sqlite.SqliteStoreOptions.builder().tracking(false).build())) {
            String sent = s.tasks(null).blockFirst(Duration.ofSeconds(10)).request();
            assertThat(sent).contains("\"negative_prompt\":null").contains("\"seed\":5")
                    .doesNotContain("\"null\"");
        }
    }

    @Test
    void aHugeDurationIsBadInputNamedWithItsLimitAndBadInputPointsToHelpNotTheUsage() {
        assertThat(run("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "x", "--wait", "--timeout",
                "99999999999999999999s")).isEqualTo(64);
        assertThat(err.toString()).contains("--timeout: '99999999999999999999s' is longer than 366 days")
                .contains("try: taskpoll submit --help").doesNotContain("Usage:").doesNotContain("Exception");
        assertThat(run("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "x", "--wait", "--interval",
                "P400D")).isEqualTo(64);
        assertThat(err.toString()).contains("--interval: 'P400D' is longer than 366 days");
        assertThat(sim.truths()).as("nothing sent").isEmpty();
    }

    /**
     * A generic-task submit without --base-url (GlobalAI OPC's default host; the generic API is ElkAPI's): bad input
     * naming the flag, no store file, nothing sent. It was exit 1 with the library's message, naming baseUrl.
     */
    @Test
    void aGenericTaskWithoutItsOwnBaseUrlIsBadInputNamingTheFlag() {
        java.nio.file.Path file = dir.resolve("generic.db");
        assertThat(TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), "submit", "generic-task",
                "--model", "flux-pro", "--prompt", "a cat", "--api-key", "k", "--store", file.toString()))
                .isEqualTo(64);
        assertThat(err.toString()).contains("--base-url: 'https://zcbservice.aizfw.cn/kyyReactApiServer' (the default)"
                + " is GlobalAI OPC's, and generic-task is ElkAPI's API").contains("try: taskpoll submit --help");
        assertThat(file).doesNotExist();
    }

    @Test
    void aRefusedSubmitShowsWhatTheProviderSaidWithoutControlCharacters() {
        String[] body = {"{\"code\":400,\"msg\":\"moderation: the prompt was refused\\u001b[31m\"}"};
        int[] status = {400};
        reactor.netty.DisposableServer refusing = reactor.netty.http.server.HttpServer.create().host("127.0.0.1")
                .port(0).handle((req, res) -> req.receive().then(res.status(status[0])
                        .header("Content-Type", "application/json").sendString(reactor.core.publisher.Mono.just(
                                body[0])).then())).bindNow();
        try {
            String base = "http://127.0.0.1:" + refusing.port() + "/kyyReactApiServer";
            String[] args = {"submit", "veo", "--model", "veo_3_1_fast", "--prompt", "x", "--base-url", base,
                "--api-key", "k", "--store", "none"};
            assertThat(TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args)).isEqualTo(1);
            assertThat(err.toString()).contains("submit rejected: HTTP 400")
                    .contains("(the provider said: moderation: the prompt was refused [31m)")
                    .doesNotContain("\u001b");
            body[0] = "{\"error\":{\"code\":\"plan_expired\",\"message\":\"your plan expired\"}}";
            status[0] = 403;
            assertThat(TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args)).isEqualTo(1);
            assertThat(err.toString()).contains("HTTP 403").contains("(the provider said: your plan expired)");
        } finally {
            refusing.disposeNow();
        }
    }

    /**
     * A result host that sends headers and a little data, then nothing: with {@code --timeout 1s} the download is
     * stalled after 1 s without data, tried again (5 attempts in all), and reported with the host and the result URLs, then the
     * completed status; exit 1. It was an uncaught IllegalStateException ("still tracking after PT1M5S") after 67 s.
     */
    @Test
    void aStalledDownloadSaysFromWhichHostItStalledAndPrintsTheUrlsAndTheCompletedStatus() {
        try (ScriptedApi api = ScriptedApi.stalledResult("vgen_stall")) {
            String[] args = {"submit", "veo", "--model", "veo_3_1_fast", "--prompt", "x", "--base-url", api.baseUrl(),
                "--api-key", "k", "--store", "none", "--download", dir.resolve("out").toString(), "--interval",
                "500ms", "--timeout", "1s"};
            assertThat(TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args)).isEqualTo(1);
            assertThat(err.toString()).contains("capture of task 'vgen_stall' from 127.0.0.1 failed: the download"
                    + " stalled: no data for 1 s; tried 5 times; result URLs: " + api.mediaUrl())
                    .doesNotContain("Exception");
            assertThat(out.toString()).contains("\"id\":\"vgen_stall\",\"state\":\"COMPLETED\"");
        }
    }

    /**
     * A completed task whose result cannot be stored (its URL field of the wrong type) is a failure of the capture:
     * said on stderr, the completed status still printed, exit 1 (it once ended with exit 0 and nothing said).
     */
    @Test
    void aCompletedTaskWithNothingStorableIsAFailedCaptureAndExits1() {
        try (ScriptedApi api = ScriptedApi.completedWith("vgen_odd", "12345")) {
            String[] args = {"submit", "veo", "--model", "veo_3_1_fast", "--prompt", "x", "--base-url", api.baseUrl(),
                "--api-key", "k", "--store", "none", "--download", dir.resolve("out").toString(), "--interval",
                "500ms"};
            assertThat(TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args)).isEqualTo(1);
            assertThat(err.toString()).contains("capture of task 'vgen_odd' from (no URL) failed: completed without a"
                    + " result URL to store (status 'completed')");
            assertThat(out.toString()).contains("\"id\":\"vgen_odd\",\"state\":\"COMPLETED\"");
        }
    }

    /** Over https: the simulator's own authority trusted with --ca-cert; without it, refused at once, nothing sent. */
    @Test
    void anHttpsApiIsTrustedWithCaCertAndRefusedWithoutIt() throws Exception {
        try (Simulator https = Simulator.builder().time(SimTime.accelerated(600)).https(true).failureRate(0)
                .generationTime(Duration.ofSeconds(10), Duration.ofSeconds(20)).build().start()) {
            Path pem = java.nio.file.Files.writeString(dir.resolve("ca.pem"), https.certificateAuthorityPem());
            String[] args = {"submit", "nano-banana", "--model", "nano-banana", "--prompt", "a fox", "--base-url",
                https.baseUrl(), "--api-key", https.apiKey(), "--store", "none", "--download",
                dir.resolve("out").toString(), "--interval", "200ms", "--ca-cert", pem.toString()};
            assertThat(TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args)).as(err.toString())
                    .isZero();
            assertThat(out.toString()).contains("\"state\":\"COMPLETED\"").contains("https://127.0.0.1:");
            assertThat(err.toString()).containsPattern("stored .*0\\.png \\(\\d+ bytes, sha256 [0-9a-f]{64}\\)");
            int created = https.truths().size();

            String[] untrusted = java.util.Arrays.copyOf(args, args.length - 2);
            assertThat(TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), untrusted)).isEqualTo(1);
            assertThat(err.toString()).contains("the server's certificate is not trusted")
                    .contains("no task was created").contains("--ca-cert FILE");
            assertThat(https.truths()).as("nothing sent").hasSize(created);

            args[args.length - 1] = dir.resolve("missing.pem").toString();
            assertThat(TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args)).isEqualTo(64);
            assertThat(err.toString()).contains("--ca-cert: '" + dir.resolve("missing.pem") + "' cannot be read");
        }
    }

    @Test
    void aBadBaseUrlIsNamedByItsFlagNotTheLibrarysOption() {
        String[] args = {"get", "abc", "--base-url", "ftp://x", "--api-key", "k"};
        assertThat(TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args)).isEqualTo(64);
        assertThat(err.toString()).contains("--base-url: 'ftp://x' must start with https:// or http://")
                .doesNotContain("baseUrl");
        args[3] = "http://example.com";
        assertThat(TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args)).isEqualTo(64);
        assertThat(err.toString()).contains("--base-url: 'http://example.com' is plain http to a non-loopback host")
                .contains("; use https (plain http is for loopback hosts only)").doesNotContain("allowPlainHttp");
    }

    @Test
    void badInputIsNamedExits64AndNothingIsSubmitted() {
        assertThat(run("submit", "veo", "--model", "sora-2", "--prompt", "x")).isEqualTo(64);
        assertThat(err.toString()).contains("model").contains("sora-2");
        assertThat(run("submit", "veo", "--prompt", "x")).isEqualTo(64);
        assertThat(err.toString()).contains("--model: required; veo models: veo_3_1_fast");
        assertThat(run("submit", "midjourney", "--model", "x", "--prompt", "x")).isEqualTo(64);
        assertThat(err.toString()).contains("FAMILY: 'midjourney' is not one of sora, veo");
        assertThat(run("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "x", "--param", "novalue")).isEqualTo(64);
        assertThat(err.toString()).contains("--param: 'novalue' is not KEY=VALUE");
        assertThat(run("submit", "videos", "--model", "videos", "--prompt", "x", "--param", "duration=20")).isEqualTo(64);
        assertThat(err.toString()).contains("VIDEOS request: duration: 20").contains("4 to 15");
        assertThat(run("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "x", "--wait", "--interval", "soon"))
                .isEqualTo(64);
        assertThat(err.toString()).contains("--interval: 'soon' is not a positive duration");
        assertThat(sim.truths()).as("nothing was submitted").isEmpty();
        assertThat(err.toString()).doesNotContain(sim.apiKey());
    }
    /** Runs the command line with these arguments only (no --store, --base-url or --api-key added). */
    private int runAsIs(String... args) {
        return TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    /** An --interval under 1 ms: one line naming the flag, the value and the rule (it was a stack trace), exit 64. */
    @Test
    void anIntervalUnderAMillisecondIsBadInputNamedWithItsRule() {
        assertThat(run("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "x", "--wait", "--interval",
                "PT0.0001S")).isEqualTo(64);
        assertThat(err.toString()).contains("--interval: 'PT0.0001S' must be at least 1 ms")
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(sim.createCalls()).as("nothing sent").isZero();
        err.getBuffer().setLength(0);
        assertThat(runAsIs("watch", "abc", "--interval", "PT0.0001S", "--store", "none", "--base-url",
                sim.baseUrl(), "--api-key", sim.apiKey())).isEqualTo(64);
        assertThat(err.toString()).contains("--interval: 'PT0.0001S' must be at least 1 ms");
        assertThat(sim.statusQueries()).isZero();
    }

    /** A --download that is a file: refused before anything is sent (the task was created, then its results failed). */
    @Test
    void aDownloadPathThatIsAFileIsBadInputAndNothingIsSent() throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("f"), "x");
        assertThat(run("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "x", "--download", file.toString()))
                .isEqualTo(64);
        assertThat(err.toString()).contains("--download: '" + file + "' is not a directory");
        assertThat(sim.createCalls()).as("nothing sent").isZero();
        err.getBuffer().setLength(0);
        assertThat(runAsIs("run", "--store", dir.resolve("r.db").toString(), "--download", file.toString(),
                "--until-idle", "--base-url", sim.baseUrl(), "--api-key", sim.apiKey())).isEqualTo(64);
        assertThat(err.toString()).contains("--download: '" + file + "' is not a directory");
        assertThat(dir.resolve("r.db")).doesNotExist();
    }

    /**
     * A --download under a file (it can never be made): refused before anything is sent; it was found out only when the
     * paid task had completed and its results could not be stored (a review). Nothing is created by the check.
     */
    @Test
    void aDownloadPathThatCannotBeMadeIsBadInputAndNothingIsSent() throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("f"), "x");
        Path under = file.resolve("out").resolve("more");
        assertThat(run("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "x", "--download", under.toString()))
                .isEqualTo(64);
        assertThat(err.toString()).contains("--download: '" + under + "' cannot be made: '" + file
                + "' is not a directory");
        assertThat(sim.createCalls()).as("nothing sent").isZero();
        Path fresh = dir.resolve("new").resolve("deeper");
        StoreOption.downloadDirectory(new picocli.CommandLine(new SubmitCommand()), fresh); // can be made: no error
        assertThat(dir.resolve("new")).as("nothing created by the check").doesNotExist();
    }

    /** Bad input found when the client is made (no key here) leaves no store file behind. */
    @Test
    void badInputLeavesNoStoreFileBehind() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("OPC_API_KEY") == null,
                "OPC_API_KEY is set in this environment: the key is not missing");
        Path file = dir.resolve("new.db");
        assertThat(runAsIs("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "x", "--wait", "--base-url",
                sim.baseUrl(), "--store", file.toString())).isEqualTo(64);
        assertThat(err.toString()).contains("--api-key: not set");
        assertThat(runAsIs("run", "--store", file.toString(), "--until-idle", "--base-url", sim.baseUrl()))
                .isEqualTo(64);
        assertThat(file).doesNotExist();
        assertThat(dir.resolve("new.db.lock")).doesNotExist();
        assertThat(sim.createCalls()).isZero();
    }

    /** A --store that is a directory: bad input naming the flag (it was the driver's "cannot be opened"), exit 64. */
    @Test
    void aStoreThatIsADirectoryIsBadInputNamingTheFlag() {
        assertThat(runAsIs("submit", "veo", "--model", "veo_3_1_fast", "--prompt", "x", "--base-url", sim.baseUrl(),
                "--api-key", sim.apiKey(), "--store", dir.toString())).isEqualTo(64);
        assertThat(err.toString()).contains("--store: '" + dir + "' is a directory").doesNotContain("SQLITE");
        assertThat(sim.createCalls()).isZero();
        err.getBuffer().setLength(0);
        assertThat(runAsIs("tasks", "--store", dir.toString())).isEqualTo(64);
        assertThat(err.toString()).contains("--store: '" + dir + "' is a directory");
    }

    /** get with a --redis that is not a Redis URI: bad input naming the flag (it was passed over, and the GET sent). */
    @Test
    void getWithABadRedisUriIsBadInputAndNothingIsSent() {
        assertThat(runAsIs("get", "abc", "--base-url", sim.baseUrl(), "--api-key", sim.apiKey(), "--redis",
                "http://x")).isEqualTo(64);
        assertThat(err.toString()).contains("--redis");
        err.getBuffer().setLength(0);
        assertThat(runAsIs("watch", "abc", "--base-url", sim.baseUrl(), "--api-key", sim.apiKey(), "--redis",
                "http://x")).isEqualTo(64);
        assertThat(err.toString()).contains("--redis");
        assertThat(sim.statusQueries()).as("nothing sent").isZero();
    }
}
