package dev.taskpoll.bench;

import dev.taskpoll.FleetOptions;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskTracker;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Scenario D: what the poll cadence costs and buys. Each model's tasks finish at times drawn uniformly from the docs'
 * estimates (opc-api.md, section 7); taskpoll's engine tracks them on virtual time against a status source that
 * answers {@code processing} until the drawn time, then {@code completed}. Measured: status requests per task, and
 * detection lag = the client's terminal emission minus the completion time. No HTTP: the figures are the policy's,
 * exactly, and the same for any engine that keeps the cadence.
 */
final class Cadence {

    /** A model, its family and the docs' generation-time estimate. */
    record Model(String name, Family family, Duration min, Duration max) {
    }

    static final List<Model> MODELS = List.of(
            new Model("veo_3_1_fast", Family.VEO, Duration.ofMinutes(2), Duration.ofMinutes(5)),
            new Model("seedance_1_5_pro_1080p", Family.SEEDANCE_1_5, Duration.ofMinutes(3), Duration.ofMinutes(8)),
            new Model("viduq3-turbo", Family.VIDU, Duration.ofMinutes(2), Duration.ofMinutes(4)),
            new Model("sora (10 s clip)", Family.SORA, Duration.ofMinutes(2), Duration.ofMinutes(5)),
            new Model("nano-banana (simulator: 5-30 s)", Family.NANO_BANANA, Duration.ofSeconds(5),
                    Duration.ofSeconds(30)));

    private Cadence() {
    }

    static String run(int tasksPerModel, java.nio.file.Path chart) {
        List<String> labels = new ArrayList<>();
        List<Double> pollsPerTask = new ArrayList<>();
        List<Double> meanLag = new ArrayList<>();
        StringBuilder out = new StringBuilder("### D. Cadence\n\n").append(String.format(Locale.ROOT, "%,d",
                tasksPerModel)).append(" tasks per model, completion times drawn uniformly from the docs' estimate "
                + "(seed 1), tracked by taskpoll's engine on virtual time (first poll one period after tracking "
                + "starts, then a fixed grid; no phase spread). Lag = the terminal status emitted minus the "
                + "completion.\n\n| model (estimate) | policy | polls/task | lag mean (s) | lag p99 (s) |\n"
                + "|---|---|---|---|---|\n");
        for (Model m : MODELS) {
            Duration own = m.family().defaultPolicy().period();
            for (Duration period : List.of(Duration.ofSeconds(30), Duration.ofSeconds(60), own)) {
                double[] r = measure(m, period, tasksPerModel);
                String policy = period == own ? "taskpoll default (" + own.toSeconds() + " s)"
                        : "fixed " + period.toSeconds() + " s";
                out.append(String.format(Locale.ROOT, "| %s (%d-%d s) | %s | %.1f | %.1f | %.1f |%n", m.name(),
                        m.min().toSeconds(), m.max().toSeconds(), policy, r[0], r[1], r[2]));
                labels.add(m.name().replaceAll(" \\(.*", "") + ", " + policy);
                pollsPerTask.add(r[0]);
                meanLag.add(r[1]);
            }
        }
        out.append('\n').append(Charts.chart("D. Cadence").panel("polls per task", labels, pollsPerTask, null)
                .panel("mean detection lag (s)", labels, meanLag, null).write(chart));
        return out.toString();
    }

    /** polls per task, mean lag (s), p99 lag (s). */
    static double[] measure(Model model, Duration period, int n) {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        SplittableRandom random = new SplittableRandom(1);
        Map<String, Long> doneAt = new ConcurrentHashMap<>();
        AtomicLong polls = new AtomicLong();
        TaskTracker tracker = TaskTracker.create(Map.of(Dialect.OPC, id -> Mono.fromSupplier(() -> {
            polls.incrementAndGet();
            long now = vts.now(TimeUnit.MILLISECONDS);
            boolean done = now >= doneAt.get(id);
            return new TaskStatus(id, done ? TaskState.COMPLETED : TaskState.PROCESSING,
                    done ? "completed" : "processing", model.name(), null,
                    done ? List.of("https://cdn.example/" + id + ".mp4") : List.of(), null, null, null,
                    Instant.ofEpochMilli(now));
        })), TrackerOptions.builder().scheduler(vts).phaseSpread(0).fleet(FleetOptions.disabled())
                .policy(model.family(), PollPolicy.of(period, Duration.ofHours(2))).build());
        List<Double> lags = new ArrayList<>();
        long span = model.max().toMillis() - model.min().toMillis();
        for (int i = 0; i < n; i++) {
            String id = "t" + i;
            long finish = model.min().toMillis() + (long) (random.nextDouble() * span);
            doneAt.put(id, finish);
            tracker.track(TaskRef.of(id, model.family())).filter(TaskStatus::isTerminal)
                    .subscribe(s -> lags.add((vts.now(TimeUnit.MILLISECONDS) - finish) / 1000.0));
        }
        vts.advanceTimeBy(Duration.ofHours(3));
        vts.dispose();
        if (lags.size() != n) {
            throw new IllegalStateException(model.name() + ": " + lags.size() + " of " + n + " tasks ended");
        }
        double[] sorted = lags.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double mean = lags.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        return new double[] {polls.get() / (double) n, mean, Ledgers.pct(sorted, 99)};
    }
}
