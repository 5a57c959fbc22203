package dev.taskpoll.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskpoll.ClientOptions;
import dev.taskpoll.Family;
import dev.taskpoll.FleetOptions;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.testkit.SimTime;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The load harness: {@code java -jar benchmarks/target/taskpoll-bench.jar [--scenarios A,B] [--results FILE]
 * [--sizes 10000,100000]}. The simulator runs in its own JVM; this JVM is the client, whose CPU, heap and threads are
 * measured. Writes its tables into RESULTS.md between {@code <!-- bench:begin -->} and {@code <!-- bench:end -->}.
 */
public final class Bench {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path simulatorJar;
    private final StringBuilder report = new StringBuilder();

    private Bench(Path simulatorJar) {
        this.simulatorJar = simulatorJar;
    }

    public static void main(String[] args) throws Exception {
        String scenarios = "A,B";
        Path results = Path.of("benchmarks/RESULTS.md");
        List<Integer> sizes = List.of(10_000, 100_000);
        List<Integer> paced = List.of(10_000, 30_000);
        Path jar = Path.of("testkit/target/taskpoll-simulator.jar");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--scenarios" -> scenarios = args[++i].toUpperCase(Locale.ROOT);
                case "--results" -> results = Path.of(args[++i]);
                case "--sizes" -> sizes = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--paced" -> paced = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--simulator" -> jar = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown flag '" + args[i]
                        + "'; flags: --scenarios A,B --results FILE --sizes N,N --paced N,N --simulator JAR");
            }
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("--simulator: " + jar + " not found; run mvn -B -q install -DskipTests");
        }
        Bench bench = new Bench(jar);
        bench.header(String.join(" ", args));
        if (scenarios.contains("A")) {
            bench.scale(sizes);
        }
        if (scenarios.contains("B")) {
            bench.throughput(paced);
        }
        System.out.println(bench.report);
        write(results, bench.report.toString());
    }

    private void header(String args) {
        report.append("## Load harness (benchmarks issue): run of ").append(LocalDate.now()).append("\n\n")
                .append("Command (after `mvn -B -q install -DskipTests`): `java -Xms4g -Xmx4g -XX:+UseG1GC ")
                .append("-Dreactor.netty.ioWorkerCount=2 -jar benchmarks/target/taskpoll-bench.jar").append(
                        args.isEmpty() ? "" : " " + args).append("`\n\n")
                .append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, JDK ")
                .append(System.getProperty("java.version")).append(" (").append(System.getProperty("java.vm.name"))
                .append("), client heap max ").append(Runtime.getRuntime().maxMemory() >> 20)
                .append(" MiB. The simulator runs in its own JVM on the same two cores.\n\n");
    }

    // ---------------------------------------------------------------- A. scale

    private void scale(List<Integer> sizes) throws Exception {
        double k = 5;
        report.append("### A. Scale\n\nN VEO tasks, 30 s poll period (taskpoll's default for the family) on simulated "
                + "time at x").append((int) k).append(" (client and simulator), generation 2-5 simulated minutes, "
                + "no faults. CPU per poll = client process CPU time / polls; heap per task = (heap after a full GC "
                + "while all N are tracked - heap before tracking) / N; lateness = a poll's arrival at the simulator "
                + "minus its slot on the task's fixed grid (anchored at the task's first poll), in real ms; "
                + "detection lag = the simulator finishing a task to the first poll that saw it, in simulated s.\n\n"
                + "| N | CPU/poll (us) | heap/task (B) | live threads | polls/task | lateness p50 / p99 (ms) "
                + "| detection lag p50 / p99 (s) | all final |\n|---|---|---|---|---|---|---|---|\n");
        for (int n : sizes) {
            try (SimProcess sim = SimProcess.start(simulatorJar, "--scale", String.valueOf(k),
                    "--generation", "PT2M,PT5M", "--seed", "1")) {
                List<String> ids = sim.createVeoTasks(n);
                long heap0 = heapAfterGc();
                SimTime time = SimTime.accelerated(k);
                try (TaskpollClient client = client(sim, time, PollPolicy.of(Duration.ofSeconds(30),
                        Duration.ofMinutes(30)))) {
                    long cpu0 = cpuNanos();
                    long polls0 = client.tracker().stats().requestsSent();
                    AtomicLong finals = new AtomicLong();
                    CompletableFuture<Long> done = Flux.fromIterable(ids)
                            .flatMap(id -> client.track(TaskRef.of(id, Family.VEO)).last()
                                    .doOnNext(s -> finals.incrementAndGet()), Integer.MAX_VALUE)
                            .count().toFuture();
                    Thread.sleep(time.toReal(Duration.ofSeconds(75)).toMillis()); // every task polled at least twice
                    long gcCpu0 = cpuNanos();
                    long heap1 = heapAfterGc();
                    long gcCpu = cpuNanos() - gcCpu0; // the harness's own full GCs: not the engine's CPU
                    int threads = ManagementFactory.getThreadMXBean().getThreadCount();
                    try {
                        done.get(time.toReal(Duration.ofMinutes(8)).toMillis(), TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        System.err.printf("A: N=%d: %d of %d final after 8 simulated minutes; stats %s%n", n,
                                finals.get(), n, client.tracker().stats());
                    }
                    long cpu = cpuNanos() - cpu0 - gcCpu;
                    long polls = client.tracker().stats().requestsSent() - polls0;
                    SimProcess.Ledger ledger = sim.ledger();
                    double[] late = lateness(ledger, Duration.ofSeconds(30), k);
                    double[] lag = detectionLag(ledger);
                    System.err.printf("A: N=%d done%n", n);
                    report.append(String.format(Locale.ROOT, "| %,d | %.1f | %,d | %d | %.1f | %.1f / %.1f | %.1f / %.1f | %d of %d |%n",
                            n, cpu / 1000.0 / polls, (heap1 - heap0) / n, threads, polls / (double) n,
                            pct(late, 50), pct(late, 99), pct(lag, 50), pct(lag, 99), finals.get(), n));
                }
            }
        }
        report.append('\n');
    }

    private static TaskpollClient client(SimProcess sim, SimTime time, PollPolicy policy) {
        // the shared budget stays on, with a ceiling above the load (its default, 500/s, is for real APIs)
        return TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl).apiKey(SimProcess.KEY)
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).policy(Family.VEO, policy)
                        .fleet("off".equals(System.getProperty("bench.budget")) ? FleetOptions.disabled()
                                : FleetOptions.ofMaxRate(200_000)).build())
                .build());
    }

    /**
     * Per poll: arrival minus its slot on the task's fixed grid, in real ms. The grid's phase is the task's earliest
     * {@code poll_k - k * period} (its most punctual poll), so the figure does not depend on when tracking began.
     */
    private static double[] lateness(SimProcess.Ledger ledger, Duration period, double scale) {
        List<Double> out = new ArrayList<>();
        long p = period.toNanos();
        for (List<Instant> polls : ledger.polls()) {
            long phase = Long.MAX_VALUE;
            for (int i = 0; i < polls.size(); i++) {
                phase = Math.min(phase, nanos(polls.get(i)) - i * p);
            }
            for (int i = 0; i < polls.size(); i++) {
                out.add((nanos(polls.get(i)) - i * p - phase) / 1e6 / scale);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** Per task: the simulator finishing it to the first poll at or after, in simulated seconds. */
    private static double[] detectionLag(SimProcess.Ledger ledger) {
        List<Double> out = new ArrayList<>();
        for (int t = 0; t < ledger.polls().size(); t++) {
            Instant fin = ledger.finishedAt().get(t);
            ledger.polls().get(t).stream().filter(a -> !a.isBefore(fin)).findFirst()
                    .ifPresent(a -> out.add(Duration.between(fin, a).toMillis() / 1000.0));
        }
        return out.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    // ---------------------------------------------------------------- B. throughput and overhead

    private void throughput(List<Integer> paced) throws Exception {
        report.append("### B. Throughput and overhead\n\nThe same simulator (real time, tasks that never finish), "
                + "N tasks each polled every second, measured for 20 s after 5 s of warm-up, side by side in one run:"
                + " taskpoll (shared budget on, ceiling 200,000/s, 256 in flight) and a hand-written Reactor Netty loop with the "
                + "same pool settings (256 connections), a shared 10 ms tick firing the polls due together, and "
                + "a Jackson parse of each body (no engine: no state, no retries, no budget). Last row: the bare "
                + "loop saturated (`flatMap` of GETs, 128 at once), the ceiling of this machine.\n\n"
                + "| load | taskpoll polls/s | taskpoll CPU/poll (us) | bare polls/s | bare CPU/poll (us) "
                + "| CPU ratio taskpoll / bare |\n|---|---|---|---|---|---|\n");
        try (SimProcess sim = SimProcess.start(simulatorJar, "--scale", "1", "--generation", "PT10H,PT10H")) {
            List<String> ids = sim.createVeoTasks(paced.stream().mapToInt(Integer::intValue).max().orElse(1));
            for (int n : paced) {
                List<String> some = ids.subList(0, n);
                double[] bare = barePaced(sim, some);
                double[] tp = taskpollPaced(sim, some);
                report.append(String.format(Locale.ROOT, "| %,d tasks at 1 s | %,.0f | %.1f | %,.0f | %.1f | %.2f |%n",
                        n, tp[0], tp[1], bare[0], bare[1], tp[1] / bare[1]));
            }
            double[] sat = bareSaturated(sim, ids);
            report.append(String.format(Locale.ROOT, "| bare loop saturated | - | - | %,.0f | %.1f | - |%n%n",
                    sat[0], sat[1]));
        }
    }

    private static HttpClient bareClient(SimProcess sim, ConnectionProvider pool) {
        return HttpClient.create(pool).baseUrl(sim.baseUrl)
                .headers(h -> h.set("Authorization", "Bearer " + SimProcess.KEY).set("Accept", "application/json"));
    }

    private static Mono<Boolean> bareGet(HttpClient http, String id, AtomicLong polls) {
        return http.get().uri("/v1/result/" + id).responseSingle((res, body) -> body.asByteArray().map(b -> {
            try {
                JSON.readTree(b);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            polls.incrementAndGet();
            return res.status().code() == 200;
        }));
    }

    /** A shared 10 ms tick firing the polls due together: each id once a second (100 buckets of ids). */
    private static double[] barePaced(SimProcess sim, List<String> ids) throws InterruptedException {
        @SuppressWarnings("unchecked")
        List<String>[] buckets = new List[100];
        for (int b = 0; b < buckets.length; b++) {
            buckets[b] = new ArrayList<>();
        }
        for (int i = 0; i < ids.size(); i++) {
            buckets[i % 100].add(ids.get(i));
        }
        return bare(sim, (http, polls) -> Flux.interval(Duration.ofMillis(10)).onBackpressureDrop()
                .flatMap(t -> Flux.fromIterable(buckets[(int) (t % 100)])
                        .flatMap(id -> bareGet(http, id, polls).onErrorResume(e -> Mono.empty()), 4096), 64));
    }

    /** As many polls as 128 at once allow. */
    private static double[] bareSaturated(SimProcess sim, List<String> ids) throws InterruptedException {
        return bare(sim, (http, polls) -> Flux.range(0, Integer.MAX_VALUE)
                .flatMap(i -> bareGet(http, ids.get(i % ids.size()), polls).onErrorResume(e -> Mono.empty()), 128));
    }

    /** Runs a bare loop on its own pool (taskpoll's default settings: 256 connections) and measures it. */
    private static double[] bare(SimProcess sim,
                                 java.util.function.BiFunction<HttpClient, AtomicLong, Flux<Boolean>> loop)
            throws InterruptedException {
        ConnectionProvider pool = ConnectionProvider.builder("bare").maxConnections(256).pendingAcquireMaxCount(-1)
                .build();
        AtomicLong polls = new AtomicLong();
        Disposable running = loop.apply(bareClient(sim, pool), polls).subscribe();
        try {
            return measure(polls::get);
        } finally {
            running.dispose();
            pool.disposeLater().block();
        }
    }

    private static double[] taskpollPaced(SimProcess sim, List<String> ids) throws InterruptedException {
        try (TaskpollClient client = client(sim, SimTime.realTime(), PollPolicy.of(Duration.ofSeconds(1),
                Duration.ofHours(1)))) {
            Disposable all = Flux.fromIterable(ids).flatMap(id -> client.track(TaskRef.of(id, Family.VEO)),
                    Integer.MAX_VALUE).subscribe();
            Disposable trace = Boolean.getBoolean("bench.trace") ? Flux.interval(Duration.ofSeconds(2))
                    .subscribe(t -> System.err.println("B: " + client.tracker().stats() + " " + client.poolStats()))
                    : () -> { };
            try {
                return measure(() -> client.tracker().stats().requestsSent());
            } finally {
                trace.dispose();
                all.dispose();
            }
        }
    }

    /** Polls/s and client CPU us per poll over 20 s, after 5 s of warm-up. */
    private static double[] measure(java.util.function.LongSupplier polls) throws InterruptedException {
        Thread.sleep(5_000);
        long p0 = polls.getAsLong();
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        Thread.sleep(20_000);
        long p = polls.getAsLong() - p0;
        long c = cpuNanos() - c0;
        double secs = (System.nanoTime() - t0) / 1e9;
        return new double[] {p / secs, c / 1000.0 / p};
    }

    // ---------------------------------------------------------------- figures

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static double pct(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
    }

    private static void write(Path results, String section) throws java.io.IOException {
        String begin = "<!-- bench:begin -->";
        String end = "<!-- bench:end -->";
        String text = Files.exists(results) ? Files.readString(results, StandardCharsets.UTF_8) : "";
        int a = text.indexOf(begin);
        int b = text.indexOf(end);
        String block = begin + "\n" + section + end;
        text = a >= 0 && b > a ? text.substring(0, a) + block + text.substring(b + end.length())
                : text + (text.endsWith("\n") ? "\n" : "\n\n") + block + "\n";
        Files.writeString(results, text, StandardCharsets.UTF_8);
    }
}
