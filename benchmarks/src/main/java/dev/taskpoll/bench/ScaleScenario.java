package dev.taskpoll.bench;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.FleetOptions;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.spi.TaskStore;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.testkit.SimTime;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenarios A (scale: N tasks tracked by taskpoll) and C (peers: the same N by each engine in turn), against a
 * simulator in its own JVM: CPU per poll, heap per task, threads, lateness at the simulator, detection lag, GC pauses.
 */
final class ScaleScenario {

    private final Path simulatorJar;
    private final Path results;
    private final StringBuilder report;
    /** The live threads at the largest N, for the report. */
    String threadNames = "";

    ScaleScenario(Path simulatorJar, Path results, StringBuilder report) {
        this.simulatorJar = simulatorJar;
        this.results = results;
        this.report = report;
    }

    static final String SCALE_COLUMNS = "| engine | N | time scale | CPU/poll (us) | heap/task (B) | peak live threads "
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

    void scale(List<Integer> sizes) throws Exception {
        List<ScaleRow> rows = new ArrayList<>();
        report.append("### A. Scale\n\n").append(SCALE_METHOD);
        if (!Bench.PERIOD.equals(Duration.ofSeconds(30))) {
            report.append("This run's poll period: ").append(Bench.PERIOD.toSeconds())
                    .append(" s (-Dbench.period), not 30 s.\n\n");
        }
        report.append(SCALE_COLUMNS);
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

    void peers(int n) throws Exception {
        double k = scaleFor(n);
        Duration interval = Duration.ofMillis((long) (Bench.PERIOD.toMillis() / k));
        report.append("### C. Peers\n\nThe same ").append(String.format(Locale.ROOT, "%,d", n)).append(
                " tasks tracked by each engine in turn, each against a fresh simulator, as in A. The Reactor-based peers "
                + "drive the same poll function (Reactor Netty GET on a 256-connection pool, Jackson parse, HTTP/1.1); "
                + "their fixed interval is the 30 s period in real time (").append(interval.toMillis()).append(
                " ms at x").append((int) k).append("). taskpoll runs with its client's defaults: over https it offers "
                + "HTTP/2, and the simulator takes it; a second row has it told HTTP/1.1, as the peers.\n\n")
                .append(SCALE_COLUMNS);
        boolean h2Offered = Boolean.getBoolean("bench.https") && !"false".equals(System.getProperty("bench.http2"));
        List<ScaleRow> rows = new ArrayList<>();
        rows.add(scaleRow(n, k, Engines::taskpoll));
        if (h2Offered) {
            rows.add(scaleRow(n, k, Engines::taskpollHttp11));
        }
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

    /**
     * One engine at one N: the figures, and the table line; {@code jitPerPoll} and {@code storePerPoll} are the parts
     * of {@code cpuPerPoll} the JIT's compiler threads and the embedded store's thread spent.
     */
    record ScaleRow(String engine, int n, double cpuPerPoll, double jitPerPoll, double storePerPoll, long heapPerTask,
                    int threads, double lateP99, double wakeP99, double lagP99, long polls, double seconds,
                    String line) {
    }

    ScaleRow scaleRow(int n, double k, java.util.function.BiFunction<SimProcess, SimTime, Engines> make)
            throws Exception {
        // -Dbench.https=true: the simulator serves https (an authority made for the run, which every engine trusts),
        // offering HTTP/2 by ALPN beside HTTP/1.1 as servers of https commonly do (-Dbench.http2=false: HTTP/1.1 only)
        List<String> args = new ArrayList<>(List.of("--scale", String.valueOf(k), "--generation", "PT2M,PT5M", "--seed",
                "1"));
        if (Boolean.getBoolean("bench.https")) {
            args.add("--https");
            if (!"false".equals(System.getProperty("bench.http2"))) {
                args.add("--http2");
            }
        }
        try (SimProcess sim = SimProcess.start(simulatorJar, args.toArray(String[]::new))) {
            long t0 = System.nanoTime();
            List<String> ids = sim.createVeoTasks(n + 1);
            System.err.printf("N=%d x%.0f: %d tasks created in %.1f s%n", n, k, n + 1, (System.nanoTime() - t0) / 1e9);
            String marker = ids.get(n); // never tracked: polled by the harness around its own full GCs
            long heap0 = Figures.heapAfterGc();
            WakeUps wakeUps = new WakeUps(reactor.core.scheduler.Schedulers.parallel());
            SimTime time = SimTime.accelerated(k, wakeUps);
            ManagementFactory.getThreadMXBean().resetPeakThreadCount();
            try (Engines engine = make.apply(sim, time); GcPauses clientGc = GcPauses.client()) {
                long runFrom = System.nanoTime();
                long[] steal0 = HostSteal.sample();
                long cpu0 = Figures.cpuNanos();
                long jit0 = Figures.jitNanos();
                long store0 = Figures.storeNanos();
                long polls0 = engine.polls();
                AtomicLong finals = new AtomicLong();
                AtomicLong ended = new AtomicLong();
                CompletableFuture<Void> done = new CompletableFuture<>();
                // one subscriber per task, as a service tracking independent requests has: not one flatMap over N
                // inners, whose drain loop visits every inner on each signal (O(N) per status)
                long pause = time.toReal(Bench.PERIOD).toMillis() / 100;
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
                long gcCpu0 = Figures.cpuNanos();
                long heap1 = Figures.heapAfterGc();
                long gcCpu = Figures.cpuNanos() - gcCpu0;
                wakeUps.skip(gcFromNanos, System.nanoTime() + 5_000_000_000L);
                sim.mark(marker);
                int threads = ManagementFactory.getThreadMXBean().getPeakThreadCount();
                threadNames = Figures.threadNames();
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
                long cpu = Figures.cpuNanos() - cpu0 - gcCpu;
                long jit = Figures.jitNanos() - jit0;
                long store = Figures.storeNanos() - store0;
                long polls = engine.polls() - polls0;
                SimProcess.Ledger ledger = sim.ledger();
                List<Instant> gc = ledger.pollsOf(marker);
                // polls due while the harness's full GCs stopped this JVM, or in the period after (at least 5 real s)
                // while the backlog they left drains: not the engine's. The drain takes pause x rate / (capacity -
                // rate): on this machine, slowed by its host, up to ~7 real s at 100,000 (5 s was once enough)
                Instant gcFrom = gc.get(0);
                Instant gcTo = gc.get(gc.size() - 1).plus(Duration.ofNanos((long) Math.max(5e9 * k,
                        Bench.PERIOD.toNanos())));
                double[] late = Ledgers.lateness(ledger, Bench.PERIOD, k, marker, gcFrom, gcTo);
                double[] lateAll = Ledgers.lateness(ledger, Bench.PERIOD, k, marker, Instant.MAX, Instant.MAX);
                double[] lateSteady = Ledgers.lateness(ledger, Bench.PERIOD, k, marker, gcFrom, gcTo, 2);
                double[] lag = Ledgers.detectionLag(ledger, marker);
                System.err.printf("%s N=%d done; polls over 20 ms late, by real second of the run: %s%n",
                        engine.name(), n, Ledgers.lateTimeline(ledger, Bench.PERIOD, k, marker, 20));
                if (stopped != null) {
                    return new ScaleRow(engine.name(), n, Double.NaN, Double.NaN, Double.NaN, 0, threads, Double.NaN,
                            Double.NaN, Double.NaN, 0, Double.NaN,
                            String.format(Locale.ROOT, "| %s | %,d | x%.0f | could not track more than %,d: %s "
                            + "| | %d | | | | | | %s |%n", engine.name(), n, k, started, stopped, threads, stolen));
                }
                double cpuPerPoll = cpu / 1000.0 / polls;
                long heapPerTask = (heap1 - heap0) / n;
                boolean timed = engine.name().equals("taskpoll"); // the peers do not use the harness's scheduler
                double wakeP50 = timed ? wakeUps.percentile(50) : Double.NaN;
                double wakeP99 = timed ? wakeUps.percentile(99) : Double.NaN;
                return new ScaleRow(engine.name(), n, cpuPerPoll, jit / 1000.0 / polls, store / 1000.0 / polls,
                        heapPerTask, threads,
                        Ledgers.pct(late, 99), wakeP99, Ledgers.pct(lag, 99), polls, (runTo - runFrom) / 1e9, String.format(Locale.ROOT, "| %s | %,d | x%.0f | %.1f | %,d | %d | %.1f | %.1f / %.1f (all: %.1f / %.1f; "
                                + "after the first two periods: %.1f / %.1f) | %s | %.1f / %.1f | %d of %d | %s | %s |%n",
                        engine.name(), n, k, cpuPerPoll,
                        heapPerTask, threads, polls / (double) n, Ledgers.pct(late, 50), Ledgers.pct(late, 99),
                        Ledgers.pct(lateAll, 50), Ledgers.pct(lateAll, 99), Ledgers.pct(lateSteady, 50), Ledgers.pct(lateSteady, 99), timed ? String.format(Locale.ROOT, "%.1f / %.1f",
                                wakeP50, wakeP99) : "-", Ledgers.pct(lag, 50), Ledgers.pct(lag, 99), finals.get(), n, pauses, stolen));
            }
        }
    }

    static TaskpollClient client(SimProcess sim, SimTime time, PollPolicy policy) {
        return client(sim, time, policy, TaskStore.none());
    }

    static TaskpollClient client(SimProcess sim, SimTime time, PollPolicy policy, TaskStore store) {
        return client(sim, time, policy, store, null, false);
    }

    /**
     * As above; {@code http2} offers HTTP/2 (h2 by ALPN over https) or not, null: the client's default (offered over
     * https, not over plain http); {@code openSsl} does TLS by OpenSSL (BoringSSL) instead of the JDK's; an https
     * simulator's authority is trusted.
     */
    static TaskpollClient client(SimProcess sim, SimTime time, PollPolicy policy, TaskStore store,
            @org.jspecify.annotations.Nullable Boolean http2, boolean openSsl) {
        ClientOptions.Builder b = ClientOptions.builder().openSsl(openSsl);
        if (http2 != null) {
            b.http2(http2);
        }
        if (sim.authority != null) {
            b.trustedCertificates(java.util.List.of(sim.authority));
        }
        // the shared budget stays on, with a ceiling above the load (its default, 500/s, is for real APIs)
        return TaskpollClient.create(b.baseUrl(sim.baseUrl).apiKey(SimProcess.KEY)
                // the default 10 ms tick in real time, whatever the acceleration (at x20, 10 simulated ms would be
                // a wake-up every 0.5 real ms: 20 times the production rate)
                .trackerOptions(TrackerOptions.builder().fixedGrid().scheduler(time.scheduler()).policy(Family.VEO, policy)
                        .store(store)
                        .timerResolution(Duration.ofMillis(Math.round(10 * time.scale())))
                        .fleet("off".equals(System.getProperty("bench.budget")) ? FleetOptions.disabled()
                                : FleetOptions.ofMaxRate(200_000).withMaxInFlight(Integer.getInteger("bench.inflight",
                                256))).build())
                .build());
    }
}
