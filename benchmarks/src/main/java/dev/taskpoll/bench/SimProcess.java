package dev.taskpoll.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.taskpoll.testkit.ExitHook;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.resources.ConnectionProvider;

/** The simulator in its own JVM ({@code testkit/target/taskpoll-simulator.jar}), as the benchmarks need it. */
final class SimProcess implements AutoCloseable {

    static final String KEY = "sim-key";

    private final Process process;
    /**
     * Stops the simulator when this JVM exits without closing it (Ctrl-C, SIGTERM, an uncaught error): a harness
     * stopped that way left its simulators running, a 2-4 GB heap each.
     */
    private final ExitHook stopAtExit;
    final String baseUrl;
    private final Path gcLog;
    private final long startedNanos;
    /** With {@code --https}: the authority the simulator made for its run, which clients trust; else null. */
    final java.security.cert.@org.jspecify.annotations.Nullable X509Certificate authority;

    private SimProcess(Process process, ExitHook stopAtExit, String baseUrl, Path gcLog, long startedNanos,
                       java.security.cert.@org.jspecify.annotations.Nullable X509Certificate authority) {
        this.process = process;
        this.stopAtExit = stopAtExit;
        this.baseUrl = baseUrl;
        this.gcLog = gcLog;
        this.startedNanos = startedNanos;
        this.authority = authority;
    }

    /** The simulator's port. */
    int port() {
        return URI.create(baseUrl).getPort();
    }

    /**
     * {@code http} trusting this simulator's authority when it serves https, over the JDK's TLS as taskpoll's default:
     * left to Netty, it picks OpenSSL whenever netty-tcnative is on the class path (it is, for scenario H's OpenSSL
     * row), and the bare loop and the peers made their handshakes in native code while taskpoll made them in Java.
     */
    reactor.netty.http.client.HttpClient trusting(reactor.netty.http.client.HttpClient http) {
        java.security.cert.X509Certificate ca = authority;
        if (ca == null) {
            return http;
        }
        return http.secure(spec -> spec.sslContext(reactor.netty.http.Http11SslContextSpec.forClient()
                .configure(b -> b.trustManager(ca).sslProvider(io.netty.handler.ssl.SslProvider.JDK))));
    }

    /** A JDK TLS context trusting this simulator's authority alone (it serves https), for the JDK's own HTTP client. */
    javax.net.ssl.SSLContext sslContext() {
        try {
            java.security.KeyStore trust = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("simulator", java.util.Objects.requireNonNull(authority, "authority"));
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            return tls;
        } catch (java.security.GeneralSecurityException | IOException e) {
            throw new IllegalStateException("trusting the simulator's authority: " + e, e);
        }
    }

    /**
     * Each simulator process first runs this long a load of its own (its {@code --warm-up}): a fresh process otherwise
     * compiled its status path during the first measured polls and its completed-task path when the first tasks
     * completed, and those polls reached it 50-150 ms late (scenario A at 100,000, PrintCompilation beside the late
     * polls' timeline).
     */
    static final int WARM_UP_SECONDS = 6;

