package dev.taskpoll.bench;

import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.TaskStore;
import dev.taskpoll.sqlite.SqliteStore;
import dev.taskpoll.sqlite.SqliteStoreOptions;
import dev.taskpoll.testkit.SimTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Scenario F: the embedded task store. F1, the cost of recording (A's rows, side by side with and without the
 * store); F2, the store at saturation (status changes committed per second, commit latency); F3, resuming 100,000 open
 * tasks after a restart (how long until they are all tracked again, and the polls of the first 10 s); F4, the
 * store's own work per task, without an engine around it (its thread's CPU, steadier than a process's).
 */
final class StoreScenario {

    private final Path simulatorJar;
    private final StringBuilder report;
    private final ScaleScenario scale;

    StoreScenario(Path simulatorJar, StringBuilder report, ScaleScenario scale) {
        this.simulatorJar = simulatorJar;
        this.report = report;
        this.scale = scale;
    }

    /** F1 for each size, F2, F3, F4; {@code -Dbench.store.parts=2,3} runs fewer. */
    void run(List<Integer> sizes) throws Exception {
        String parts = System.getProperty("bench.store.parts", "1,2,3,4");
        report.append("### F. The embedded task store\n\n");
        if (parts.contains("1")) {
            recording(sizes);
        }
        if (parts.contains("2")) {
            saturation();
        }
        if (parts.contains("3")) {
            resume(100_000);
        }
        if (parts.contains("4")) {
            ownWork(20_000, 43, 6);
        }
    }

    /** F1: A's row for each N, without the store and with it, one after the other. */
    private void recording(List<Integer> sizes) throws Exception {
        report.append("F1. The cost of recording: scenario A's rows, taskpoll without a store and with the embedded "
                + "store (every task recorded when its tracking starts, every status change and the end committed "
                + "before it is emitted), one after the other on the same simulator settings; the store's thread is "
                + "in the client process, so its CPU is in CPU per poll, and its file is on the same disk. The store "
                + "gathers writes into one transaction for a commit delay after each commit "
                + "(`SqliteStoreOptions.commitDelay`, default " + SqliteStoreOptions.DEFAULT_COMMIT_DELAY_MS
                + " ms; a busy store's statuses reach subscribers up to that much later); the third row sets it "
                + "(-Dbench.store.commitDelay, default PT0S: each write committed as soon as it is queued; off: no "
                + "third row). With -Dbench.store.pairs=N (default 1) the first two rows run N times (in turn: "
                + "without, with; with, without; ...), and the summary gives the median of their ratios.\n\n")
                .append(ScaleScenario.SCALE_COLUMNS);
        // thrown away: the store's paths (JDBC, SQLite, the engine's durable paths) compiled before a row is measured
        // (a JFR profile of the first measured row with the store: the JIT's threads used more CPU than the event loops)
        Path warm = Files.createTempDirectory("taskpoll-bench-store");
        scale.scaleRow(10_000, ScaleScenario.scaleFor(10_000), (sim, time) -> Engines.taskpollStored(sim, time,
                warm.resolve("tasks.db")));
        // -Dbench.store.commitDelay=off leaves out the third row
        String third = System.getProperty("bench.store.commitDelay", "PT0S");
        Duration delay = "off".equals(third) ? null : Duration.parse(third);
        // -Dbench.store.pairs=N runs the two rows N times, alternating, and gives the median ratio: the process's CPU
        // per poll moves by up to 30% between runs of one build on a shared host, the pairs' ratios far less
        int pairs = Integer.getInteger("bench.store.pairs", 1);
        if (pairs < 1) {
            throw new IllegalArgumentException("-Dbench.store.pairs=" + pairs + ": must be 1 or more");
        }
        StringBuilder summary = new StringBuilder();
        for (int n : sizes) {
            double k = ScaleScenario.scaleFor(n);
            double[] ratios = new double[pairs];
            double[] storeThread = new double[pairs];
            for (int p = 0; p < pairs; p++) {
                Path dir = Files.createTempDirectory("taskpoll-bench-store");
                java.util.concurrent.Callable<ScaleScenario.ScaleRow> without = () -> scale.scaleRow(n, k,
                        Engines::taskpoll);
                java.util.concurrent.Callable<ScaleScenario.ScaleRow> with = () -> scale.scaleRow(n, k,
                        (sim, time) -> Engines.taskpollStored(sim, time, dir.resolve("tasks.db")));
                // the order alternates too (off, on, on, off, ...): neither always runs second
                ScaleScenario.ScaleRow off;
                ScaleScenario.ScaleRow on;
                if (p % 2 == 0) {
                    off = without.call();
                    on = with.call();
                } else {
                    on = with.call();
                    off = without.call();
                }
                report.append(off.line()).append(on.line());
                summarize(summary, n, off, on);
                ratios[p] = (on.cpuPerPoll() - on.jitPerPoll()) / (off.cpuPerPoll() - off.jitPerPoll());
                storeThread[p] = on.storePerPoll();
                if (delay != null && p == 0) {
                    Path delayed = Files.createTempDirectory("taskpoll-bench-store");
                    ScaleScenario.ScaleRow late = scale.scaleRow(n, k, (sim, time) -> Engines.taskpollStored(sim,
                            time, delayed.resolve("tasks.db"), delay));
                    report.append(late.line());
                    summarize(summary, n, off, late);
                }
            }
            if (pairs > 1) {
                Arrays.sort(ratios);
                Arrays.sort(storeThread);
                String f = String.format(Locale.ROOT, "F1 N=%d, %d pairs (without a store, then with it at its "
                                + "default), alternating: the ratio without the JIT's threads, median **%.2fx** (from %.2fx "
                                + "to %.2fx); the store's thread, median %.1f us per poll", n, pairs, median(ratios),
                        ratios[0], ratios[pairs - 1], median(storeThread));
                System.err.println(f);
                summary.append("- ").append(f).append('\n');
            }
        }
        report.append("\nEach row's CPU per poll includes the JIT compiling the engine's paths (rows of a few real seconds "
                + "pay what a service running for hours pays once); the compiler threads' share, and the store's "
                + "thread's, read from /proc/self/task:\n\n").append(summary).append('\n');
    }

