package dev.taskpoll.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.taskpoll.catalog.Family;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The harness's own arithmetic, on inputs whose answers are known: a wrong figure in RESULTS.md starts here. */
class HarnessArithmeticTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    @Test
    void latenessIsMeasuredAgainstEachTasksMostPunctualGridAndLeavesOutTheMarkerAndTheSkippedWindow() {
        // task a: grid 10, 40, 70, 100 s; the third poll 2 s late. task b: all on time from 25 s. marker: ignored.
        SimProcess.Ledger ledger = new SimProcess.Ledger(List.of("a", "b", "m"),
                List.of(at(80), at(60), at(0)),
                List.of(List.of(at(10), at(40), at(72), at(100)), List.of(at(25), at(55), at(85)),
                        List.of(at(1), at(2))),
                List.of(List.of(), List.of(), List.of()));

        double[] all = Ledgers.lateness(ledger, Duration.ofSeconds(30), 2, "m", Instant.MAX, Instant.MAX);
        // simulated ms / scale 2 = real ms: six polls on time, one 2,000 simulated ms late = 1,000 real ms
        assertThat(all).containsExactly(0, 0, 0, 0, 0, 0, 1000);

        double[] skipped = Ledgers.lateness(ledger, Duration.ofSeconds(30), 2, "m", at(70), at(75));
        assertThat(skipped).as("the late poll's slot is in the window").containsExactly(0, 0, 0, 0, 0, 0);

        // the first poll anywhere is the marker's, at 1 s: two periods leave out the slots before 61 s
        double[] steady = Ledgers.lateness(ledger, Duration.ofSeconds(30), 2, "m", Instant.MAX, Instant.MAX, 2);
        assertThat(steady).as("a's slots 70 (late) and 100, b's 85").containsExactly(0, 0, 1000);

        // a finished at 80: first poll at or after is 100 (20 s); b finished at 60: 85 (25 s)
        assertThat(Ledgers.detectionLag(ledger, "m")).containsExactly(20.0, 25.0);
        assertThat(Ledgers.pct(all, 50)).isZero();
        assertThat(Ledgers.pct(all, 99)).isEqualTo(1000);
    }

    @Test
    void gcPausesAreReadFromTheLogInTheirWindowWithoutExplicitOnes(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("gc.log");
        java.nio.file.Files.writeString(log, String.join("\n",
                "[0.010s][info][gc] Using G1",
                "[4.634s][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 107M->13M(2052M) 20.124ms",
                "[8.021s][info][gc] GC(1) Pause Young (Normal) (G1 Evacuation Pause) 107M->16M(2052M) 37.767ms",
                "[9.000s][info][gc] GC(2) Pause Full (System.gc()) 1119M->16M(4096M) 99.315ms",
                "[9.500s][info][gc] GC(3) Pause Remark 120M->120M(2052M) 1.500ms",
                "[9.600s][info][gc] GC(3) Concurrent Mark Cycle 80.000ms",
                "[12.000s][info][gc] GC(4) Pause Young (Mixed) (G1 Evacuation Pause) 300M->100M(2052M) 12.000ms", ""));
        List<Double> in = GcPauses.fromLog(log, 5_000_000_000L, 10_000_000_000L);
        assertThat(in).containsExactly(37.767, 1.5);
        assertThat(GcPauses.summary(in)).isEqualTo("2, max 38, all 39");
        assertThat(GcPauses.summary(List.of())).isEqualTo("none");
        assertThat(GcPauses.fromLog(log, 0, Long.MAX_VALUE)).containsExactly(20.124, 37.767, 1.5, 12.0);
    }

    @Test
    void cadenceCountsEveryPollAndTheLagToTheFirstPollAfterCompletion() {
        // every task completes exactly 100 s after it starts; a 30 s grid from 30 s polls at 30, 60, 90, 120:
        // 4 polls, 20 s late; through the engine (CadenceScenario.run) and analytically (Cadence.fixed) alike
        CadenceScenario.Workload w = new CadenceScenario.Workload("fixed", Family.VEO, "veo_3_1_fast",
                Duration.ofSeconds(30), CadenceScenario.uniform(100, 100.000001));
        double[] c = new double[50];
        java.util.Arrays.fill(c, 100);
        CadenceScenario.Run run = CadenceScenario.run(w, dev.taskpoll.spi.Cadence.fixedGrid(0, () -> 0), c, 7);
        double[] r = CadenceScenario.figures(run.tasks(), 0, 50);
        assertThat(r[0]).isEqualTo(4.0);
        assertThat(r[1]).isCloseTo(20.0, within(1e-9));
        assertThat(r[2]).isCloseTo(20.0, within(1e-9));
        double[] analytic = Cadence.fixed(java.util.Collections.nCopies(50, 100.0), 30);
        assertThat(analytic).containsExactly(4.0, 20.0, 20.0);
        assertThat(Cadence.fixed(java.util.Collections.nCopies(50, 100.0), 60)).as("60, 120")
                .containsExactly(2.0, 20.0, 20.0);
    }

    @Test
    void theLimitScheduleIsTheRuleWithItsCapAndMeetsItsTarget() {
        // uniform 120-300 s, 30 s period, mean lag 15 s: the published limit is about 3.45 polls (cadence.md)
        CadenceScenario.Dist d = CadenceScenario.uniform(120, 300);
        java.util.List<Double> c = new java.util.ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < 20_000; i++) {
            c.add(d.quantile().applyAsDouble(r.nextDouble()));
        }
        double[] lim = Cadence.limit(d, c, 30);
        assertThat(lim[1]).as("mean lag at the target").isLessThanOrEqualTo(15.0);
        assertThat(lim[0]).as("polls per task").isBetween(3.3, 3.6);
        assertThat(lim[2]).as("p99 lag under the cap").isLessThanOrEqualTo(30.0);
        assertThat(CadenceScenario.normalCdf(CadenceScenario.inverseNormal(0.975))).isCloseTo(0.975, within(1e-6));
    }

    @Test
    void wakeUpsRecordHowLateDelayedTasksRanAndSkipTheMarkedWindow() {
        // virtual time: the delegate runs each task exactly when due, and the nano clock reads that time plus a lag
        // the test sets, so every lateness is known exactly
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        long[] lag = {0};
        WakeUps wakeUps = new WakeUps(vts, () -> vts.now(TimeUnit.NANOSECONDS) + lag[0]);
        assertThat(wakeUps.percentile(50)).as("nothing yet").isNaN();
        int[] ran = {0};
        for (int i = 0; i < 20; i++) {
            wakeUps.schedule(() -> ran[0]++, 5, TimeUnit.MILLISECONDS);
        }
        wakeUps.schedule(() -> ran[0]++, 7, TimeUnit.MILLISECONDS);
        lag[0] = 3_200_000; // every task of the first 5 ms runs 3.2 ms late
        vts.advanceTimeBy(Duration.ofMillis(5));
        lag[0] = 12_345_678_000L; // over 10 s: counted in the last bucket
        vts.advanceTimeBy(Duration.ofMillis(2));
        assertThat(ran[0]).isEqualTo(21);
        assertThat(wakeUps.percentile(50)).isEqualTo(3.2);
        assertThat(wakeUps.percentile(95)).isEqualTo(3.2);
        assertThat(wakeUps.percentile(99)).as("one of 21 is the 12 s one").isEqualTo(10_000.0);

        WakeUps skipping = new WakeUps(vts, () -> vts.now(TimeUnit.NANOSECONDS));
        skipping.skip(Long.MIN_VALUE, Long.MAX_VALUE);
        skipping.schedule(() -> ran[0]++, 1, TimeUnit.MILLISECONDS);
        vts.advanceTimeBy(Duration.ofMillis(1));
        assertThat(ran[0]).isEqualTo(22);
        assertThat(skipping.percentile(50)).as("everything skipped").isNaN();
        vts.dispose();
    }

    @Test
    void aChartIsAPngWithAPanelPerMetric(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.png");
        String line = Charts.chart("title").panel("one", List.of("a", "b"), List.of(1.0, 2.0), 1.5)
                .panel("two", List.of("a", "b", "c"), List.of(3.0, Double.NaN, 0.0), null).write(file);
        assertThat(line).isEqualTo("![title](c.png)\n\n");
        BufferedImage img = ImageIO.read(file.toFile());
        assertThat(img.getWidth()).isEqualTo(900);
        assertThat(img.getHeight()).as("title + 2 panels of 2 and 3 rows").isEqualTo(40 + (34 + 2 * 22 + 12)
                + (34 + 3 * 22 + 12));
    }

    @Test
    void stealIsTheHostsShareOfAllCpuTimeBetweenTwoSamples() {
        long[] a = HostSteal.parse("cpu  100 0 50 800 0 0 0 50 0 0");
        long[] b = HostSteal.parse("cpu  200 0 100 1500 0 0 0 200 0 0");
        // between them: 100 user + 50 system + 700 idle + 150 steal = 1000, of which 150 stolen
        assertThat(HostSteal.percent(a, b)).isEqualTo("15.0");
        assertThat(HostSteal.percent(a, a)).isEqualTo("n/a");
        assertThat(HostSteal.parse("intr 1 2 3")).isEmpty();
        assertThat(HostSteal.percent(new long[0], b)).isEqualTo("n/a");
    }
}
