package dev.taskpoll.bench;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The load harness: {@code java -jar benchmarks/target/taskpoll-bench.jar [--scenarios A,B,C,D,E] [--results FILE]
 * [--sizes 10000,100000]}. The simulator runs in its own JVM; this JVM is the client, whose CPU, heap and threads are
 * measured. Writes its tables into RESULTS.md between {@code <!-- bench:begin -->} and {@code <!-- bench:end -->}.
 * The scenarios live beside it: {@link ScaleScenario} (A, C), {@link ThroughputScenario} (B), {@link Cadence} (D),
 * {@link StoreScenario} (F), {@link ClusterScenario} (G), {@link TlsScenario} (H), {@link IdleHeapScenario} (I);
 * E, the JMH hot paths, is here.
 */
public final class Bench {

    /**
     * The poll period of scenarios A and C: taskpoll's default for VEO, and the docs' advice (simulated time);
     * {@code -Dbench.period=PT5M} sets another, for a row the simulator could not keep up with at 30 s (A at
     * 1,000,000 tasks: 33,333 polls a second at x1).
     */
    static final Duration PERIOD = Duration.parse(System.getProperty("bench.period", "PT30S"));

    private final Path simulatorJar;
    private final StringBuilder report = new StringBuilder();
    private final Path results;
    private final ScaleScenario scale;
    private final ThroughputScenario throughput;

    private Bench(Path simulatorJar, Path results) {
        this.simulatorJar = simulatorJar;
        this.results = results;
        this.scale = new ScaleScenario(simulatorJar, results, report);
        this.throughput = new ThroughputScenario(simulatorJar, results, report);
    }

    public static void main(String[] args) throws Exception {
        // on demand: F (the task store), G (cluster mode, needs redis-server), H (TLS, HTTP/1.1 vs HTTP/2),
        // I (heap per idle task)
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
        bench.warmUp(scenarios.contains("A") || scenarios.contains("C") || scenarios.contains("F")
                || scenarios.contains("G"));
        if (scenarios.contains("A")) {
            bench.scale.scale(sizes);
        }
        if (scenarios.contains("B")) {
            bench.throughput.run(paced);
        }
        if (scenarios.contains("C")) {
            bench.scale.peers(peerSize);
        }
        if (scenarios.contains("D")) {
            bench.report.append(Cadence.run(results.resolveSibling("cadence-learned.png")));
        }
        if (scenarios.contains("E")) {
            bench.micro();
        }
        if (scenarios.contains("F")) {
            new StoreScenario(jar, bench.report, bench.scale).run(sizes);
        }
        if (scenarios.contains("H")) {
            new TlsScenario(jar, bench.report).run(paced);
        }
        if (scenarios.contains("I")) {
            new IdleHeapScenario(jar, bench.report).run(sizes.get(sizes.size() - 1));
        }
        if (scenarios.contains("G")) {
            new ClusterScenario(jar, bench.report, bench.scale).run(sizes.get(0));
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

    /**
     * Thrown away, so that the JIT has compiled the shared paths before anything is measured: 13 s of taskpoll
     * polling 5,000 tasks a second, then (before A or C) one whole scale row of 10,000 tasks at x20. Without the
     * second, the first row measured ran on half-compiled code: A's 10,000 row had its polls 250 ms late at p50,
     * beside 3 ms for the same row in C, run later.
     */
    private void warmUp(boolean scaleRows) throws Exception {
        try (SimProcess sim = SimProcess.start(simulatorJar, "--scale", "1", "--generation", "PT10H,PT10H")) {
            ThroughputScenario.taskpollPaced(sim, sim.createVeoTasks(5_000), Duration.ofSeconds(1));
        }
        if (scaleRows) {
            scale.scaleRow(10_000, ScaleScenario.scaleFor(10_000), Engines::taskpoll);
        }
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