    /** One line comparing a row with the store ({@code on}) to the row without ({@code off}), to stderr and the report. */
    private static void summarize(StringBuilder summary, int n, ScaleScenario.ScaleRow off, ScaleScenario.ScaleRow on) {
        double offRun = off.cpuPerPoll() - off.jitPerPoll();
        double onRun = on.cpuPerPoll() - on.jitPerPoll();
        String f = String.format(Locale.ROOT, "F1 N=%d, %s: CPU/poll %.1f -> %.1f us (%.2fx); of which the JIT's "
                        + "compiler threads %.1f and %.1f us; without them %.1f -> %.1f us (%.2fx), the store's "
                        + "thread %.1f us of it; heap/task %d -> %d B (%+.1f%%)", n, on.engine(), off.cpuPerPoll(),
                on.cpuPerPoll(), on.cpuPerPoll() / off.cpuPerPoll(), off.jitPerPoll(), on.jitPerPoll(), offRun,
                onRun, onRun / offRun, on.storePerPoll(), off.heapPerTask(), on.heapPerTask(),
                100.0 * (on.heapPerTask() - off.heapPerTask()) / off.heapPerTask());
        System.err.println(f);
        summary.append("- ").append(f).append('\n');
    }

    /** F2: status changes written as fast as they come, 2,000 outstanding at once, against one file. */
    private void saturation() throws Exception {
        Path file = Files.createTempDirectory("taskpoll-bench-store").resolve("tasks.db");
        int tasks = 10_000;
        int changes = 200_000;
        try (SqliteStore store = SqliteStore.open(file)) {
            PollPolicy policy = PollPolicy.of(Duration.ofSeconds(30), Duration.ofMinutes(30));
            Instant t0 = Instant.now();
            Flux.range(0, tasks).flatMap(i -> store.started(new TaskStore.Tracked(TaskRef.of("t" + i, Family.VEO,
                    "veo_3_1_fast").withPolicy(policy), t0, t0.plusSeconds(1800), 0, null)), 2_000).blockLast();
            long[] before = store.commitCounts();
            long[] latency = new long[changes];
            AtomicLong slot = new AtomicLong();
            long start = System.nanoTime();
            Flux.range(0, changes).flatMap(i -> {
                long issued = System.nanoTime();
                TaskStatus s = new TaskStatus("t" + (i % tasks), i % 2 == 0 ? TaskState.QUEUED : TaskState.PROCESSING,
                        i % 2 == 0 ? "queued" : "processing", "veo_3_1_fast", null, List.of(), null, null, (long) i,
                        Instant.now());
                return store.status(TaskRef.of("t" + (i % tasks), Family.VEO), s)
                        .then(Mono.fromRunnable(() -> latency[(int) slot.getAndIncrement()] = System.nanoTime() - issued));
            }, 2_000).blockLast();
            double secs = (System.nanoTime() - start) / 1e9;
            long[] after = store.commitCounts();
            long commits = after[0] - before[0];
            Arrays.sort(latency);
            report.append(String.format(Locale.ROOT, "F2. The store at saturation: %,d status changes of %,d tasks "
                            + "written as fast as the store commits them, 2,000 outstanding at once (the engine writes one "
                            + "per change, never per poll). Committed: **%,.0f changes/s**, in %,d transactions (%.0f "
                            + "changes each on average: group commit); a change's latency from the call to its commit "
                            + "completing: **p50 %.1f ms, p99 %.1f ms**, max %.1f ms. File: %s, %,d bytes after.%n%n",
                    changes, tasks, changes / secs, commits, (double) (after[1] - before[1]) / Math.max(1, commits),
                    latency[changes / 2] / 1e6, latency[(int) (changes * 0.99)] / 1e6, latency[changes - 1] / 1e6,
                    file.getFileName(), Files.size(file)));
        }
    }

