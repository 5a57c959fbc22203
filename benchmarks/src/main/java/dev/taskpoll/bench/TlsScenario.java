package dev.taskpoll.bench;

import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.TaskStore;
import dev.taskpoll.testkit.SimTime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Scenario H: taskpoll over TLS (JDK TLS), HTTP/1.1 against HTTP/2, side by side in one run on one simulator that
 * offers both (h2 by ALPN): N tasks polled every second, in turn (HTTP/1.1, HTTP/2, HTTP/1.1, HTTP/2; 10 s windows
 * after 3 s of warm-up, each keeping its window with the lower CPU per poll, as scenario B does). Reports polls per
 * second, client CPU per poll, the client connections open to the simulator at the window's end (counted by
 * {@code ss}), and the host's steal over the run.
 */
final class TlsScenario {

    private final java.nio.file.Path simulatorJar;
    private final StringBuilder report;

    TlsScenario(java.nio.file.Path simulatorJar, StringBuilder report) {
        this.simulatorJar = simulatorJar;
        this.report = report;
    }

    private static final String[] NAMES = {"HTTP/1.1", "HTTP/2", "HTTP/1.1 OpenSSL"};

    void run(List<Integer> paced) throws Exception {
        report.append("### H. TLS: taskpoll against the bare loop, HTTP/1.1 against HTTP/2\n\nThe simulator in its own"
                + " JVM serving https (JDK TLS, an"
                + " ECDSA P-256 certificate of an authority made for the run, which the client trusts through"
                + " `trustedCertificates`), offering h2 and http/1.1 by ALPN; tasks that never finish; N tasks each"
                + " polled every second. taskpoll with its defaults but the budget's ceiling (200,000/s, 256 in flight,"
                + " 256 connections), with HTTP/1.1 (`http2(false)`), with HTTP/2 (the default over https) and with HTTP/1.1 over OpenSSL"
                + " (`openSsl(true)`, BoringSSL from netty-tcnative-boringssl-static 2.0.84.Final; the others use the JDK's"
                + " TLS; the simulator the JDK's always), and scenario B's bare"
                + " Reactor Netty loop over the same TLS (HTTP/1.1, 256 connections), in turn, twice;"
                + " each keeps its window with the lower CPU per poll (after one unreported window of each). Connections:"
                + " the client's TCP connections to the simulator at the end of the window (`ss`), and those still"
                + " open 10 s after the client closed. Last rows: both saturated over TLS, as in scenario B.\n\n"
                + " Each connection cost one TLS handshake when it opened; the pool keeps and reuses them: polls per"
                + " connection is the window's 10 s of polls over its connections (connections closed and opened again"
                + " within the window would not show here).\n\n"
                + "| load | engine, protocol | polls/s | client CPU/poll (us) | CPU ratio to the bare loop | connections"
                + " | polls per connection (10 s) | left open after close | host steal |\n|---|---|---|---|---|---|---|---|---|\n");
        try (SimProcess sim = SimProcess.start(simulatorJar, "--scale", "1", "--generation", "PT10H,PT10H", "--https",
                "--http2")) {
            List<String> ids = sim.createVeoTasks(paced.stream().mapToInt(Integer::intValue).max().orElse(1));
            // one window of each first, not reported: the client's TLS and HTTP/2 paths compiled, as B's are by then
            for (int kind = 0; kind < 3; kind++) {
                double[] w = window(sim, ids.subList(0, paced.get(0)), kind == 1, kind == 2);
                System.err.printf(Locale.ROOT, "H warm-up, %s: %,.0f/s %.1f us%n", NAMES[kind], w[0], w[1]);
            }
            for (int n : paced) {
                List<String> some = ids.subList(0, n);
                long[] steal0 = HostSteal.sample();
                double[] h1 = null;
                double[] h2 = null;
                double[] ossl = null;
                double[] bare = null;
                for (int round = 0; round < 2; round++) {
                    double[] z = ThroughputScenario.barePaced(sim, some);
                    double[] a = window(sim, some, false, false);
                    double[] b = window(sim, some, true, false);
                    double[] o = window(sim, some, false, true);
                    System.err.printf(Locale.ROOT, "H window %d at %,d: bare %,.0f/s %.1f us; HTTP/1.1 %,.0f/s %.1f us %d"
                            + " conn (%d left open 10 s after close); HTTP/2 %,.0f/s %.1f us %d conn (%d left);"
                            + " HTTP/1.1 OpenSSL %,.0f/s %.1f us %d conn (%d left)%n",
                            round + 1, n, z[0], z[1], a[0], a[1], (int) a[2], (int) a[3], b[0], b[1], (int) b[2],
                            (int) b[3], o[0], o[1], (int) o[2], (int) o[3]);
                    bare = bare == null || z[1] < bare[1] ? new double[] {z[0], z[1], -1, 0} : bare;
                    h1 = h1 == null || a[1] < h1[1] ? a : h1;
                    h2 = h2 == null || b[1] < h2[1] ? b : h2;
                    ossl = ossl == null || o[1] < ossl[1] ? o : ossl;
                }
                String stolen = HostSteal.percent(steal0, HostSteal.sample());
                for (Object[] row : List.of(new Object[] {"bare loop, HTTP/1.1", bare},
                        new Object[] {"taskpoll, HTTP/1.1", h1}, new Object[] {"taskpoll, HTTP/2", h2},
                        new Object[] {"taskpoll, HTTP/1.1, OpenSSL", ossl})) {
                    double[] f = (double[]) row[1];
                    report.append(String.format(Locale.ROOT, "| %,d tasks at 1 s | %s | %,.0f | %.1f | %.2f | %s | %s | %s |"
                                    + " %s |%n", n, row[0], f[0], f[1], f[1] / bare[1], f[2] < 0 ? "-" : (int) f[2],
                            f[2] <= 0 ? "-" : String.format(Locale.ROOT, "%,.0f", f[0] * 10 / f[2]),
                            f[2] < 0 ? "-" : (int) f[3], stolen));
                }
            }
            saturated(sim, ids);
            report.append('\n');
        }
    }

