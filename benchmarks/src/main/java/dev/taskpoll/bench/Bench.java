package dev.taskpoll.bench;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.FleetOptions;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.catalog.Family;
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

/**
 * The load harness: {@code java -jar benchmarks/target/taskpoll-bench.jar [--scenarios A,B,C,D,E] [--results FILE]
 * [--sizes 10000,100000]}. The simulator runs in its own JVM; this JVM is the client, whose CPU, heap and threads are
 * measured. Writes its tables into RESULTS.md between {@code <!-- bench:begin -->} and {@code <!-- bench:end -->}.
 */
public final class Bench {

    /** The poll period of scenarios A and C: taskpoll's default for VEO, and the docs' advice (simulated time). */
    static final Duration PERIOD = Duration.ofSeconds(30);

    private final Path simulatorJar;
    private final StringBuilder report = new StringBuilder();
    private final Path results;
    private String threadNames = "";

    private Bench(Path simulatorJar, Path results) {
        this.simulatorJar = simulatorJar;
        this.results = results;
    }

    public static void main(String[] args) throws Exception {
        String scenarios = "A,B,C,D,E";
        Path results = Path.of("benchmarks/RESULTS.md");
        List<Integer> sizes = List.of(10_000, 100_000);
        List<Integer> paced = List.of(10_000, 30_000);
        int peerSize = 10_000;
        Path jar = Path.of("testkit/target/taskpoll-simulator.jar");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--scenarios" -> scenarios = args[++i].toUpperCase(Locale.ROOT);
                case "--results" -> results = Path.of(args[++i]);
                case "--sizes" -> sizes = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--paced" -> paced = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--peers" -> peerSize = Integer.parseInt(args[++i]);
                case "--simulator" -> jar = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown flag '" + args[i]
                        + "'; flags: --scenarios A,B --results FILE --sizes N,N --paced N,N --peers N --simulator JAR");
            }
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("--simulator: " + jar + " not found; run mvn -B -q install -DskipTests");
        }
        Bench bench = new Bench(jar, results);
        bench.header(String.join(" ", args));
        bench.warmUp(scenarios.contains("A") || scenarios.contains("C"));
        if (scenarios.contains("A")) {
            bench.scale(sizes);
        }
        if (scenarios.contains("B")) {
            bench.throughput(paced);
        }
        if (scenarios.contains("C")) {
            bench.peers(peerSize);
        }
        if (scenarios.contains("D")) {
            bench.report.append(Cadence.run(2_000, results.resolveSibling("cadence.png")));
        }
        if (scenarios.contains("E")) {
            bench.micro();
        }
        System.out.println(bench.report);
        write(results, bench.report.toString());
    }

    private void header(String args) {
        report.append("## Load harness (benchmarks issue): run of ").append(LocalDate.now()).append("\n\n")
                .append("Command (after `mvn -B -q install -DskipTests`): `java ")
                .append(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments())) // as run
                .append(" -jar benchmarks/target/taskpoll-bench.jar").append(args.isEmpty() ? "" : " " + args)
                .append("`\n\n")
                .append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, JDK ")
                .append(System.getProperty("java.version")).append(" (").append(System.getProperty("java.vm.name"))
                .append("), client heap max ").append(Runtime.getRuntime().maxMemory() >> 20)
                .append(" MiB. The simulator runs in its own JVM on the same two cores.\n\n");
    }

    // ---------------------------------------------------------------- A. scale, C. peers

    private static final String SCALE_COLUMNS = "| engine | N | time scale | CPU/poll (us) | heap/task (B) | peak live threads "
            + "| polls/task | lateness at the simulator p50 / p99 (ms) | timer lateness at the client p50 / p99 (ms) "
            + "| detection lag p50 / p99 (s) | all final | GC pauses client / simulator (n, max ms, all ms) "
            + "| CPU stolen by the host (%) |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";

    private static final String SCALE_METHOD = "VEO tasks created in the simulator, then tracked, tracking started over "
            + "one poll period (as a service sees submissions arrive); 30 s poll period (taskpoll's default for the "
            + "family) on simulated time at x(300,000 / N, from 1 to 20: client and simulator alike, so the client "
            + "polls at most 10,000 times a real second, and the largest N fits the scenario's 3 minutes); generation 2-5 simulated minutes; no faults. CPU per poll = "
            + "client process CPU time (less the harness's own full GCs) / status requests; heap per task = (heap "
            + "after a full GC once all N are tracked - heap after a full GC before the engine was created) / N; "
            + "lateness at the simulator = a poll's arrival there minus its slot on the task's fixed grid (the grid's "
            + "phase is the task's most punctual poll), in real ms: the engine's timing, the fleet budget's queue, "
            + "the pool, the network and the simulator's own pauses together; its first figures leave out the polls "
            + "due while the harness's full GCs (for the heap figure) stopped this JVM and in the poll period after "
            + "(at least 5 real s), while the backlog they left drains; 'all' keeps them; 'after the first two "
            + "periods' leaves out the start of tracking too; timer lateness at the client = how "
            + "late taskpoll's shared timer woke up against the time it asked for, per wake-up, in real ms (the "
            + "engine's timing alone; the peers' timers are their own, not measured); detection lag = the simulator finishing a task "
            + "to the first poll that saw it, in simulated s; GC pauses = the stop-the-world pauses of each JVM from "
            + "the start of tracking to the last task's end (the harness's own full GCs left out), which the lateness "
            + "at the simulator includes: the client's from its GC notifications, the simulator's from its GC log. CPU stolen = the share of the "
            + "machine's CPU time the host gave to other guests over the same window (/proc/stat), which the lateness "
            + "includes too. All from the simulator's ledger, never from the "
            + "client's own account.\n\n";

    /**
     * Thrown away, so that the JIT has compiled the shared paths before anything is measured: 13 s of taskpoll
     * polling 5,000 tasks a second, then (before A or C) one whole scale row of 10,000 tasks at x20. Without the
     * second, the first row measured ran on half-compiled code: A's 10,000 row had its polls 250 ms late at p50,
     * beside 3 ms for the same row in C, run later.
     */
    private void warmUp(boolean scaleRows) throws Exception {
        try (SimProcess sim = SimProcess.start(simulatorJar, "--scale", "1", "--generation", "PT10H,PT10H")) {
            taskpollPaced(sim, sim.createVeoTasks(5_000), Duration.ofSeconds(1));
        }
        if (scaleRows) {
            scaleRow(10_000, scaleFor(10_000), Engines::taskpoll);
        }
    }

    private void scale(List<Integer> sizes) throws Exception {
        List<ScaleRow> rows = new ArrayList<>();
        report.append("### A. Scale\n\n").append(SCALE_METHOD).append(SCALE_COLUMNS);
        for (int n : sizes) {
            double k = scaleFor(n);
            rows.add(scaleRow(n, k, Engines::taskpoll));
            report.append(rows.get(rows.size() - 1).line());
        }
        report.append('\n');
        List<String> labels = rows.stream().map(r -> String.format(Locale.ROOT, "N = %,d", r.n())).toList();
        report.append(Charts.chart("A. Scale: taskpoll").panel("heap per tracked task (B)", labels,
                        rows.stream().map(r -> (double) r.heapPerTask()).toList(), 1024.0)
                .panel("poll lateness p99 at the simulator (ms, harness GC left out)", labels,
                        rows.stream().map(ScaleRow::lateP99).toList(), 20.0)
                .panel("timer lateness p99 at the client (ms, harness GC left out)", labels,
                        rows.stream().map(ScaleRow::wakeP99).toList(), 20.0)
                .panel("CPU per poll (us)", labels, rows.stream().map(ScaleRow::cpuPerPoll).toList(), null)
                .write(results.resolveSibling("scale.png")));
        report.append("Live threads at the largest N: ").append(threadNames).append("\n\n");
    }

    private void peers(int n) throws Exception {
        double k = scaleFor(n);
        Duration interval = Duration.ofMillis((long) (PERIOD.toMillis() / k));
        report.append("### C. Peers\n\nThe same ").append(String.format(Locale.ROOT, "%,d", n)).append(
                " tasks tracked by each engine in turn, each against a fresh simulator, as in A. The Reactor-based peers "
                + "drive the same poll function (Reactor Netty GET on a 256-connection pool, Jackson parse); their "
                + "fixed interval is the 30 s period in real time (").append(interval.toMillis()).append(
                " ms at x").append((int) k).append(").\n\n").append(SCALE_COLUMNS);
        List<ScaleRow> rows = new ArrayList<>();
        rows.add(scaleRow(n, k, Engines::taskpoll));
        rows.add(scaleRow(n, k, (sim, time) -> Engines.azure(sim, interval)));
        rows.add(scaleRow(n, k, (sim, time) -> Engines.aws(sim, interval)));
        rows.add(scaleRow(n, k, (sim, time) -> Engines.naive(sim, interval)));
        rows.forEach(r -> report.append(r.line()));
        report.append('\n');
        List<String> labels = rows.stream().map(ScaleRow::engine).toList();
        report.append(Charts.chart(String.format(Locale.ROOT, "C. Peers, N = %,d", n))
                .panel("CPU per poll (us)", labels, rows.stream().map(ScaleRow::cpuPerPoll).toList(), null)
                .panel("heap per tracked task (B)", labels, rows.stream().map(r -> (double) r.heapPerTask()).toList(),
                        null)
                .panel("live threads", labels, rows.stream().map(r -> (double) r.threads()).toList(), null)
                .panel("poll lateness p99 (ms, harness GC left out)", labels,
                        rows.stream().map(ScaleRow::lateP99).toList(), null)
                .panel("detection lag p99 (simulated s)", labels, rows.stream().map(ScaleRow::lagP99).toList(), null)
                .write(results.resolveSibling("peers.png")));
    }

    /**
     * How much faster than real time N tasks run: 300,000 / N, from 1 to 20. At 100,000 that is x3 (10,000 polls a
     * real second): 100,000 tasks finishing 2-5 simulated minutes after creation, plus a period to see it, take
     * about two real minutes; at x2 the scenario overran its 3 minutes.
     */
    static double scaleFor(int n) {
        return Math.max(1, Math.min(20, 300_000.0 / n));
    }

    /** One engine at one N: the figures, and the table line. */
    record ScaleRow(String engine, int n, double cpuPerPoll, long heapPerTask, int threads, double lateP99,
                    double wakeP99, double lagP99, String line) {
    }

    private ScaleRow scaleRow(int n, double k, java.util.function.BiFunction<SimProcess, SimTime, Engines> make)
            throws Exception {
        try (SimProcess sim = SimProcess.start(simulatorJar, "--scale", String.valueOf(k),
                "--generation", "PT2M,PT5M", "--seed", "1")) {
            long t0 = System.nanoTime();
            List<String> ids = sim.createVeoTasks(n + 1);
            System.err.printf("N=%d x%.0f: %d tasks created in %.1f s%n", n, k, n + 1, (System.nanoTime() - t0) / 1e9);
            String marker = ids.get(n); // never tracked: polled by the harness around its own full GCs
            long heap0 = heapAfterGc();
            WakeUps wakeUps = new WakeUps(reactor.core.scheduler.Schedulers.parallel());
            SimTime time = SimTime.accelerated(k, wakeUps);
            ManagementFactory.getThreadMXBean().resetPeakThreadCount();
            try (Engines engine = make.apply(sim, time); GcPauses clientGc = GcPauses.client()) {
                long runFrom = System.nanoTime();
                long[] steal0 = HostSteal.sample();
                long cpu0 = cpuNanos();
                long polls0 = engine.polls();
                AtomicLong finals = new AtomicLong();
                AtomicLong ended = new AtomicLong();
                CompletableFuture<Void> done = new CompletableFuture<>();
                // one subscriber per task, as a service tracking independent requests has: not one flatMap over N
                // inners, whose drain loop visits every inner on each signal (O(N) per status)
                long pause = time.toReal(PERIOD).toMillis() / 100;
                int started = 0;
                String stopped = null;
                for (; started < n; started++) {
                    if (started % Math.max(1, n / 100) == 0 && started > 0) {
                        Thread.sleep(pause);
                    }
                    try {
                        engine.track(ids.get(started), ok -> {
                            if (ok) {
                                finals.incrementAndGet();
                            }
                            if (ended.incrementAndGet() == n) {
                                done.complete(null);
                            }
                        });
                    } catch (Throwable e) { // a peer that runs out of threads or memory stops here
                        stopped = e.toString();
                        break;
                    }
                }
                Thread.sleep(time.toReal(Duration.ofSeconds(75)).toMillis()); // every task polled at least twice
                sim.mark(marker);
                long gcFromNanos = System.nanoTime();
                wakeUps.skip(gcFromNanos, Long.MAX_VALUE);
                long gcCpu0 = cpuNanos();
                long heap1 = heapAfterGc();
                long gcCpu = cpuNanos() - gcCpu0;
                wakeUps.skip(gcFromNanos, System.nanoTime() + 5_000_000_000L);
                sim.mark(marker);
                int threads = ManagementFactory.getThreadMXBean().getPeakThreadCount();
                threadNames = threadNames();
                if (stopped == null) {
                    try {
                        done.get(time.toReal(Duration.ofMinutes(8)).toMillis(), TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        System.err.printf("%s N=%d: %d of %d ended after 8 simulated minutes%n", engine.name(), n,
                                ended.get(), n);
                    }
                }
                long runTo = System.nanoTime();
                String stolen = HostSteal.percent(steal0, HostSteal.sample());
                String pauses = GcPauses.summary(clientGc.between(runFrom, runTo)) + " / "
                        + GcPauses.summary(sim.gcPauses(runFrom, runTo));
                long cpu = cpuNanos() - cpu0 - gcCpu;
                long polls = engine.polls() - polls0;
                SimProcess.Ledger ledger = sim.ledger();
                List<Instant> gc = ledger.pollsOf(marker);
                // polls due while the harness's full GCs stopped this JVM, or in the period after (at least 5 real s)
                // while the backlog they left drains: not the engine's. The drain takes pause x rate / (capacity -
                // rate): on this machine, slowed by its host, up to ~7 real s at 100,000 (5 s was once enough)
                Instant gcFrom = gc.get(0);
                Instant gcTo = gc.get(gc.size() - 1).plus(Duration.ofNanos((long) Math.max(5e9 * k,
                        PERIOD.toNanos())));
                double[] late = lateness(ledger, PERIOD, k, marker, gcFrom, gcTo);
                double[] lateAll = lateness(ledger, PERIOD, k, marker, Instant.MAX, Instant.MAX);
                double[] lateSteady = lateness(ledger, PERIOD, k, marker, gcFrom, gcTo, 2);
                double[] lag = detectionLag(ledger, marker);
                System.err.printf("%s N=%d done; polls over 20 ms late, by real second of the run: %s%n",
                        engine.name(), n, lateTimeline(ledger, PERIOD, k, marker, 20));
                if (stopped != null) {
                    return new ScaleRow(engine.name(), n, Double.NaN, 0, threads, Double.NaN, Double.NaN, Double.NaN,
                            String.format(Locale.ROOT, "| %s | %,d | x%.0f | could not track more than %,d: %s "
                            + "| | %d | | | | | | %s |%n", engine.name(), n, k, started, stopped, threads, stolen));
                }
                double cpuPerPoll = cpu / 1000.0 / polls;
                long heapPerTask = (heap1 - heap0) / n;
                boolean timed = engine.name().equals("taskpoll"); // the peers do not use the harness's scheduler
                double wakeP50 = timed ? wakeUps.percentile(50) : Double.NaN;
                double wakeP99 = timed ? wakeUps.percentile(99) : Double.NaN;
                return new ScaleRow(engine.name(), n, cpuPerPoll, heapPerTask, threads, pct(late, 99), wakeP99,
                        pct(lag, 99), String.format(Locale.ROOT, "| %s | %,d | x%.0f | %.1f | %,d | %d | %.1f | %.1f / %.1f (all: %.1f / %.1f; "
                                + "after the first two periods: %.1f / %.1f) | %s | %.1f / %.1f | %d of %d | %s | %s |%n",
                        engine.name(), n, k, cpuPerPoll,
                        heapPerTask, threads, polls / (double) n, pct(late, 50), pct(late, 99),
                        pct(lateAll, 50), pct(lateAll, 99), pct(lateSteady, 50), pct(lateSteady, 99), timed ? String.format(Locale.ROOT, "%.1f / %.1f",
                                wakeP50, wakeP99) : "-", pct(lag, 50), pct(lag, 99), finals.get(), n, pauses, stolen));
            }
        }
    }

    static TaskpollClient client(SimProcess sim, SimTime time, PollPolicy policy) {
        // the shared budget stays on, with a ceiling above the load (its default, 500/s, is for real APIs)
        return TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl).apiKey(SimProcess.KEY)
                // the default 10 ms tick in real time, whatever the acceleration (at x20, 10 simulated ms would be
                // a wake-up every 0.5 real ms: 20 times the production rate)
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).policy(Family.VEO, policy)
                        .timerResolution(Duration.ofMillis(Math.round(10 * time.scale())))
                        .fleet("off".equals(System.getProperty("bench.budget")) ? FleetOptions.disabled()
                                : FleetOptions.ofMaxRate(200_000).withMaxInFlight(Integer.getInteger("bench.inflight",
                                256))).build())
                .build());
    }

    /**
     * Per poll: arrival minus its slot on the task's fixed grid, in real ms. The grid's phase is the task's earliest
     * {@code poll_k - k * period} (its most punctual poll), so the figure does not depend on when tracking began.
     */
    static double[] lateness(SimProcess.Ledger ledger, Duration period, double scale, String marker,
                                     Instant skipFrom, Instant skipTo) {
        return lateness(ledger, period, scale, marker, skipFrom, skipTo, 0);
    }

    /**
     * As above, leaving out too the polls whose slot falls in the run's first {@code skipPeriods} periods (from its
     * first poll anywhere): with tracking started over the first period, what remains is the steady state.
     */
    static double[] lateness(SimProcess.Ledger ledger, Duration period, double scale, String marker,
                             Instant skipFrom, Instant skipTo, int skipPeriods) {
        List<Double> out = new ArrayList<>();
        long from = skipFrom == Instant.MAX ? Long.MAX_VALUE : nanos(skipFrom);
        long to = skipTo == Instant.MAX ? Long.MAX_VALUE : nanos(skipTo);
        long steadyFrom = skipPeriods == 0 ? Long.MIN_VALUE : firstPoll(ledger) + skipPeriods * period.toNanos();
        eachPoll(ledger, period, marker, (at, slot) -> {
            if (slot >= steadyFrom && !((slot >= from && slot <= to) || (at >= from && at <= to))) {
                out.add((at - slot) / 1e6 / scale);
            }
        });
        return out.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /**
     * Where in the run the polls later than {@code thresholdMs} (real) fell: real second since the first poll ->
     * count, the ten busiest seconds. Late polls bunched in a few seconds point at pauses; spread evenly, at queueing.
     */
    static String lateTimeline(SimProcess.Ledger ledger, Duration period, double scale, String marker,
                               double thresholdMs) {
        long first = firstPoll(ledger);
        java.util.TreeMap<Long, Integer> bySecond = new java.util.TreeMap<>();
        eachPoll(ledger, period, marker, (at, slot) -> {
            if ((at - slot) / 1e6 / scale > thresholdMs) {
                bySecond.merge((long) ((at - first) / 1e9 / scale), 1, Integer::sum);
            }
        });
        int total = bySecond.values().stream().mapToInt(Integer::intValue).sum();
        String marks = ledger.pollsOf(marker).stream()
                .map(a -> String.format(Locale.ROOT, "%.1fs", (nanos(a) - first) / 1e9 / scale)).toList().toString();
        java.util.OptionalLong end = ledger.finishedAt().stream().mapToLong(Bench::nanos).min();
        String firstEnd = end.isPresent()
                ? String.format(Locale.ROOT, "%.1fs", (end.getAsLong() - first) / 1e9 / scale) : "-";
        return total + " in " + bySecond.size() + " seconds (the harness's full GCs between the marks " + marks
                + "; the first task finished at " + firstEnd + "); busiest " + bySecond.entrySet().stream()
                .sorted(java.util.Map.Entry.<Long, Integer>comparingByValue().reversed()).limit(10)
                .map(e -> e.getKey() + "s:" + e.getValue()).toList();
    }

    /** A poll's arrival and its slot on its task's grid, epoch nanos (simulated time). */
    @FunctionalInterface
    private interface PollVisitor {
        void poll(long atNanos, long slotNanos);
    }

    /**
     * Every poll of every task but the marker, with its slot on the task's grid: the task's earliest
     * {@code poll_k - k * period} (its most punctual poll) plus {@code k * period}.
     */
    private static void eachPoll(SimProcess.Ledger ledger, Duration period, String marker, PollVisitor visitor) {
        long p = period.toNanos();
        for (int t = 0; t < ledger.ids().size(); t++) {
            if (ledger.ids().get(t).equals(marker)) {
                continue;
            }
            List<Instant> polls = ledger.polls().get(t);
            long phase = Long.MAX_VALUE;
            for (int i = 0; i < polls.size(); i++) {
                phase = Math.min(phase, nanos(polls.get(i)) - i * p);
            }
            for (int i = 0; i < polls.size(); i++) {
                visitor.poll(nanos(polls.get(i)), phase + i * p);
            }
        }
    }

    /** The run's first poll of any task, epoch nanos (simulated time). */
    private static long firstPoll(SimProcess.Ledger ledger) {
        return ledger.polls().stream().flatMap(List::stream).mapToLong(Bench::nanos).min().orElse(0);
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** Per task: the simulator finishing it to the first poll at or after, in simulated seconds. */
    static double[] detectionLag(SimProcess.Ledger ledger, String marker) {
        List<Double> out = new ArrayList<>();
        for (int t = 0; t < ledger.polls().size(); t++) {
            if (ledger.ids().get(t).equals(marker)) {
                continue;
            }
            Instant fin = ledger.finishedAt().get(t);
            ledger.polls().get(t).stream().filter(a -> !a.isBefore(fin)).findFirst()
                    .ifPresent(a -> out.add(Duration.between(fin, a).toMillis() / 1000.0));
        }
        return out.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    // ---------------------------------------------------------------- B. throughput and overhead

    private void throughput(List<Integer> paced) throws Exception {
        report.append("### B. Throughput and overhead\n\nThe same simulator (real time, tasks that never finish), "
                + "N tasks each polled every second, side by side in one run, in turn (bare, taskpoll, bare, taskpoll: four "
                + "windows of 10 s measured after 3 s of warm-up; each engine's figure is its window with the lower "
                + "CPU per poll, as this shared machine sometimes slows a whole window of either):"
                + " taskpoll (shared budget on, ceiling 200,000/s, 256 in flight) and a hand-written Reactor Netty loop with the "
                + "same pool settings (256 connections), a shared 10 ms tick firing the polls due together, and "
                + "a Jackson parse of each body (no engine: no state, no retries, no budget). Last row: both "
                + "saturated (taskpoll asked for 10 polls per task per second; the bare loop a `flatMap` of GETs, 128 "
                + "at once): the most each sustains on this machine.\n\n"
                + "| load | taskpoll polls/s | taskpoll CPU/poll (us) | bare polls/s | bare CPU/poll (us) "
                + "| CPU ratio taskpoll / bare |\n|---|---|---|---|---|---|\n");
        try (SimProcess sim = SimProcess.start(simulatorJar, "--scale", "1", "--generation", "PT10H,PT10H")) {
            List<String> ids = sim.createVeoTasks(paced.stream().mapToInt(Integer::intValue).max().orElse(1));
            List<String> labels = new ArrayList<>();
            List<Double> rates = new ArrayList<>();
            List<Double> cpus = new ArrayList<>();
            for (int n : paced) {
                List<String> some = ids.subList(0, n);
                double[][] both = interleaved(() -> barePaced(sim, some),
                        () -> taskpollPaced(sim, some, Duration.ofSeconds(1)));
                double[] bare = both[0];
                double[] tp = both[1];
                report.append(String.format(Locale.ROOT, "| %,d tasks at 1 s | %,.0f | %.1f | %,.0f | %.1f | %.2f |%n",
                        n, tp[0], tp[1], bare[0], bare[1], tp[1] / bare[1]));
                String load = String.format(Locale.ROOT, "%,d tasks at 1 s", n);
                labels.addAll(List.of("taskpoll, " + load, "bare loop, " + load));
                rates.addAll(List.of(tp[0], bare[0]));
                cpus.addAll(List.of(tp[1], bare[1]));
            }
            double[][] saturated = interleaved(() -> bareSaturated(sim, ids),
                    () -> taskpollPaced(sim, ids, Duration.ofMillis(100)));
            double[] sat = saturated[0];
            double[] tpMax = saturated[1];
            report.append(String.format(Locale.ROOT, "| saturated: %,d tasks at 0.1 s for taskpoll; 128 at once for "
                    + "the bare loop | %,.0f | %.1f | %,.0f | %.1f | %.2f |%n%n", ids.size(), tpMax[0], tpMax[1], sat[0],
                    sat[1], tpMax[1] / sat[1]));
            labels.addAll(List.of("taskpoll, saturated", "bare loop, saturated"));
            rates.addAll(List.of(tpMax[0], sat[0]));
            cpus.addAll(List.of(tpMax[1], sat[1]));
            report.append(Charts.chart("B. Throughput and overhead, side by side").panel("polls per second", labels,
                            rates, null).panel("client CPU per poll (us)", labels, cpus, null)
                    .write(results.resolveSibling("throughput.png")));
        }
    }

    /** One measurement window of one engine: {polls/s, CPU us per poll}. */
    @FunctionalInterface
    private interface Window {
        double[] run() throws InterruptedException;
    }

    /**
     * The bare loop and taskpoll in turn, twice (bare, taskpoll, bare, taskpoll), each keeping the window with the
     * lower CPU per poll: on this shared machine either engine sometimes runs a whole window at up to twice its usual
     * CPU per poll (seen for both), and one window each would report that as the ratio. Returns {bare, taskpoll}.
     */
    private static double[][] interleaved(Window bare, Window taskpoll) throws InterruptedException {
        double[] b = null;
        double[] t = null;
        for (int round = 0; round < 2; round++) {
            double[] b1 = bare.run();
            double[] t1 = taskpoll.run();
            System.err.printf(Locale.ROOT, "B window %d: bare %,.0f/s at %.1f us, taskpoll %,.0f/s at %.1f us%n",
                    round + 1, b1[0], b1[1], t1[0], t1[1]);
            b = b == null || b1[1] < b[1] ? b1 : b;
            t = t == null || t1[1] < t[1] ? t1 : t;
        }
        return new double[][] {b, t};
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
        return bare(sim, fn -> Flux.interval(Duration.ofMillis(10)).onBackpressureDrop()
                .flatMap(t -> Flux.fromIterable(buckets[(int) (t % 100)])
                        .flatMap(id -> fn.poll(id).onErrorResume(e -> Mono.empty()), 4096), 64));
    }

    /** As many polls as 128 at once allow. */
    private static double[] bareSaturated(SimProcess sim, List<String> ids) throws InterruptedException {
        return bare(sim, fn -> Flux.range(0, Integer.MAX_VALUE)
                .flatMap(i -> fn.poll(ids.get(i % ids.size())).onErrorResume(e -> Mono.empty()), 128));
    }

    /**
     * Runs a bare loop on the peers' poll function (its own pool, taskpoll's default settings: 256 connections; a
     * Jackson parse of each body) and measures it.
     */
    private static double[] bare(SimProcess sim, java.util.function.Function<Engines.PollFunction, Flux<String>> loop)
            throws InterruptedException {
        try (Engines.PollFunction fn = new Engines.PollFunction(sim)) {
            Disposable running = loop.apply(fn).subscribe();
            try {
                return measure(fn.polls::get);
            } finally {
                running.dispose();
            }
        }
    }

    private static double[] taskpollPaced(SimProcess sim, List<String> ids, Duration period)
            throws InterruptedException {
        try (TaskpollClient client = client(sim, SimTime.realTime(), PollPolicy.of(period, Duration.ofHours(1)))) {
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

    /** Polls/s and client CPU us per poll over 10 s, after 3 s of warm-up. */
    private static double[] measure(java.util.function.LongSupplier polls) throws InterruptedException {
        Thread.sleep(3_000);
        long p0 = polls.getAsLong();
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        Thread.sleep(10_000);
        long p = polls.getAsLong() - p0;
        long c = cpuNanos() - c0;
        double secs = (System.nanoTime() - t0) / 1e9;
        return new double[] {p / secs, c / 1000.0 / p};
    }

    // ---------------------------------------------------------------- E. micro

    private void micro() throws Exception {
        java.util.Collection<org.openjdk.jmh.results.RunResult> results = new org.openjdk.jmh.runner.Runner(
                new org.openjdk.jmh.runner.options.OptionsBuilder().include(HotPaths.class.getName()).build()).run();
        report.append("### E. Micro (JMH 1.37)\n\n`HotPaths`: one fork, 3 x 2 s warm-up, 5 x 2 s measured, average "
                + "time per operation. decodeStatus: a 200-byte OPC status body to a TaskStatus; scheduleAndCancel: "
                + "one entry into a shared timer holding 100,000 and out again; pollAndTransition: one whole poll of "
                + "a tracked task on virtual time with a synchronous source (timer fire, poll, comparison, emission, "
                + "next slot). Also runnable alone: `java -cp benchmarks/target/taskpoll-bench.jar "
                + "org.openjdk.jmh.Main HotPaths`.\n\n| benchmark | ns/op | error (99.9%) |\n|---|---|---|\n");
        List<String> labels = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        for (org.openjdk.jmh.results.RunResult r : results) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            report.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f |%n", name,
                    r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()));
            labels.add(name);
            scores.add(r.getPrimaryResult().getScore());
        }
        report.append('\n').append(Charts.chart("E. Hot paths (JMH)").panel("ns per operation", labels, scores, null)
                .write(this.results.resolveSibling("micro.png")));
    }

    // ---------------------------------------------------------------- figures

    /** The live threads' names, grouped by pool (the digits dropped), with counts. */
    private static String threadNames() {
        java.util.Map<String, Long> byName = java.util.Arrays.stream(
                        ManagementFactory.getThreadMXBean().dumpAllThreads(false, false))
                .map(t -> t.getThreadName().replaceAll("\\d+", "#"))
                .collect(java.util.stream.Collectors.groupingBy(x -> x, java.util.TreeMap::new,
                        java.util.stream.Collectors.counting()));
        return byName.entrySet().stream().map(e -> e.getKey() + (e.getValue() > 1 ? " x" + e.getValue() : ""))
                .collect(java.util.stream.Collectors.joining(", "));
    }

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

    static double pct(double[] sorted, double p) {
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
