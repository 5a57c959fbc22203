package dev.taskpoll.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.TaskEvent;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.testkit.Faults;
import dev.taskpoll.testkit.MediaRequest;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;

/** Result capture against the simulator's media server: what is stored, what is refused, what is cleaned up. */
class ResultCaptureTest {

    private static final int VIDEO_BYTES = 300_000;
    private static final int IMAGE_BYTES = 50_000;

    @TempDir
    Path dir;

    private Simulator sim;
    private TaskpollClient client;
    private ResultCapture capture;

    private void start(Faults faults, Duration urlLifetime) {
        SimTime time = SimTime.accelerated(200);
        sim = Simulator.builder().time(time).seed(9).faults(faults).urlLifetime(urlLifetime)
                .mediaSize(VIDEO_BYTES, IMAGE_BYTES)
                .generationTime(Duration.ofSeconds(20), Duration.ofSeconds(40)).build().start();
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).build()).build());
    }

    private ResultCapture capture(CaptureOptions.Builder b) {
        capture = ResultCapture.create(client, b.allowPlainHttpOnLoopback(true).build());
        return capture;
    }

    @AfterEach
    void stop() {
        if (capture != null) {
            capture.close();
        }
        if (client != null) {
            client.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    private TaskStatus completed(Family f) {
        String id;
        do {
            id = sim.createTask(f.createPath(), f.models().get(0));
        } while (sim.truth(id).orElseThrow().outcome() != dev.taskpoll.testkit.SimOutcome.COMPLETED);
        TaskStatus last = client.track(TaskRef.of(id, f)).blockLast(Duration.ofSeconds(30));
        assertThat(last.state()).isEqualTo(TaskState.COMPLETED);
        return last;
    }

    private static byte[] served(String url) {
        // a ranged request for all of it: never cut by the mediaTruncated fault, which applies to full GETs
        return HttpClient.create().headers(h -> h.set("Range", "bytes=0-")).get().uri(url)
                .responseSingle((r, b) -> b.asByteArray()).block(Duration.ofSeconds(10));
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private List<Path> filesUnder(Path p) throws IOException {
        if (!Files.exists(p)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void storesEachResultByteIdenticalWithItsChecksumAndNoKeyGoesToTheResultHost() throws Exception {
        start(Faults.none(), Duration.ofHours(24));
        ResultCapture c = capture(CaptureOptions.builder(dir));
        for (Family f : List.of(Family.VEO, Family.NANO_BANANA, Family.GENERIC_TASK)) {
            TaskStatus done = completed(f);
            List<CaptureEvent> events = c.capture(done).collectList().block(Duration.ofSeconds(30));
            assertThat(events).hasSize(done.resultUrls().size());
            CaptureEvent.Stored s = (CaptureEvent.Stored) events.get(0);
            byte[] expected = served(done.resultUrls().get(0));
            assertThat(Files.readAllBytes(s.path())).as(f + ": byte-identical").isEqualTo(expected);
            assertThat(s.sha256()).isEqualTo(sha256(expected));
            assertThat(s.size()).isEqualTo(expected.length);
            String ext = f == Family.NANO_BANANA ? "png" : "mp4";
            assertThat(s.path()).isEqualTo(dir.resolve(done.taskId()).resolve("0." + ext));
            assertThat(s.host()).isEqualTo("127.0.0.1");
        }
        assertThat(filesUnder(dir)).as("no temporary file left").allSatisfy(p ->
                assertThat(p.getFileName().toString()).doesNotContain(".part"));
        assertThat(sim.mediaRequests()).isNotEmpty().noneMatch(MediaRequest::authorizationSent);
    }

    /**
     * Partial files of the same result in its directory. Kept: a live writer's on this host (this process; a running
     * child process), however idle, and one from elsewhere (another host or container) written just now. Removed: a
     * writer's on this host that has exited, one whose pid is now another process (its start differs), and one from
     * elsewhere idle longer than a download's whole retry cycle (5 attempts of 10 + 60 + 10 s). Before, every other
     * partial file was removed, and a live writer's move then failed with NoSuchFileException.
     */
    @Test
    void partialFilesOfALiveWriterStayAndThoseOfAGoneOrLongIdleOneAreRemoved() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(Download.Writer.HOST.isEmpty(), "no /proc on this OS");
        start(Faults.none(), Duration.ofHours(24));
        ResultCapture c = capture(CaptureOptions.builder(dir));
        TaskStatus done = completed(Family.VEO);
        Path taskDir = dir.resolve(ResultCapture.directoryName(done.taskId()));
        Files.createDirectories(taskDir);
        Process running = new ProcessBuilder("sleep", "60").start();
        Process exited = new ProcessBuilder("sleep", "60").start();
        try {
            long exitedStart = Download.Writer.startTicks(exited.pid());
            assertThat(exitedStart).isPositive();
            exited.destroyForcibly().waitFor();
            String host = Download.Writer.HOST;
            long me = ProcessHandle.current().pid();
            Path live = taskDir.resolve(".0.part-" + Download.Writer.ID + "-1");
            Path liveChild = taskDir.resolve(".0.part-" + host + "." + running.pid() + "."
                    + Download.Writer.startTicks(running.pid()) + "-2");
            Path gone = taskDir.resolve(".0.part-" + host + "." + exited.pid() + "." + exitedStart + "-3");
            Path reused = taskDir.resolve(".0.part-" + host + "." + me + "." + (Download.Writer.startTicks(me) + 1)
                    + "-4");
            Path elsewhereFresh = taskDir.resolve(".0.part-ffff.1.1-5");
            Path elsewhereIdle = taskDir.resolve(".0.part-ffff.2.2-6");
            List<Path> all = List.of(live, liveChild, gone, reused, elsewhereFresh, elsewhereIdle);
            for (Path p : all) {
                Files.write(p, new byte[] {1});
            }
            long written = Files.getLastModifiedTime(elsewhereFresh).toMillis();
            java.nio.file.attribute.FileTime anHourAgo = java.nio.file.attribute.FileTime.fromMillis(
                    written - Duration.ofHours(1).toMillis());
            for (Path p : List.of(live, liveChild, elsewhereIdle)) { // idle: only a writer from elsewhere is judged so
                Files.setLastModifiedTime(p, anHourAgo);
            }
            List<CaptureEvent> events = c.capture(done).collectList().block(Duration.ofSeconds(30));
            assertThat(events).isNotEmpty().allMatch(e -> e instanceof CaptureEvent.Stored);
            assertThat(live).as("this process's, idle an hour").exists();
            assertThat(liveChild).as("a running process's, idle an hour").exists();
            assertThat(elsewhereFresh).as("from elsewhere, written just now").exists();
            assertThat(gone).as("an exited process's").doesNotExist();
            assertThat(reused).as("its pid now another process's").doesNotExist();
            assertThat(elsewhereIdle).as("from elsewhere, idle an hour").doesNotExist();
        } finally {
            running.destroyForcibly();
        }
    }

    @Test
    void aTruncatedBodyIsResumedWithARangeRequest() throws Exception {
        start(Faults.parse("mediaTruncated=1"), Duration.ofHours(24));
        TaskStatus done = completed(Family.SORA);
        CaptureEvent.Stored s = (CaptureEvent.Stored) capture(CaptureOptions.builder(dir)).capture(done)
                .blockLast(Duration.ofSeconds(30));
        // every full GET is cut half-way; the rest came with Range, from the bytes that had arrived
        List<MediaRequest> requests = sim.mediaRequests();
        assertThat(requests).hasSize(2);
        assertThat(requests.get(0).range()).isEmpty();
        assertThat(requests.get(1).range()).matches("bytes=[1-9][0-9]*-");
        long resumedAt = Long.parseLong(requests.get(1).range().replaceAll("[^0-9]", ""));
        assertThat(resumedAt).isBetween(1L, VIDEO_BYTES / 2L);
        byte[] all = Files.readAllBytes(s.path());
        assertThat(all).isEqualTo(served(done.resultUrls().get(0)));
        assertThat(all).hasSize(VIDEO_BYTES);
        assertThat(s.sha256()).isEqualTo(sha256(all));
        assertThat(sim.mediaRequests().get(1).status()).isEqualTo(206);
    }

    @Test
    void anExpiredUrlFailsClearlyAndLeavesNothing() throws Exception {
        start(Faults.none(), Duration.ofSeconds(1)); // one simulated second: 5 ms of real time at 200x
        TaskStatus done = completed(Family.VEO);
        Thread.onSpinWait();
        assertThatThrownBy(() -> capture(CaptureOptions.builder(dir)).capture(done).blockLast(Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(CaptureException.class, e -> {
                    assertThat(e.taskId()).isEqualTo(done.taskId());
                    assertThat(e.host()).isEqualTo("127.0.0.1");
                    assertThat(e.reason()).contains("410");
                    assertThat(e.isTransient()).isFalse();
                    assertThat(e.getMessage()).doesNotContain("sig=");
                });
        assertThat(filesUnder(dir)).isEmpty();
    }

    @Test
    void aBodyOverTheCapIsRefusedAndThePartialFileRemoved() throws Exception {
        start(Faults.none(), Duration.ofHours(24));
        TaskStatus done = completed(Family.VEO);
        assertThatThrownBy(() -> capture(CaptureOptions.builder(dir).maxBytes(VIDEO_BYTES - 1)).capture(done)
                .blockLast(Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(CaptureException.class, e ->
                        assertThat(e.reason()).isEqualTo("larger than the cap of " + (VIDEO_BYTES - 1) + " bytes"));
        assertThat(filesUnder(dir)).isEmpty();
        assertThat(sim.mediaRequests()).as("refused at the first answer (its declared length), not asked again")
                .hasSize(1);
    }

    @Test
    void aChunkedBodyOverTheCapIsCutWhileStreamingAndThePartialFileRemoved() throws Exception {
        start(Faults.none(), Duration.ofHours(24));
        // no Content-Length (chunked): the cap can only be found while writing
        reactor.netty.DisposableServer server = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.get("/big.mp4", (req, res) -> res.header("Content-Type", "video/mp4")
                        .sendByteArray(reactor.core.publisher.Flux.range(0, 100).map(i -> new byte[10_000]))))
                .bindNow();
        try {
            TaskStatus done = withUrls(completed(Family.VEO), List.of("http://127.0.0.1:" + server.port() + "/big.mp4"));
            assertThatThrownBy(() -> capture(CaptureOptions.builder(dir).maxBytes(250_000)).capture(done)
                    .blockLast(Duration.ofSeconds(30)))
                    .isInstanceOfSatisfying(CaptureException.class, e ->
                            assertThat(e.reason()).isEqualTo("larger than the cap of 250000 bytes"));
            assertThat(filesUnder(dir)).isEmpty();
        } finally {
            server.disposeNow();
        }
    }

    @Test
    void aStalledDownloadIsNamedAsStalledWithItsHostAndTriedAgainFromWhereItStopped() throws Exception {
        start(Faults.none(), Duration.ofHours(24));
        java.util.List<String> ranges = new java.util.concurrent.CopyOnWriteArrayList<>();
        // headers and 1,000 of 100,000 bytes, then nothing: the connection stays open
        reactor.netty.DisposableServer server = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.get("/slow.mp4", (req, res) -> {
                    ranges.add(String.valueOf(req.requestHeaders().get("Range")));
                    return res.header("Content-Type", "video/mp4").header("Content-Length", "100000")
                            .sendByteArray(Flux.just(new byte[1000]).concatWith(Flux.never()));
                }))
                .bindNow();
        try {
            TaskStatus done = withUrls(completed(Family.VEO), List.of("http://127.0.0.1:" + server.port()
                    + "/slow.mp4"));
            assertThatThrownBy(() -> capture(CaptureOptions.builder(dir).readTimeout(Duration.ofMillis(300))
                    .maxAttempts(3)).capture(done).blockLast(Duration.ofSeconds(30)))
                    .isInstanceOfSatisfying(CaptureException.class, e -> {
                        assertThat(e.host()).isEqualTo("127.0.0.1");
                        assertThat(e.getMessage()).contains("from 127.0.0.1 failed: the download stalled: no data"
                                + " for 300 ms; tried 3 times");
                    });
            assertThat(ranges).as("the second and third attempts resume after the bytes received")
                    .containsExactly("null", "bytes=1000-", "bytes=1000-");
            assertThat(filesUnder(dir)).isEmpty();
        } finally {
            server.disposeNow();
        }
    }

    /** A result host that says {@code length} bytes and sends {@code chunk} of them every 50 ms, never all. */
    private static reactor.netty.DisposableServer trickling(String path, long length, int chunk) {
        return reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.get(path, (req, res) -> res.header("Content-Type", "video/mp4")
                        .header("Content-Length", Long.toString(length))
                        .sendByteArray(Flux.interval(Duration.ofMillis(50)).map(i -> new byte[chunk]))))
                .bindNow();
    }

    /**
     * A host that sends data every so often, each gap within the read timeout (which bounds the wait between reads
     * only), but a byte at a time: the attempt is given up once its average falls under 1 KiB/s past the read timeout,
     * and tried again; it held the download, a capture slot and the task's completed status for ever.
     */
    @Test
    void aDownloadDrippedAByteAtATimeIsGivenUpAsTooSlow() throws Exception {
        start(Faults.none(), Duration.ofHours(24));
        reactor.netty.DisposableServer server = trickling("/drip.mp4", 100_000, 1);
        try {
            TaskStatus done = withUrls(completed(Family.VEO), List.of("http://127.0.0.1:" + server.port()
                    + "/drip.mp4"));
            assertThatThrownBy(() -> capture(CaptureOptions.builder(dir).readTimeout(Duration.ofMillis(300))
                    .maxAttempts(2)).capture(done).blockLast(Duration.ofSeconds(30)))
                    .isInstanceOfSatisfying(CaptureException.class, e -> assertThat(e.getMessage())
                            .contains("failed: the download is too slow: ").contains("under 1024 bytes/s")
                            .contains("tried 2 times"));
            assertThat(filesUnder(dir)).isEmpty();
        } finally {
            server.disposeNow();
        }
    }

    /**
     * A host that brings data fast enough for the read timeout and the slowest rate, for ever (a 100 MB file at
     * 80 KiB/s): the file's download ends at {@code downloadTimeout}, on the client's (here accelerated) time, naming
     * what it got, and leaves no partial file. It held the download and its slot for as long as the host went on.
     */
    @Test
    void aDownloadThatOutlastsItsTimeoutEndsThereAndLeavesNothing() throws Exception {
        start(Faults.none(), Duration.ofHours(24)); // the client's time runs 200 times faster: 5 min are 1.5 s
        reactor.netty.DisposableServer server = trickling("/long.mp4", 100_000_000, 4096);
        try {
            TaskStatus done = withUrls(completed(Family.VEO), List.of("http://127.0.0.1:" + server.port()
                    + "/long.mp4"));
            assertThatThrownBy(() -> capture(CaptureOptions.builder(dir).readTimeout(Duration.ofMillis(300))
                    .downloadTimeout(Duration.ofMinutes(5))).capture(done).blockLast(Duration.ofSeconds(30)))
                    .isInstanceOfSatisfying(CaptureException.class, e -> assertThat(e.getMessage())
                            .contains("from 127.0.0.1 failed: the download took longer than 5 min"
                                    + " (capture.downloadTimeout), about ")
                            .containsPattern(" [1-9][0-9]* bytes of 100000000 written"));
            assertThat(filesUnder(dir)).isEmpty();
        } finally {
            server.disposeNow();
        }
    }

    @Test
    void theDownloadTimeoutIsAnHourByDefaultAndMustBePositive() {
        assertThat(CaptureOptions.builder(dir).build().downloadTimeout()).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> CaptureOptions.builder(dir).downloadTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("capture.downloadTimeout: PT0S must be positive");
    }

    /**
     * A resume answered with a range shorter than the rest of the file (its {@code Content-Range} total says so) is
     * continued from where it stopped, not stored as the whole file: the file stored was the first 2,000 bytes of
     * 100,000, with a checksum of those. A range whose total is '*' ends where the total the first answer gave does.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "total unknown: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aShortRangeAnswerIsContinuedFromWhereItStopped(boolean unknownTotal) throws Exception {
        start(Faults.none(), Duration.ofHours(24));
        byte[] whole = new byte[100_000];
        new java.util.Random(3).nextBytes(whole);
        java.util.List<String> ranges = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        reactor.netty.DisposableServer server = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.get("/part.mp4", (req, res) -> {
                    String range = req.requestHeaders().get("Range");
                    ranges.add(String.valueOf(range));
                    int call = calls.getAndIncrement();
                    if (range == null) { // the whole file declared, 1,000 bytes sent, then nothing (a stall)
                        return res.header("Content-Type", "video/mp4").header("Content-Length", "100000")
                                .sendByteArray(reactor.core.publisher.Mono.just(java.util.Arrays.copyOf(whole, 1000)))
                                .then(reactor.core.publisher.Mono.error(new IllegalStateException("cut")));
                    }
                    int from = Integer.parseInt(range.replaceAll("\\D+(\\d+)-.*", "$1"));
                    // the first resume: 1,000 bytes only; the second: the rest; the total said, or '*' (unknown)
                    int to = call == 1 ? from + 1000 : whole.length;
                    return res.status(206).header("Content-Type", "video/mp4")
                            .header("Content-Range", "bytes " + from + "-" + (to - 1) + "/"
                                    + (unknownTotal ? "*" : Integer.toString(whole.length)))
                            .header("Content-Length", Integer.toString(to - from))
                            .sendByteArray(reactor.core.publisher.Mono.just(java.util.Arrays.copyOfRange(whole, from,
                                    to)));
                }))
                .bindNow();
        try {
            TaskStatus done = withUrls(completed(Family.VEO), List.of("http://127.0.0.1:" + server.port()
                    + "/part.mp4"));
            List<CaptureEvent> events = capture(CaptureOptions.builder(dir).maxAttempts(5).readTimeout(Duration.ofMillis(500))).capture(done)
                    .collectList().block(Duration.ofSeconds(30));
            CaptureEvent.Stored stored = (CaptureEvent.Stored) events.stream()
                    .filter(e -> e instanceof CaptureEvent.Stored).findFirst().orElseThrow();
            assertThat(stored.size()).isEqualTo(whole.length);
            assertThat(stored.sha256()).isEqualTo(sha256(whole));
            assertThat(Files.readAllBytes(stored.path())).isEqualTo(whole);
            assertThat(ranges).containsExactly("null", "bytes=1000-", "bytes=2000-");
        } finally {
            server.disposeNow();
        }
    }

    /**
     * A host that ignores {@code Range} (a 200 with the whole file to a resume): the file starts over, and the
     * slowest-rate rule counts the new body from its own start. It counted from the bytes written before the restart,
     * and gave the new body up as "too slow" until the attempts ran out.
     */
    @Test
    void aHostThatIgnoresRangeStartsOverAndIsNotTakenForSlow() throws Exception {
        start(Faults.none(), Duration.ofHours(24));
        byte[] whole = new byte[100_000];
        new java.util.Random(6).nextBytes(whole);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        reactor.netty.DisposableServer server = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.get("/norange.mp4", (req, res) -> {
                    res.header("Content-Type", "video/mp4").header("Content-Length", "100000");
                    if (calls.getAndIncrement() == 0) { // 60,000 bytes, then nothing (a stall)
                        return res.sendByteArray(Flux.just(java.util.Arrays.copyOf(whole, 60_000))
                                .concatWith(Flux.never()));
                    }
                    // the whole file, Range or not, over a second (100 KB/s)
                    return res.sendByteArray(Flux.range(0, 50).delayElements(Duration.ofMillis(20))
                            .map(i -> java.util.Arrays.copyOfRange(whole, i * 2_000, (i + 1) * 2_000)));
                }))
                .bindNow();
        try {
            TaskStatus done = withUrls(completed(Family.VEO), List.of("http://127.0.0.1:" + server.port()
                    + "/norange.mp4"));
            CaptureEvent.Stored stored = (CaptureEvent.Stored) capture(CaptureOptions.builder(dir).maxAttempts(3)
                    .readTimeout(Duration.ofMillis(500))).capture(done).collectList().block(Duration.ofSeconds(30))
                    .stream().filter(e -> e instanceof CaptureEvent.Stored).findFirst().orElseThrow();
            assertThat(stored.size()).isEqualTo(whole.length);
            assertThat(stored.sha256()).isEqualTo(sha256(whole));
            assertThat(calls).hasValue(2);
        } finally {
            server.disposeNow();
        }
    }

    /**
     * A host that serves a large file in short ranges (a CDN capping each answer at 300 KB): each answer moves the
     * file on, so the attempts are not used up; 5 answers for 1.5 MB with 2 attempts allowed. It failed after 2.
     */
    @Test
    void aFileServedInShortRangesIsFetchedWhileEachRangeMovesItOn() throws Exception {
        start(Faults.none(), Duration.ofHours(24));
        byte[] whole = new byte[1_500_000];
        new java.util.Random(7).nextBytes(whole);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        reactor.netty.DisposableServer server = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.get("/cdn.mp4", (req, res) -> {
                    calls.incrementAndGet();
                    String range = req.requestHeaders().get("Range");
                    int from = range == null ? 0 : Integer.parseInt(range.replaceAll("\\D+(\\d+)-.*", "$1"));
                    int to = Math.min(whole.length, from + 300_000);
                    return res.status(206).header("Content-Type", "video/mp4")
                            .header("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + whole.length)
                            .header("Content-Length", Integer.toString(to - from))
                            .sendByteArray(reactor.core.publisher.Mono.just(java.util.Arrays.copyOfRange(whole, from,
                                    to)));
                }))
                .bindNow();
        try {
            TaskStatus done = withUrls(completed(Family.VEO), List.of("http://127.0.0.1:" + server.port()
                    + "/cdn.mp4"));
            CaptureEvent.Stored stored = (CaptureEvent.Stored) capture(CaptureOptions.builder(dir).maxAttempts(2))
                    .capture(done).collectList().block(Duration.ofSeconds(60)).stream()
                    .filter(e -> e instanceof CaptureEvent.Stored).findFirst().orElseThrow();
            assertThat(stored.size()).isEqualTo(whole.length);
            assertThat(stored.sha256()).isEqualTo(sha256(whole));
            assertThat(calls).hasValue(5);
        } finally {
            server.disposeNow();
        }
    }

    /** A resume whose range names another total than the file begun (the object changed): started over, whole. */
    @Test
    void aRangeOfAnObjectWhoseSizeChangedStartsOver() throws Exception {
        start(Faults.none(), Duration.ofHours(24));
        byte[] before = new byte[100_000];
        byte[] after = new byte[120_000];
        new java.util.Random(4).nextBytes(before);
        new java.util.Random(5).nextBytes(after);
        java.util.List<String> ranges = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        reactor.netty.DisposableServer server = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r.get("/changed.mp4", (req, res) -> {
                    String range = req.requestHeaders().get("Range");
                    ranges.add(String.valueOf(range));
                    if (calls.getAndIncrement() == 0) { // the old object: 1,000 bytes, then nothing (a stall)
                        return res.header("Content-Type", "video/mp4").header("Content-Length", "100000")
                                .sendByteArray(reactor.core.publisher.Mono.just(java.util.Arrays.copyOf(before, 1000)))
                                .then(reactor.core.publisher.Mono.error(new IllegalStateException("cut")));
                    }
                    if (range != null) { // the new object's rest: another total
                        return res.status(206).header("Content-Type", "video/mp4")
                                .header("Content-Range", "bytes 1000-119999/120000").header("Content-Length", "119000")
                                .sendByteArray(reactor.core.publisher.Mono.just(java.util.Arrays.copyOfRange(after,
                                        1000, after.length)));
                    }
                    return res.header("Content-Type", "video/mp4").header("Content-Length", "120000")
                            .sendByteArray(reactor.core.publisher.Mono.just(after));
                }))
                .bindNow();
        try {
            TaskStatus done = withUrls(completed(Family.VEO), List.of("http://127.0.0.1:" + server.port()
                    + "/changed.mp4"));
            CaptureEvent.Stored stored = (CaptureEvent.Stored) capture(CaptureOptions.builder(dir).maxAttempts(5).readTimeout(Duration.ofMillis(500)))
                    .capture(done).collectList().block(Duration.ofSeconds(30)).stream()
                    .filter(e -> e instanceof CaptureEvent.Stored).findFirst().orElseThrow();
            assertThat(stored.size()).isEqualTo(after.length);
            assertThat(stored.sha256()).isEqualTo(sha256(after));
            assertThat(ranges).as("the whole file asked again once the total changed")
                    .containsExactly("null", "bytes=1000-", "null");
        } finally {
            server.disposeNow();
        }
    }

    @Test
    void redirectsAreFollowedOnlyWhereTheFirstUrlWouldBeAllowed() throws Exception {
        start(Faults.none(), Duration.ofHours(24));
        TaskStatus done = completed(Family.VEO);
        String real = done.resultUrls().get(0);
        String root = "http://127.0.0.1:" + sim.port();
        String viaRedirect = root + "/_sim/redirect?to=" + URLEncoder.encode(real, StandardCharsets.UTF_8);
        ResultCapture c = capture(CaptureOptions.builder(dir));
        CaptureEvent.Stored s = (CaptureEvent.Stored) c.capture(withUrls(done, List.of(viaRedirect)))
                .blockLast(Duration.ofSeconds(30));
        assertThat(Files.readAllBytes(s.path())).isEqualTo(served(real));

        String elsewhere = root + "/_sim/redirect?to="
                + URLEncoder.encode("http://results.example.com/x.mp4", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> c.capture(withUrls(done, List.of(elsewhere))).blockLast(Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(CaptureException.class, e -> assertThat(e.reason())
                        .isEqualTo("redirect to results.example.com refused: plain http to a non-loopback host"));
    }

    @Test
    void plainHttpIsRefusedUnlessOptedInAndNothingIsSent() {
        start(Faults.none(), Duration.ofHours(24));
        TaskStatus done = completed(Family.VEO);
        capture = ResultCapture.create(client, CaptureOptions.builder(dir).build());
        int before = sim.mediaRequests().size();
        assertThatThrownBy(() -> capture.capture(done).blockLast(Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(CaptureException.class, e -> assertThat(e.reason())
                        .startsWith("plain http (allowed only to loopback"));
        assertThat(sim.mediaRequests()).hasSize(before);
    }

    @Test
    void aCaptureCloseToTheUrlsExpiryWarnsFirst() {
        start(Faults.none(), Duration.ofHours(24));
        TaskStatus done = completed(Family.VEO);
        TaskStatus old = new TaskStatus(done.taskId(), done.state(), done.rawStatus(), done.model(), done.createdAt(),
                done.resultUrls(), done.error(), done.actualDuration(), done.totalTokens(),
                client.options().trackerOptions().clock().instant().minus(Duration.ofMinutes(23 * 60 + 30)));
        List<CaptureEvent> events = capture(CaptureOptions.builder(dir)).capture(old).collectList()
                .block(Duration.ofSeconds(30));
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).isInstanceOf(CaptureEvent.ExpiryWarning.class);
        assertThat(((CaptureEvent.ExpiryWarning) events.get(0)).expiresAt()).isEqualTo(old.observedAt()
                .plus(Duration.ofHours(24)));
        assertThat(events.get(1)).isInstanceOf(CaptureEvent.Stored.class);
    }

    /**
     * A task tracked long after it completed (its status observed now, the provider's {@code completed_at} 23.5 h ago):
     * its URLs are as old as its end, so the capture warns first; it counted a day from the status's observation.
     */
    @Test
    void theUrlsLifetimeCountsFromTheProvidersCompletionWhenItSaysWhen() {
        start(Faults.none(), Duration.ofHours(24));
        TaskStatus done = completed(Family.VEO);
        java.time.Instant now = client.options().trackerOptions().clock().instant();
        TaskStatus late = new TaskStatus(done.taskId(), done.state(), done.rawStatus(), done.model(),
                now.minus(Duration.ofHours(24)), done.resultUrls(), done.error(), done.actualDuration(),
                done.totalTokens(), now, now.minus(Duration.ofMinutes(23 * 60 + 30)));
        List<CaptureEvent> events = capture(CaptureOptions.builder(dir)).capture(late).collectList()
                .block(Duration.ofSeconds(30));
        assertThat(events.get(0)).isInstanceOfSatisfying(CaptureEvent.ExpiryWarning.class, w -> assertThat(
                w.expiresAt()).isEqualTo(late.completedAt().plus(Duration.ofHours(24))));
        // a completed_at of 0 (read as 1970: "unknown"), before the task's creation, is not believed: the URLs are
        // fetched, counted from the status's observation
        TaskStatus zero = new TaskStatus(done.taskId(), done.state(), done.rawStatus(), done.model(),
                done.createdAt(), done.resultUrls(), done.error(), done.actualDuration(), done.totalTokens(), now,
                java.time.Instant.EPOCH);
        assertThat(capture.capture(zero).collectList().block(Duration.ofSeconds(30)))
                .singleElement().isInstanceOf(CaptureEvent.Stored.class);
    }

    @Test
    void onlyACompletedTaskWithResultsCanBeCaptured() {
        start(Faults.none(), Duration.ofHours(24));
        TaskStatus running = new TaskStatus("t1", TaskState.PROCESSING, "processing", null, null, List.of(), null, null,
                null, Instant.now());
        assertThatThrownBy(() -> capture(CaptureOptions.builder(dir)).capture(running).blockLast())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("capture: task 't1' is PROCESSING with 0 result URLs; only a completed task with results"
                        + " can be captured");
    }

    @Test
    void submitAndTrackWithCaptureEmitsCompletedOnlyOnceTheFilesAreStored() {
        start(Faults.none(), Duration.ofHours(24));
        ResultCapture c = capture(CaptureOptions.builder(dir));
        GenerationRequest request = GenerationRequest.task("kling-v3/text-to-video",
                Map.of("prompt", "a lighthouse at dawn", "duration", "5", "aspect_ratio", "16:9")).build();
        List<TaskStatus> statuses = client.submitAndTrack(request, c)
                .doOnNext(s -> {
                    if (s.state() == TaskState.COMPLETED) {
                        assertThat(c.directory(s.taskId()).resolve("0.mp4")).as("stored before it is emitted")
                                .exists();
                    }
                })
                .collectList().block(Duration.ofSeconds(60));
        TaskStatus last = statuses.get(statuses.size() - 1);
        assertThat(last.isTerminal()).isTrue();
        if (last.state() == TaskState.COMPLETED) {
            assertThat(c.directory(last.taskId()).resolve("0.mp4")).exists();
        }
    }

    @Test
    void attachPassesStatusesOnAndACompletedTaskEndsStoredOrWithAFailureBeforeItsStatus() {
        start(Faults.none(), Duration.ofHours(24));
        TaskStatus done = completed(Family.VEO);
        TaskStatus queued = new TaskStatus(done.taskId(), TaskState.QUEUED, "queued", null, null, List.of(), null, null,
                null, done.observedAt());
        ResultCapture c = capture(CaptureOptions.builder(dir));
        List<TaskEvent> events = c.attach(Flux.just(queued, done)).collectList().block(Duration.ofSeconds(30));
        assertThat(events).hasSize(3);
        assertThat(events.get(0)).isSameAs(queued);
        assertThat(events.get(1)).isInstanceOfSatisfying(CaptureEvent.Stored.class,
                st -> assertThat(st.path()).exists());
        assertThat(events.get(2)).as("the completed status comes once stored").isSameAs(done);
    }

    @Test
    void attachReportsACompletedTaskWithNothingToStoreAndAFailedCaptureAndKeepsTheStatusAndItsUrls() {
        start(Faults.none(), Duration.ofHours(24));
        TaskStatus done = completed(Family.VEO);
        TaskStatus noUrl = withUrls(done, List.of());
        // plain http without the opt-in: refused, nothing fetched
        ResultCapture strict = ResultCapture.create(client, CaptureOptions.builder(dir).build());
        capture = strict;
        List<TaskEvent> events = strict.attach(Flux.just(noUrl, done)).collectList().block(Duration.ofSeconds(30));
        assertThat(events).hasSize(4);
        assertThat(events.get(0)).isInstanceOfSatisfying(CaptureEvent.Failed.class, f -> {
            assertThat(f.failure().getMessage()).contains(done.taskId()).contains("completed without a result URL");
            assertThat(f.status()).isSameAs(noUrl);
        });
        assertThat(events.get(1)).isSameAs(noUrl);
        assertThat(events.get(2)).isInstanceOfSatisfying(CaptureEvent.Failed.class, f -> {
            assertThat(f.failure().reason()).startsWith("plain http");
            assertThat(f.status().resultUrls()).isEqualTo(done.resultUrls());
        });
        assertThat(events.get(3)).isSameAs(done);
    }

    private static TaskStatus withUrls(TaskStatus s, List<String> urls) {
        return new TaskStatus(s.taskId(), s.state(), s.rawStatus(), s.model(), s.createdAt(), urls, s.error(),
                s.actualDuration(), s.totalTokens(), s.observedAt());
    }
}