    /**
     * Both saturated over TLS (HTTP/1.1, JDK TLS), as scenario B's last row: taskpoll asked for 10 polls per task per
     * second of all the tasks, the bare loop 128 GETs at once; in turn, twice, each keeping its window with the lower
     * CPU per poll.
     */
    private void saturated(SimProcess sim, List<String> ids) throws Exception {
        long[] steal0 = HostSteal.sample();
        double[] bare = null;
        double[] tp = null;
        for (int round = 0; round < 2; round++) {
            double[] z = ThroughputScenario.bareSaturated(sim, ids);
            double[] a = window(sim, ids, false, false, Duration.ofMillis(100));
            System.err.printf(Locale.ROOT, "H saturated window %d: bare %,.0f/s %.1f us; taskpoll HTTP/1.1 %,.0f/s"
                    + " %.1f us %d conn (%d left)%n", round + 1, z[0], z[1], a[0], a[1], (int) a[2], (int) a[3]);
            bare = bare == null || z[1] < bare[1] ? new double[] {z[0], z[1], -1, 0} : bare;
            tp = tp == null || a[1] < tp[1] ? a : tp;
        }
        String stolen = HostSteal.percent(steal0, HostSteal.sample());
        String load = String.format(Locale.ROOT, "saturated: %,d tasks at 0.1 s for taskpoll; 128 at once for the bare"
                + " loop", ids.size());
        report.append(String.format(Locale.ROOT, "| %s | bare loop, HTTP/1.1 | %,.0f | %.1f | 1.00 | - | - | - | %s |%n",
                load, bare[0], bare[1], stolen));
        report.append(String.format(Locale.ROOT, "| %s | taskpoll, HTTP/1.1 | %,.0f | %.1f | %.2f | %d | %,.0f | %d |"
                + " %s |%n", load, tp[0], tp[1], tp[1] / bare[1], (int) tp[2], tp[0] * 10 / Math.max(1, tp[2]),
                (int) tp[3], stolen));
    }

    /**
     * One window: {polls/s, CPU us per poll, connections to the simulator at its end (above those open before it),
     * connections still open 10 s after the client closed}.
     */
    private static double[] window(SimProcess sim, List<String> ids, boolean http2, boolean openSsl)
            throws Exception {
        return window(sim, ids, http2, openSsl, Duration.ofSeconds(1));
    }

    /** As above, each task polled every {@code period}. */
    private static double[] window(SimProcess sim, List<String> ids, boolean http2, boolean openSsl, Duration period)
            throws Exception {
        int before = connections(sim.port());
        double[] w = measured(sim, ids, http2, openSsl, period);
        int left = connections(sim.port());
        for (int i = 0; i < 50 && left > before; i++) { // a closed client's pool closes its connections soon after
            Thread.sleep(200);
            left = connections(sim.port());
        }
        return new double[] {w[0], w[1], w[2] - before, left - before};
    }

    private static double[] measured(SimProcess sim, List<String> ids, boolean http2, boolean openSsl,
            Duration period) throws Exception {
        try (TaskpollClient client = ScaleScenario.client(sim, SimTime.realTime(),
                PollPolicy.of(period, Duration.ofHours(1)), TaskStore.none(), http2, openSsl)) {
            Disposable all = Flux.fromIterable(ids).flatMap(id -> client.track(TaskRef.of(id, Family.VEO)),
                    Integer.MAX_VALUE).subscribe();
            try {
                double[] w = ThroughputScenario.measure(() -> client.tracker().stats().requestsSent());
                return new double[] {w[0], w[1], connections(sim.port())};
            } finally {
                all.dispose();
            }
        }
    }

    /** Established TCP connections whose remote end is the simulator's port (this host's, by {@code ss}). */
    static int connections(int port) throws IOException, InterruptedException {
        Process ss = new ProcessBuilder("ss", "-Htn", "state", "established", "dport", "=", ":" + port)
                .redirectErrorStream(true).start();
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ss.waitFor();
        return (int) out.lines().filter(l -> !l.isBlank()).count();
    }
}