    /**
     * Starts the simulator and waits (at most 60 s) for its "listening at" line. Its output goes to a file beside the
     * jar, not through a pipe: a pipe would need a thread of ours draining it in the JVM whose threads are counted.
     * {@code -Dbench.simJvm="..."} adds JVM flags to the simulator's (a profiler, for one).
     */
    static SimProcess start(Path jar, String... flags) throws IOException, InterruptedException {
        Path gcLog = jar.resolveSibling("simulator-gc.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms2g", "-Xmx4g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=10", "-XX:MaxTenuringThreshold=2",
                "-Dreactor.netty.ioWorkerCount=2", "-Xlog:gc:file=" + gcLog));
        String extra = System.getProperty("bench.simJvm", "").trim();
        if (!extra.isEmpty()) {
            cmd.addAll(List.of(extra.split("\\s+")));
        }
        cmd.addAll(List.of("-jar", jar.toString(), "--port", "0", "--api-key", KEY, "--warm-up",
                String.valueOf(WARM_UP_SECONDS)));
        cmd.addAll(List.of(flags));
        Path caFile = jar.resolveSibling("simulator-bench-ca.pem");
        boolean https = List.of(flags).contains("--https");
        if (https) {
            Files.deleteIfExists(caFile);
            cmd.addAll(List.of("--ca-cert-out", caFile.toString()));
        }
        Path log = jar.resolveSibling("simulator-bench.log");
        long started = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ExitHook stopAtExit = ExitHook.register("taskpoll-bench-simulator-stop", p::destroyForcibly); // (warm-up too)
        try {
            return await(p, stopAtExit, log, https, caFile, gcLog, started);
        } catch (IOException | InterruptedException | RuntimeException e) { // not started: nothing left running
            p.destroyForcibly();
            stopAtExit.close();
            throw e;
        }
    }

    /** Waits for the simulator's "listening at" line (60 s at most) and reads its authority when it serves https. */
    private static SimProcess await(Process p, ExitHook stopAtExit, Path log, boolean https, Path caFile, Path gcLog,
                                    long started) throws IOException, InterruptedException {
        Pattern listening = Pattern.compile("listening at (\\S+)");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline && p.isAlive()) {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    java.security.cert.X509Certificate ca = null;
                    if (https) { // written whole before the line
                        try (InputStream in = Files.newInputStream(caFile)) {
                            ca = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory
                                    .getInstance("X.509").generateCertificate(in);
                        } catch (java.security.cert.CertificateException e) {
                            throw new IOException("the simulator's authority in " + caFile + ": " + e, e);
                        }
                    }
                    return new SimProcess(p, stopAtExit, m.group(1), gcLog, started, ca);
                }
            }
            Thread.sleep(50);
        }
        throw new IOException("the simulator did not start within 60 s; its output: " + log);
    }

    /**
     * The simulator's GC pauses that ended between two moments of this JVM's {@code System.nanoTime} (its uptime is
     * counted from just after our start call: a few hundred ms of skew at most).
     */
    java.util.List<Double> gcPauses(long fromNanos, long toNanos) throws IOException {
        return GcPauses.fromLog(gcLog, fromNanos - startedNanos, toNanos - startedNanos);
    }

    /** Creates {@code n} VEO tasks over HTTP, 256 at a time; returns their ids in creation order. */
    List<String> createVeoTasks(int n) {
        ConnectionProvider pool = ConnectionProvider.builder("bench-create").maxConnections(256).build();
        try {
            reactor.netty.http.client.HttpClient http = trusting(reactor.netty.http.client.HttpClient.create(pool))
                    .baseUrl(baseUrl).headers(h -> h.set("Authorization", "Bearer " + KEY)
                            .set("Content-Type", "application/json"));
            Pattern id = Pattern.compile("\"id\":\"([^\"]+)\"");
            return Flux.range(0, n).flatMapSequential(i -> http.post().uri("/v1/veo/videos")
                            .send(reactor.netty.ByteBufFlux.fromString(Mono.just(
                                    "{\"model\":\"veo_3_1_fast\",\"prompt\":\"bench " + i + "\"}")))
                            .responseSingle((res, body) -> body.asString().map(s -> {
                                Matcher m = id.matcher(s);
                                if (res.status().code() != 200 || !m.find()) {
                                    throw new IllegalStateException("create answered " + res.status() + ": " + s);
                                }
                                return m.group(1);
                            })), 256)
                    .collectList().block();
        } finally {
            pool.dispose();
        }
    }

    /** Per task, from the simulator's ledger: when it finished and when each poll arrived (simulated time). */
    record Ledger(List<String> ids, List<Instant> finishedAt, List<List<Instant>> polls,
                  List<List<String>> outcomes) {

        /** The polls of one task, by id. */
        List<Instant> pollsOf(String id) {
            int i = ids.indexOf(id);
            return i < 0 ? List.of() : polls.get(i);
        }
    }

    /**
     * One status request outside any engine, so that the ledger marks this moment on the simulator's clock. On
     * Reactor Netty's global resources: no thread of its own in the client JVM, whose threads are being counted.
     */
    void mark(String id) {
        trusting(reactor.netty.http.client.HttpClient.create()).headers(h -> h.set("Authorization", "Bearer " + KEY))
                .get().uri(baseUrl + "/v1/result/" + id).responseSingle((res, body) -> body.asByteArray())
                .block(java.time.Duration.ofSeconds(30));
    }

    /** Streams {@code /_sim/tasks} (it can be tens of MB) into the few fields the benchmarks use. */
    Ledger ledger() throws IOException, InterruptedException {
        // Reactor Netty's global resources (no new thread in the measured JVM); the body aggregated off-heap
        Object[] answer = trusting(reactor.netty.http.client.HttpClient.create()).get()
                .uri(serverRoot() + "/_sim/tasks")
                .responseSingle((r, body) -> body.asInputStream().map(in -> new Object[] {r.status().code(), in}))
                .block(java.time.Duration.ofMinutes(2));
        if (answer == null) {
            throw new IOException("ledger: no answer");
        }
        int status = (Integer) answer[0];
        List<String> ids = new ArrayList<>();
        List<Instant> finished = new ArrayList<>();
        List<List<Instant>> polls = new ArrayList<>();
        List<List<String>> outcomes = new ArrayList<>();
        try (InputStream in = (InputStream) answer[1]; JsonParser p = new JsonFactory().createParser(in)) {
            // {"tasks": [ {...}, ... ]}
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME
                    || !"tasks".equals(p.currentName()) || p.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException("ledger: HTTP " + status + ", not {\"tasks\": [...]}");
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                List<Instant> at = new ArrayList<>();
                List<String> out = new ArrayList<>();
                Instant fin = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    if (field.equals("id")) {
                        ids.add(p.getText());
                    } else if (field.equals("finishedAt")) {
                        fin = Instant.parse(p.getText());
                    } else if (field.equals("polls")) {
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String f = p.currentName();
                                p.nextToken();
                                if (f.equals("at")) {
                                    at.add(Instant.parse(p.getText()));
                                } else if (f.equals("outcome")) {
                                    out.add(p.getText());
                                }
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                finished.add(fin);
                polls.add(at);
                outcomes.add(out);
            }
        }
        return new Ledger(ids, finished, polls, outcomes);
    }

    private String serverRoot() {
        URI u = URI.create(baseUrl);
        return u.getScheme() + "://" + u.getHost() + ":" + u.getPort();
    }

    @Override
    public void close() {
        stopAtExit.close();
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