    /**
     * F3: N open tasks recorded as a fleet leaves them when its process stops (tracking started over the 30 s before,
     * grid anchors spread over a period), then a client opens the store: how long until all are tracked again, and
     * the polls of the first 10 s, second by second, against the fleet budget's ceiling.
     */
    private void resume(int n) throws Exception {
        try (SimProcess sim = SimProcess.start(simulatorJar, "--scale", "1", "--generation", "PT10H,PT10H")) {
            List<String> ids = sim.createVeoTasks(n);
            Path file = Files.createTempDirectory("taskpoll-bench-store").resolve("tasks.db");
            PollPolicy policy = PollPolicy.of(Bench.PERIOD, Duration.ofHours(2));
            try (SqliteStore before = SqliteStore.open(file)) {
                long now = System.currentTimeMillis();
                Flux.range(0, n).flatMap(i -> {
                    long started = now - 30_000 + i * 30_000L / n;
                    return before.started(new TaskStore.Tracked(TaskRef.of(ids.get(i), Family.VEO, "veo_3_1_fast")
                            .withPolicy(policy), Instant.ofEpochMilli(started), Instant.ofEpochMilli(started
                            + policy.deadline().toMillis()), started + 30_000, null));
                }, 2_000).blockLast();
            }
            long polls0 = sim.ledger().polls().stream().mapToLong(List::size).sum();
            long t0 = System.nanoTime();
            long openedAt;
            long resumedAt = -1;
            long[] perSecond = new long[10];
            try (TaskpollClient client = ScaleScenario.client(sim, SimTime.realTime(), policy,
                    SqliteStore.open(file))) {
                openedAt = System.nanoTime();
                long last = 0;
                for (int s = 0; s < 10; s++) {
                    long until = t0 + (s + 1) * 1_000_000_000L;
                    while (System.nanoTime() < until) {
                        if (resumedAt < 0 && client.tracker().activeTasks() >= n) {
                            resumedAt = System.nanoTime();
                        }
                        Thread.sleep(5);
                    }
                    long sent = client.tracker().stats().requestsSent();
                    perSecond[s] = sent - last;
                    last = sent;
                }
            }
            long[] sorted = perSecond.clone();
            Arrays.sort(sorted);
            report.append(String.format(Locale.ROOT, "F3. Resuming %,d open tasks (30 s period, grid anchors spread "
                            + "over the period before the restart) when a client opens the store: the store opened in "
                            + "%.2f s, **all %,d tracked again %s after the client was created**; polls sent in each of "
                            + "the first 10 s: %s (busiest %,d/s; the fleet budget's ceiling in this harness is 200,000/s, "
                            + "and the grid alone asks %,d/s); the simulator saw %,d polls in those 10 s.%n%n",
                    n, (openedAt - t0) / 1e9, n, resumedAt < 0 ? "not within 10 s"
                            : String.format(Locale.ROOT, "%.2f s", (resumedAt - openedAt) / 1e9),
                    Arrays.toString(perSecond), sorted[sorted.length - 1], n / 30,
                    sim.ledger().polls().stream().mapToLong(List::size).sum() - polls0));
        }
    }

