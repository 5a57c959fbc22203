package dev.taskpoll.bench;

import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.sqlite.SqliteStore;
import dev.taskpoll.sqlite.SqliteStoreOptions;
import dev.taskpoll.spi.TaskStore;
import dev.taskpoll.testkit.SimTime;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.management.ObjectName;

/**
 * Scenario I: the heap one more idle tracked task costs. Scenario A's heap per task divides everything the client
 * holds by N, the client's own fixed cost (Netty, Reactor, Jackson, the timer's wheel, the harness's callbacks)
 * included, and measures while polls are in flight; this measures the slope: the heap after a full GC with N/10
 * tasks tracked and with N, each task polled once and then idle (a 10-minute period, the simulator's tasks never
 * done), {@code (heap(N) - heap(N/10)) / (0.9 N)}, beside A's way on the same run ({@code (heap(N) - heap before the
 * client) / N}), and the classes the difference is made of (the JVM's class histogram of live objects, as
 * {@code jmap -histo:live} prints it). One subscriber per task, as in A: a {@code LambdaSubscriber}, whose callbacks
 * are one shared lambda here (A's capture its counters: 16-32 B more per task).
 */
final class IdleHeapScenario {

    private static final PollPolicy IDLE = PollPolicy.of(Duration.ofMinutes(10), Duration.ofHours(12));

    private final Path simulatorJar;
    private final StringBuilder report;

    IdleHeapScenario(Path simulatorJar, StringBuilder report) {
        this.simulatorJar = simulatorJar;
        this.report = report;
    }

    void run(int n) throws Exception {
        report.append("### I. Heap per idle tracked task\n\n").append("N tasks tracked by one client (one subscriber "
                + "each; `watch`, so that the first poll is at once), every one polled once and then idle "
                + "(10-minute period; the simulator's tasks never end). "
                + "Marginal: (heap after a full GC with N tracked - the same with N/10) / 0.9 N: what one more task "
                + "costs. All / N: (heap with N - heap before the client was created) / N, scenario A's way, which "
                + "counts the client's fixed cost too. Where: the live objects' class histogram, N minus N/10, per "
                + "task, largest first.\n\n")
                .append("| engine | N | marginal heap per task (B) | all / N (B) | where the marginal bytes are (B per "
                        + "task) | CPU stolen by the host (%) |\n|---|---|---|---|---|---|\n");
        row("taskpoll", n, null);
        Path dir = Files.createTempDirectory("taskpoll-bench-idle");
        row("taskpoll + store", n, dir.resolve("tasks.db"));
        report.append('\n');
    }

    private void row(String name, int n, Path storeFile) throws Exception {
        try (SimProcess sim = SimProcess.start(simulatorJar, "--scale", "1", "--generation", "PT10H,PT10H")) {
            List<String> ids = sim.createVeoTasks(n);
            long[] steal0 = HostSteal.sample();
            long heap0 = Figures.heapAfterGc();
            TaskStore store = storeFile == null ? TaskStore.none()
                    : SqliteStore.open(storeFile, SqliteStoreOptions.builder().resume(false).build());
            // A's client (its budget settings, 256 in flight), in real time
            try (TaskpollClient client = ScaleScenario.client(sim, SimTime.realTime(), IDLE, store)) {
                int n1 = n / 10;
                String stopped = track(client, ids, 0, n1);
                long heap1 = Figures.heapAfterGc();
                Map<String, long[]> h1 = histogram();
                stopped = stopped != null ? stopped : track(client, ids, n1, n);
                long heap2 = Figures.heapAfterGc();
                Map<String, long[]> h2 = histogram();
                String steal = HostSteal.percent(steal0, HostSteal.sample());
                if (stopped != null) {
                    report.append(String.format(Locale.ROOT, "| %s | %,d | %s | | | %s |%n", name, n, stopped, steal));
                    return;
                }
                double marginal = (heap2 - heap1) / (double) (n - n1);
                double all = (heap2 - heap0) / (double) n;
                report.append(String.format(Locale.ROOT, "| %s | %,d | %.0f | %.0f | %s | %s |%n", name, n, marginal,
                        all, where(h1, h2, n - n1), steal));
                System.err.printf(Locale.ROOT, "I: %s N=%d marginal %.0f B, all/N %.0f B%n", name, n, marginal, all);
            }
        }
    }

    /**
     * Tracks {@code ids[from, to)} and waits (at most 3 minutes) until each was polled once and no request is in
     * flight or waiting for the budget; null, or why not.
     */
    private static String track(TaskpollClient client, List<String> ids, int from, int to)
            throws InterruptedException {
        long sent0 = client.tracker().stats().requestsSent();
        for (int i = from; i < to; i++) {
            // watched: the first poll at once (tracked, it would wait a period), then one every 10 minutes
            client.watch(TaskRef.of(ids.get(i), Family.VEO)).subscribe(null, IdleHeapScenario::ignore);
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (client.tracker().stats().requestsSent() - sent0 < to - from || client.tracker().stats().inFlight() > 0
                || client.tracker().stats().waiting() > 0) {
            if (System.nanoTime() > deadline) {
                return "only " + (client.tracker().stats().requestsSent() - sent0) + " of " + (to - from)
                        + " polled within 3 minutes";
            }
            Thread.sleep(200);
        }
        Thread.sleep(2_000); // the last answers handled
        return null;
    }

    private static void ignore(Throwable e) {
        // a task's error: not expected (the simulator's tasks never end); the histogram would show what it left
    }

    /** The live objects' class histogram (a full GC first): class name -> {instances, bytes}. */
    static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, long[]> m = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                m.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        return m;
    }

    /** The classes that grew most from {@code a} to {@code b}, per task: "PollLoop 152 (1.00)", largest first. */
    static String where(Map<String, long[]> a, Map<String, long[]> b, int tasks) {
        List<Object[]> grew = new ArrayList<>();
        for (Map.Entry<String, long[]> e : b.entrySet()) {
            long[] before = a.getOrDefault(e.getKey(), new long[2]);
            long bytes = e.getValue()[1] - before[1];
            if (bytes / (double) tasks >= 4) {
                grew.add(new Object[] {e.getKey(), bytes / (double) tasks, (e.getValue()[0] - before[0])
                        / (double) tasks});
            }
        }
        grew.sort((x, y) -> Double.compare((double) y[1], (double) x[1]));
        StringBuilder s = new StringBuilder();
        for (Object[] g : grew) {
            String cls = (String) g[0];
            s.append(s.length() == 0 ? "" : ", ").append(cls.substring(cls.lastIndexOf('.') + 1))
                    .append(String.format(Locale.ROOT, " %.0f (%.2f)", (double) g[1], (double) g[2]));
        }
        return s.toString();
    }
}
