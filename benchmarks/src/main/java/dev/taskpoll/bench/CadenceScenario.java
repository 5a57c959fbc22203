package dev.taskpoll.bench;

import dev.taskpoll.FleetOptions;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskTracker;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.cadence.CadenceOptions;
import dev.taskpoll.cadence.LearnedCadence;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.Cadence;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleUnaryOperator;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Runs one cadence over a workload on virtual time, through taskpoll's engine: tasks arrive over time, each completes
 * at a time drawn from the workload's distribution (seeded), and a status source answers {@code processing} until
 * then, {@code completed} after. Per task: the polls it took and its detection lag (the poll that saw the end minus
 * the completion). No HTTP: the figures are the cadence's, exactly.
 */
final class CadenceScenario {

    /**
     * A workload: a model, its family, and its completion times (seconds) from a uniform draw u in [0, 1); with a
     * drift, the tasks arriving after {@code driftAfter} of them take {@code driftFactor} times as long.
     */
    record Workload(String name, Family family, String model, Duration period, Dist dist, int driftAfter,
                    double driftFactor) {

        Workload(String name, Family family, String model, Duration period, Dist dist) {
            this(name, family, model, period, dist, Integer.MAX_VALUE, 1);
        }

        Workload drifting(int after, double factor) {
            return new Workload(name + (factor > 1 ? ", 3x slower" : ", 3x faster") + " after task " + after,
                    family, model, period, dist, after, factor);
        }

        /** Completion times (s after the start) of n tasks, seeded; the drift applied. */
        double[] completions(int n, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            double[] c = new double[n];
            for (int i = 0; i < n; i++) {
                c[i] = dist.quantile().applyAsDouble(random.nextDouble()) * (i >= driftAfter ? driftFactor : 1);
            }
            return c;
        }
    }

    /** A completion-time distribution (seconds): its quantile and CDF, and its name. */
    record Dist(String name, DoubleUnaryOperator quantile, DoubleUnaryOperator cdf) {
    }

    /** Uniform on [min, max] seconds. */
    static Dist uniform(double min, double max) {
        return new Dist(String.format(java.util.Locale.ROOT, "U(%.0f, %.0f)", min, max),
                u -> min + u * (max - min), t -> Math.max(0, Math.min(1, (t - min) / (max - min))));
    }

    /** Log-normal whose 5th and 95th percentiles are min and max seconds. */
    static Dist logNormal(double min, double max) {
        double z = 1.6448536269514722;
        double mu = (Math.log(min) + Math.log(max)) / 2;
        double sigma = (Math.log(max) - Math.log(min)) / (2 * z);
        return new Dist(String.format(java.util.Locale.ROOT, "LN(5%%=%.0f, 95%%=%.0f)", min, max),
                u -> Math.exp(mu + sigma * inverseNormal(u)),
                t -> t <= 0 ? 0 : normalCdf((Math.log(t) - mu) / sigma));
    }

