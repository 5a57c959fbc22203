package dev.taskpoll.bench;

import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.testkit.SimTime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Scenario B: throughput and overhead, taskpoll side by side with a hand-written Reactor Netty loop on the same
 * simulator, paced and saturated.
 */
final class ThroughputScenario {

    private final Path simulatorJar;
    private final Path results;
    private final StringBuilder report;

    ThroughputScenario(Path simulatorJar, Path results, StringBuilder report) {
        this.simulatorJar = simulatorJar;
        this.results = results;
        this.report = report;
    }

    void run(List<Integer> paced) throws Exception {
        report.append("### B. Throughput and overhead\n\nThe same simulator (real time, tasks that never finish), "
                + "N tasks each polled every second, side by side in one run, in turn (bare, taskpoll, bare, taskpoll: four "
                + "windows of 10 s measured after 3 s of warm-up; each engine's figure is its window with the lower "
                + "CPU per poll, as this shared machine sometimes slows a whole window of either):"
                + " taskpoll (shared budget on, ceiling 200,000/s, 256 in flight) and a hand-written Reactor Netty loop with the "
                + "same pool settings (256 connections), a shared 10 ms tick firing the polls due together, and "
                + "a Jackson parse of each body (no engine: no state, no retries, no budget). Last row: both "
                + "saturated (taskpoll asked for 10 polls per task per second; the bare loop a `flatMap` of GETs, 128 "
                + "at once): the most each sustains on this machine. (JIT x): the part of CPU per poll the JIT's "
                + "compiler threads spent in that window.\n\n"
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
                report.append(String.format(Locale.ROOT, "| %,d tasks at 1 s | %,.0f | %.1f (JIT %.1f) | %,.0f | %.1f "
                        + "(JIT %.1f) | %.2f |%n", n, tp[0], tp[1], tp[2], bare[0], bare[1], bare[2], tp[1] / bare[1]));
                String load = String.format(Locale.ROOT, "%,d tasks at 1 s", n);
                labels.addAll(List.of("taskpoll, " + load, "bare loop, " + load));
                rates.addAll(List.of(tp[0], bare[0]));
                cpus.addAll(List.of(tp[1], bare[1]));
            }
            // experiments: -Dbench.b.satTasks=N (taskpoll's saturated row on the first N tasks), -Dbench.b.bareAtOnce=N
            List<String> satIds = ids.subList(0, Math.min(ids.size(), Integer.getInteger("bench.b.satTasks",
                    ids.size())));
            double[][] saturated = interleaved(() -> bareSaturated(sim, ids),
                    () -> taskpollPaced(sim, satIds, Duration.ofMillis(100)));
            double[] sat = saturated[0];
            double[] tpMax = saturated[1];
            report.append(String.format(Locale.ROOT, "| saturated: %,d tasks at 0.1 s for taskpoll; 128 at once for "
                    + "the bare loop | %,.0f | %.1f (JIT %.1f) | %,.0f | %.1f (JIT %.1f) | %.2f |%n%n", ids.size(), tpMax[0],
                    tpMax[1], tpMax[2], sat[0], sat[1], sat[2], tpMax[1] / sat[1]));
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
            System.err.printf(Locale.ROOT, "B window %d: bare %,.0f/s at %.1f us (JIT %.1f, GC %.0f ms, %.0f B "
                    + "allocated a poll), taskpoll %,.0f/s at %.1f us (JIT %.1f, GC %.0f ms, %.0f B allocated a poll)%n",
                    round + 1, b1[0], b1[1], b1[2], b1[3], b1[4], t1[0], t1[1], t1[2], t1[3], t1[4]);
            b = b == null || b1[1] < b[1] ? b1 : b;
            t = t == null || t1[1] < t[1] ? t1 : t;
        }
        return new double[][] {b, t};
    }

    /** A shared 10 ms tick firing the polls due together: each id once a second (100 buckets of ids). */
    static double[] barePaced(SimProcess sim, List<String> ids) throws InterruptedException {
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
    static double[] bareSaturated(SimProcess sim, List<String> ids) throws InterruptedException {
        return bare(sim, fn -> Flux.range(0, Integer.MAX_VALUE)
                .flatMap(i -> fn.poll(ids.get(i % ids.size())).onErrorResume(e -> Mono.empty()),
                        Integer.getInteger("bench.b.bareAtOnce", 128)));
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

    static double[] taskpollPaced(SimProcess sim, List<String> ids, Duration period)
            throws InterruptedException {
        try (TaskpollClient client = ScaleScenario.client(sim, SimTime.realTime(), PollPolicy.of(period, Duration.ofHours(1)))) {
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

    /**
     * Polls/s, client CPU us per poll, the part of it the JIT's compiler threads spent, the collectors' milliseconds,
     * and bytes allocated per poll, over 10 s after 3 s of warm-up.
     */
    static double[] measure(java.util.function.LongSupplier polls) throws InterruptedException {
        Thread.sleep(3_000);
        long p0 = polls.getAsLong();
        long c0 = Figures.cpuNanos();
        long j0 = Figures.jitNanos();
        long g0 = gcMillis();
        long a0 = allocated();
        long t0 = System.nanoTime();
        Thread.sleep(10_000);
        long p = polls.getAsLong() - p0;
        long c = Figures.cpuNanos() - c0;
        long j = Figures.jitNanos() - j0;
        long g = gcMillis() - g0;
        long a = allocated() - a0;
        double secs = (System.nanoTime() - t0) / 1e9;
        return new double[] {p / secs, c / 1000.0 / p, j / 1000.0 / p, g, (double) a / p};
    }

    /** Milliseconds the collectors ran so far (pauses and concurrent work, as the JVM counts them). */
    private static long gcMillis() {
        long ms = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory
                .getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }

    /** Bytes allocated so far by the live threads (threads that ended take theirs with them). */
    private static long allocated() {
        com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean();
        long sum = 0;
        for (long b : t.getThreadAllocatedBytes(t.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
    }
}