    /**
     * F4: the store alone, as the engine uses it in F1 but without the engine, the simulator or the network: {@code n}
     * tasks' lives (started with a queued status, one change to processing, the end with a completed status and its
     * URL; F1's three writes a task) in batches of {@code batch} writes, each batch waited for (F1's store commits
     * about 43 writes at a time at its 20 ms default), the lives overlapping as in F1 (a batch mixes starts, changes
     * and ends), ids random as a provider's are. The CPU of the store's thread per task, each round on a new file; the
     * first two rounds are the JIT's and are not counted. Figures of one thread: far steadier than F1's process.
     */
    private void ownWork(int n, int batch, int rounds) throws Exception {
        PollPolicy policy = PollPolicy.of(Duration.ofSeconds(30), Duration.ofMinutes(30));
        java.util.Random random = new java.util.Random(7);
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = "vgen_" + Long.toHexString(random.nextLong());
        }
        double[] perTask = new double[rounds];
        long[] commits = new long[rounds];
        for (int r = 0; r < rounds; r++) {
            Path file = Files.createTempDirectory("taskpoll-bench-store").resolve("tasks.db");
            try (SqliteStore store = SqliteStore.open(file, SqliteStoreOptions.builder().commitDelay(Duration.ZERO)
                    .build())) {
                Instant t0 = Instant.now();
                long[] before = store.commitCounts();
                long cpu0 = Figures.storeNanos();
                List<Mono<?>> pending = new java.util.ArrayList<>();
                int third = n / 3;
                for (int k = 0; k < n + 2 * third; k++) {
                    if (k < n) {
                        pending.add(store.started(new TaskStore.Tracked(TaskRef.of(ids[k], Family.VEO, "veo_3_1_fast")
                                .withPolicy(policy), t0, t0.plusSeconds(1800), 0, life(ids[k], TaskState.QUEUED))));
                    }
                    if (k >= third && k - third < n) {
                        String id = ids[k - third];
                        pending.add(store.status(TaskRef.of(id, Family.VEO), life(id, TaskState.PROCESSING)));
                    }
                    if (k >= 2 * third && k - 2 * third < n) {
                        String id = ids[k - 2 * third];
                        pending.add(store.ended(TaskRef.of(id, Family.VEO), new TaskStore.Ending(
                                life(id, TaskState.COMPLETED), null, t0.plusSeconds(1800), Instant.now())));
                    }
                    if (pending.size() >= batch || k == n + 2 * third - 1) {
                        Flux.merge(pending).blockLast();
                        pending.clear();
                    }
                }
                perTask[r] = (Figures.storeNanos() - cpu0) / 1e3 / n;
                commits[r] = store.commitCounts()[0] - before[0];
            }
        }
        double[] counted = Arrays.copyOfRange(perTask, 2, rounds);
        Arrays.sort(counted);
        StringBuilder each = new StringBuilder();
        for (int r = 0; r < rounds; r++) {
            each.append(r == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f (%,d)", perTask[r], commits[r]));
        }
        report.append(String.format(Locale.ROOT, "F4. The store's own work: %,d tasks' lives (three writes each: "
                        + "started, a change, the end), in batches of %d, on the store's thread alone: **%.1f us of its "
                        + "CPU per task** (%.1f us a write; the median of rounds 3 to %d); every round, in us per "
                        + "task (and its transactions: %,d if each batch is one; the store's thread, woken by a batch's "
                        + "first write, may commit it in several): %s (the first two are the JIT's, not counted).%n%n",
                n, batch, median(counted), median(counted) / 3, rounds, (3L * n + batch - 1) / batch, each));
    }

    private static double median(double[] sorted) {
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    /** A status of one of F4's lives; the completed one carries a result URL as a provider's would. */
    private static TaskStatus life(String id, TaskState state) {
        List<String> urls = state == TaskState.COMPLETED
                ? List.of("https://cdn.example.com/videos/" + id + "/result.mp4?sig=0123456789abcdef") : List.of();
        return new TaskStatus(id, state, state.name().toLowerCase(Locale.ROOT), "veo_3_1_fast", null, urls, null,
                null, null, Instant.now());
    }
}