    /** The standard normal CDF (Abramowitz and Stegun 7.1.26 through erf; absolute error below 1.5e-7). */
    static double normalCdf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.sqrt(2));
        double erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
                + 0.254829592) * t * Math.exp(-x * x / 2);
        return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
    }

    /** One task's outcome: when it started and completed (s), its polls and lag (s), in completion order. */
    record Task(int index, double start, double completion, int polls, double lag, long drifts, String model) {
    }

    /** The run's tasks in the order they completed, and the cadence's models at the end. */
    record Run(List<Task> tasks, List<Cadence.Model> models) {
    }

    /** Tasks arrive one every {@code spacing} seconds (so about duration/spacing run at once). */
    static Run run(Workload w, Cadence cadence, double[] completions, double spacing) {
        int n = completions.length;
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        Map<String, Long> doneAt = new ConcurrentHashMap<>();
        Map<String, int[]> polls = new ConcurrentHashMap<>();
        List<Task> done = new ArrayList<>();
        TaskTracker tracker = TaskTracker.create(Map.of(Dialect.OPC, id -> Mono.fromSupplier(() -> {
            polls.get(id)[0]++;
            long now = vts.now(TimeUnit.MILLISECONDS);
            boolean complete = now >= doneAt.get(id);
            return new TaskStatus(id, complete ? TaskState.COMPLETED : TaskState.PROCESSING,
                    complete ? "completed" : "processing", w.model(), null,
                    complete ? List.of("https://cdn.example/" + id + ".mp4") : List.of(), null, null, null,
                    Instant.ofEpochMilli(now));
        })), TrackerOptions.builder().scheduler(vts).phaseSpread(0).fleet(FleetOptions.disabled())
                .policy(w.family(), PollPolicy.of(w.period(), Duration.ofHours(6))).cadence(cadence).build());
        for (int i = 0; i < n; i++) {
            int index = i;
            String id = "t" + i;
            long start = (long) (i * spacing * 1000);
            long completion = start + (long) (completions[i] * 1000);
            doneAt.put(id, completion);
            polls.put(id, new int[1]);
            vts.schedule(() -> tracker.track(TaskRef.of(id, w.family(), w.model())).filter(TaskStatus::isTerminal)
                    .subscribe(s -> {
                        long seen = vts.now(TimeUnit.MILLISECONDS);
                        long drifts = cadence.models().stream().mapToLong(Cadence.Model::drifts).sum();
                        done.add(new Task(index, start / 1000.0, completion / 1000.0, polls.get(id)[0],
                                (seen - completion) / 1000.0, drifts, w.model()));
                    }), start, TimeUnit.MILLISECONDS);
        }
        vts.advanceTimeBy(Duration.ofMillis((long) (n * spacing * 1000) + Duration.ofHours(8).toMillis()));
        List<Cadence.Model> models = cadence.models();
        tracker.close();
        vts.dispose();
        if (done.size() != n) {
            throw new IllegalStateException(w.name() + ": " + done.size() + " of " + n + " tasks ended");
        }
        return new Run(done, models);
    }

    /**
     * Several workloads at once through one engine and one cadence: {@code perModel} tasks of each, interleaved (task
     * i of every workload arrives together), each workload's arrivals spaced by its mean duration / 40. The tasks in
     * the order they completed.
     */
    static List<Task> runMixed(List<Workload> ws, Cadence cadence, int perModel, long seed) {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        Map<String, Long> doneAt = new ConcurrentHashMap<>();
        Map<String, int[]> polls = new ConcurrentHashMap<>();
        Map<String, Workload> byId = new ConcurrentHashMap<>();
        List<Task> done = new ArrayList<>();
        TrackerOptions.Builder options = TrackerOptions.builder().scheduler(vts).phaseSpread(0)
                .fleet(FleetOptions.disabled()).cadence(cadence);
        for (Workload w : ws) {
            options.policy(w.family(), PollPolicy.of(w.period(), Duration.ofHours(6)));
        }
        TaskTracker tracker = TaskTracker.create(Map.of(Dialect.OPC, id -> Mono.fromSupplier(() -> {
            polls.get(id)[0]++;
            long now = vts.now(TimeUnit.MILLISECONDS);
            boolean complete = now >= doneAt.get(id);
            return new TaskStatus(id, complete ? TaskState.COMPLETED : TaskState.PROCESSING,
                    complete ? "completed" : "processing", byId.get(id).model(), null,
                    complete ? List.of("https://cdn.example/" + id + ".mp4") : List.of(), null, null, null,
                    Instant.ofEpochMilli(now));
        })), options.build());
        long end = 0;
        for (int k = 0; k < ws.size(); k++) {
            Workload w = ws.get(k);
            double[] c = w.completions(perModel, seed + k);
            double spacing = Arrays.stream(c).average().orElse(1) / 40;
            for (int i = 0; i < perModel; i++) {
                int index = i;
                String id = "m" + k + "-" + i;
                long start = (long) (i * spacing * 1000);
                long completion = start + (long) (c[i] * 1000);
                end = Math.max(end, completion);
                doneAt.put(id, completion);
                polls.put(id, new int[1]);
                byId.put(id, w);
                vts.schedule(() -> tracker.track(TaskRef.of(id, w.family(), w.model())).filter(TaskStatus::isTerminal)
                        .subscribe(s -> {
                            long seen = vts.now(TimeUnit.MILLISECONDS);
                            synchronized (done) {
                                done.add(new Task(index, start / 1000.0, completion / 1000.0, polls.get(id)[0],
                                        (seen - completion) / 1000.0, 0, w.model()));
                            }
                        }), start, TimeUnit.MILLISECONDS);
            }
        }
        vts.advanceTimeBy(Duration.ofMillis(end + Duration.ofHours(2).toMillis()));
        tracker.close();
        vts.dispose();
        if (done.size() != ws.size() * perModel) {
            throw new IllegalStateException("mixed: " + done.size() + " of " + ws.size() * perModel + " ended");
        }
        return done;
    }

    /** A learned cadence for benchmarks: refits inline (deterministic on virtual time). */
    static LearnedCadence learned() {
        return LearnedCadence.create(CadenceOptions.builder().refitScheduler(null).build());
    }

    /** Polls per task, mean lag, p99 lag over the tasks completing at positions [from, to) of the run. */
    static double[] figures(List<Task> tasks, int from, int to) {
        List<Task> part = tasks.subList(Math.max(0, from), Math.min(tasks.size(), to));
        double[] lags = part.stream().mapToDouble(Task::lag).sorted().toArray();
        double polls = part.stream().mapToInt(Task::polls).average().orElse(Double.NaN);
        double mean = Arrays.stream(lags).average().orElse(Double.NaN);
        return new double[] {polls, mean, Ledgers.pct(lags, 99)};
    }

    /** The tasks that started after the {@code k}-th completion: the steady state once k completions were seen. */
    static List<Task> startedAfterCompletion(List<Task> byCompletion, int k) {
        if (k <= 0 || k > byCompletion.size()) {
            return byCompletion;
        }
        double t = byCompletion.get(k - 1).completion();
        return byCompletion.stream().filter(x -> x.start() > t).toList();
    }

    /** Acklam's rational approximation of the standard normal quantile (relative error below 1.2e-9). */
    static double inverseNormal(double p) {
        double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
        double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                6.680131188771972e+01, -1.328068155288572e+01};
        double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
        double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                3.754408661907416e+00};
        double q;
        double p2 = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
        if (p2 < 0.02425) {
            q = Math.sqrt(-2 * Math.log(p2));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p2 > 1 - 0.02425) {
            q = Math.sqrt(-2 * Math.log(1 - p2));
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        q = p2 - 0.5;
        double r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
}
