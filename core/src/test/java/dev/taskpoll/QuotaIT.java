package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.catalog.Family;
import dev.taskpoll.testkit.Faults;
import dev.taskpoll.testkit.RetryAfterMode;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import dev.taskpoll.testkit.TaskTruth;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The quota scenario of the fleet-pacing issue: the simulator answers at most R = 200 status requests per simulated
 * second for the key (429 with {@code Retry-After} in seconds beyond that), and 5,000 generic tasks polling every
 * 5 s want 1,000 a second, 5 x R. The same fleet runs twice, side by side: with the shared budget (the default) and
 * with it switched off (each task backs off on its own, as other pollers do). Figures are taken from the simulator's
 * own ledger over simulated seconds 30 to 95 (adapted, every task still running).
 *
 * <p>With {@code -Dtaskpoll.results=PATH} (see benchmarks/RESULTS.md) the figures are also written into that file
 * between its quota markers.
 */
class QuotaIT {

    private static final int TASKS = 5_000;
    private static final int QUOTA = 200;
    private static final int SCALE = 10;
    private static final Duration FROM = Duration.ofSeconds(30);
    private static final Duration TO = Duration.ofSeconds(95);

    record Figures(String name, long requests, long throttled, double usefulPerSecond, int meanRate) {
        double share429() {
            return requests == 0 ? 0 : (double) throttled / requests;
        }

        String row() {
            return String.format(Locale.ROOT, "| %s | %,d | %,d | %.1f%% | %.0f | %.0f%% | %s |", name, requests, throttled,
                    100 * share429(), usefulPerSecond, 100 * usefulPerSecond / QUOTA,
                    meanRate == 0 ? "-" : Integer.toString(meanRate));
        }
    }

    @Test
    void theSharedBudgetKeeps429sRareAndUsesTheQuota() throws IOException {
        Figures off = run("per-task back-off only", FleetOptions.disabled());
        Figures on = run("shared budget (default)", FleetOptions.defaults());
        String table = String.join("\n",
                "| fleet | requests | 429 | 429 share | useful polls/s | of R | mean budget rate |",
                "|---|---:|---:|---:|---:|---:|---:|",
                on.row(), off.row());
        System.out.println("quota IT, R = " + QUOTA + "/s, " + TASKS + " tasks at 5 x R, simulated s "
                + FROM.toSeconds() + "-" + TO.toSeconds() + ":\n" + table);
        writeResults(table);

        assertThat(on.share429()).as("429 share with the shared budget, once adapted").isLessThanOrEqualTo(0.05);
        assertThat(on.usefulPerSecond()).as("useful polls per second with the shared budget")
                .isGreaterThanOrEqualTo(0.9 * QUOTA);
        assertThat(on.meanRate()).as("the budget came down from its ceiling (500) towards the quota")
                .isBetween(QUOTA, (int) (QUOTA * 1.5));
        assertThat(off.share429()).as("without the budget the fleet keeps hitting the quota")
                .isGreaterThan(2 * on.share429());
    }

    private static Figures run(String name, FleetOptions fleet) {
        SimTime time = SimTime.accelerated(SCALE);
        try (Simulator sim = Simulator.builder().time(time).seed(11).failureRate(0)
                .quota(QUOTA, RetryAfterMode.SECONDS)
                .generationTime(Duration.ofSeconds(100), Duration.ofSeconds(120)).build().start();
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder()
                     .baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                     .trackerOptions(FleetRun.generousDeadlines(TrackerOptions.builder().scheduler(time.scheduler()))
                             .fleet(fleet).build())
                     .build())) {
            FleetRun run = new FleetRun();
            for (int i = 0; i < TASKS; i++) {
                Family f = Family.GENERIC_TASK;
                run.refs.add(TaskRef.of(sim.createTask(f.createPath(), f.models().get(0)), f));
            }
            Instant start = time.now();
            java.util.List<Integer> rates = new java.util.concurrent.CopyOnWriteArrayList<>();
            reactor.core.Disposable sampler = reactor.core.publisher.Flux.interval(Duration.ofSeconds(1),
                    time.scheduler()).subscribe(t -> {
                        FleetStats s = client.tracker().stats();
                        if (t + 1 >= FROM.toSeconds() && t + 1 < TO.toSeconds()) {
                            rates.add(s.currentRate());
                        }
                        if (Boolean.getBoolean("quota.debug")) {
                            System.out.println(name + " t=" + (t + 1) + " " + s);
                        }
                    });
            run.track(client, Duration.ofMinutes(2));
            sampler.dispose();
            run.assertEveryTaskMatchesTheTruth(sim);

            Instant from = start.plus(FROM);
            Instant to = start.plus(TO);
            long requests = 0;
            long throttled = 0;
            for (TaskTruth t : sim.truths()) {
                for (TaskTruth.Poll p : t.polls()) {
                    if (!p.at().isBefore(from) && p.at().isBefore(to)) {
                        requests++;
                        if (p.outcome() == Faults.Kind.THROTTLED) {
                            throttled++;
                        }
                    }
                }
            }
            double useful = (requests - throttled) / (double) TO.minus(FROM).toSeconds();
            FleetStats stats = client.tracker().stats();
            assertThat(stats.activeTasks()).isZero();
            assertThat(stats.inFlight()).isZero();
            assertThat(client.poolStats().isIdle()).isTrue();
            int meanRate = (int) Math.round(rates.stream().mapToInt(Integer::intValue).average().orElse(0));
            return new Figures(name, requests, throttled, useful, meanRate);
        }
    }

    private static void writeResults(String table) throws IOException {
        String target = System.getProperty("taskpoll.results");
        if (target == null || target.isBlank()) {
            return;
        }
        Path file = Path.of(target);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String begin = "<!-- quota:begin -->";
        String end = "<!-- quota:end -->";
        int a = text.indexOf(begin);
        int b = text.indexOf(end);
        if (a < 0 || b < a) {
            throw new IllegalStateException(file + " has no " + begin + " ... " + end + " section");
        }
        String measured = "Measured " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ".\n\n";
        Files.writeString(file, text.substring(0, a + begin.length()) + "\n" + measured + table + "\n"
                + text.substring(b), StandardCharsets.UTF_8);
    }
}
