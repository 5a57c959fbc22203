package dev.taskpoll.bench;

import dev.taskpoll.bench.CadenceScenario.Dist;
import dev.taskpoll.bench.CadenceScenario.Task;
import dev.taskpoll.bench.CadenceScenario.Workload;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.Cadence.Model;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Scenario D: the learned cadence against the docs' fixed interval and against the limit (the same rule with the
 * distribution known), per workload, on virtual time through taskpoll's engine. 3,000 tasks per workload, arriving
 * one after another (about 40 running at once), completion times drawn from the workload (seed 1). Figures per task:
 * polls, and detection lag (the poll that saw the end minus the completion). The learned cadence starts from the
 * docs' range (its prior); "after 500" counts the tasks that started once 500 had completed.
 */
final class Cadence {

    static final int N = 3_000;
    private static final Duration VIDEO = Duration.ofSeconds(30);
    private static final Duration IMAGE = Duration.ofSeconds(3);

    /** A workload and the share of polls the learned cadence must save after 500 completions (negative). */
    record Row(Workload workload, double target, double targetFromFirst) {
    }

    static List<Row> workloads() {
        return List.of(
                new Row(new Workload("VEO", Family.VEO, "veo_3_1_fast", VIDEO, CadenceScenario.uniform(120, 300)),
                        -0.45, -0.30),
                new Row(new Workload("VEO", Family.VEO, "veo_3_1_fast", VIDEO, CadenceScenario.logNormal(120, 300)),
                        -0.35, Double.NaN),
                new Row(new Workload("Seedance 1.5 1080p", Family.SEEDANCE_1_5, "seedance_1_5_pro_1080p", VIDEO,
                        CadenceScenario.uniform(180, 480)), -0.43, Double.NaN),
                new Row(new Workload("Seedance 1.5 1080p", Family.SEEDANCE_1_5, "seedance_1_5_pro_1080p", VIDEO,
                        CadenceScenario.logNormal(180, 480)), -0.33, Double.NaN),
                new Row(new Workload("Vidu turbo", Family.VIDU, "viduq3-turbo", VIDEO,
                        CadenceScenario.uniform(120, 240)), -0.53, Double.NaN),
                new Row(new Workload("Vidu turbo", Family.VIDU, "viduq3-turbo", VIDEO,
                        CadenceScenario.logNormal(120, 240)), -0.45, Double.NaN),
                new Row(new Workload("Sora 4 s", Family.SORA, "openAiSora2Plus", VIDEO,
                        CadenceScenario.uniform(60, 180)), -0.35, Double.NaN),
                new Row(new Workload("Sora 4 s", Family.SORA, "openAiSora2Plus", VIDEO,
                        CadenceScenario.logNormal(60, 180)), -0.25, Double.NaN),
                new Row(new Workload("images", Family.NANO_BANANA, "nano-banana-2", IMAGE,
                        CadenceScenario.uniform(5, 30)), -0.20, Double.NaN),
                new Row(new Workload("images", Family.NANO_BANANA, "nano-banana-2", IMAGE,
                        CadenceScenario.logNormal(5, 30)), -0.20, Double.NaN));
    }

    private Cadence() {
    }

    /** Polls, mean lag, p99 lag of the fixed grid (first poll one period in) for completions {@code c}. */
    static double[] fixed(List<Double> c, double period) {
        double[] lags = c.stream().mapToDouble(x -> Math.ceil(x / period) * period - x).sorted().toArray();
        double polls = c.stream().mapToDouble(x -> Math.ceil(x / period)).average().orElse(Double.NaN);
        return new double[] {polls, Arrays.stream(lags).average().orElse(Double.NaN), Ledgers.pct(lags, 99)};
    }

    static double[] limit(Dist d, List<Double> c, double period) {
        double[] table = CadenceLimit.schedule(d.cdf(), d.quantile(), period, period / 2, c);
        double[] lags = c.stream().mapToDouble(x -> CadenceLimit.pollAt(table, period, x) - x).sorted().toArray();
        double polls = c.stream().mapToDouble(x -> CadenceLimit.polls(table, period, x)).average()
                .orElse(Double.NaN);
        return new double[] {polls, Arrays.stream(lags).average().orElse(Double.NaN), Ledgers.pct(lags, 99)};
    }

    static String run(Path chart) {
        StringBuilder out = new StringBuilder("### D. Cadence: learned vs the fixed grid vs the limit\n\n")
                .append(String.format(Locale.ROOT, "%,d tasks per workload, arriving one every mean-duration / 40 "
                        + "(about 40 at once), completion times drawn from the workload (seed 1); tracked by taskpoll's "
                        + "engine on virtual time with the learned cadence (`LearnedCadence`, default options, refits "
                        + "inline), starting from the docs' range as its prior. Fixed: the docs' interval as a grid "
                        + "(first poll one period in). Limit: the same rule as the learned cadence with the "
                        + "distribution known, computed apart (`CadenceLimit`). \"After 500\": the tasks that started "
                        + "once 500 had completed; \"all\": every task, from the first. Polls per task, then mean and "
                        + "p99 lag (s). Target: the share of polls saved after 500 at a mean and p99 lag no higher "
                        + "than the fixed grid's (within 1 s).%n%n", N))
                .append("| workload | fixed | limit | learned, after 500 | learned, all | saved after 500 (target) | lag "
                        + "no higher | met |\n|---|---|---|---|---|---|---|---|\n");
        List<String> labels = new ArrayList<>();
        StringBuilder charts = new StringBuilder();
        List<Double> savedLearned = new ArrayList<>();
        List<Double> savedLimit = new ArrayList<>();
        for (Row row : workloads()) {
            Workload w = row.workload();
            double period = w.period().toSeconds();
            double[] completions = w.completions(N, 1);
            double spacing = Arrays.stream(completions).average().orElse(1) / 40;
            CadenceScenario.Run run = CadenceScenario.run(w, CadenceScenario.learned(), completions, spacing);
            List<Task> steady = CadenceScenario.startedAfterCompletion(run.tasks(), 500);
            List<Double> steadyC = steady.stream().map(t -> t.completion() - t.start()).toList();
            List<Double> allC = run.tasks().stream().map(t -> t.completion() - t.start()).toList();
            double[] fixedSteady = fixed(steadyC, period);
            double[] fixedAll = fixed(allC, period);
            double[] lim = limit(w.dist(), steadyC, period);
            double[] learnedSteady = CadenceScenario.figures(steady, 0, steady.size());
            double[] learnedAll = CadenceScenario.figures(run.tasks(), 0, N);
            double saved = learnedSteady[0] / fixedSteady[0] - 1;
            double savedAll = learnedAll[0] / fixedAll[0] - 1;
            boolean lagOk = learnedSteady[1] <= fixedSteady[1] + 1 && learnedSteady[2] <= fixedSteady[2] + 1;
            boolean met = lagOk && saved <= row.target()
                    && (Double.isNaN(row.targetFromFirst()) || savedAll <= row.targetFromFirst());
            out.append(String.format(Locale.ROOT, "| %s %s | %.2f / %.1f / %.1f | %.2f (%+.0f%%) / %.1f / %.1f "
                            + "| %.2f / %.1f / %.1f | %.2f (%+.0f%%) / %.1f / %.1f | %+.0f%% (%+.0f%%%s) | %s | %s |%n",
                    w.name(), w.dist().name(), fixedSteady[0], fixedSteady[1], fixedSteady[2], lim[0],
                    100 * (lim[0] / fixedSteady[0] - 1), lim[1], lim[2], learnedSteady[0], learnedSteady[1],
                    learnedSteady[2], learnedAll[0], 100 * savedAll, learnedAll[1], learnedAll[2], 100 * saved,
                    100 * row.target(), Double.isNaN(row.targetFromFirst()) ? ""
                            : String.format(Locale.ROOT, "; all %+.0f%%", 100 * row.targetFromFirst()),
                    lagOk ? "yes" : "no", met ? "**met**" : "**missed**"));
            labels.add(w.name() + " " + w.dist().name());
            savedLearned.add(-100 * saved);
            savedLimit.add(-100 * (lim[0] / fixedSteady[0] - 1));
            charts.append(overCompletions(w, run.tasks(),
                    chart.resolveSibling("cadence-learned-" + labels.size() + ".png")));
        }
        out.append('\n');
        out.append("Over completions, per workload (polls per task and mean lag of the tasks completing in each "
                + "stretch of 500, learned against the fixed grid and the limit for the same tasks):\n\n")
                .append(charts);
        out.append(seeds());
        out.append(mixed());
        out.append(drift());
        out.append(Charts.chart("D. Cadence: polls saved against the fixed grid (%)")
                .panel("learned, after 500 completions", labels, savedLearned, null)
                .panel("limit (distribution known)", labels, savedLimit, null).write(chart));
        return out.toString();
    }

    /** Seeds the table above is held against: the same rows with completion times drawn from seeds 1 to 6. */
    static final int SEEDS = 6;

    /**
     * Each workload re-run with completion times drawn from seeds 1 to {@value #SEEDS}: the share of polls saved after
     * 500 per seed, marked where the lag rule fails (mean or p99 more than 1 s above the fixed grid's), and how many
     * seeds meet the target. One seed's figures can be luck; these say how often.
     */
    static String seeds() {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "Seeds 1 to %d (the same rows, completion "
                + "times drawn from each seed; saved after 500, marked * where the mean or p99 lag is more than 1 s "
                + "above the fixed grid's):%n%n| workload | target |", SEEDS));
        for (int seed = 1; seed <= SEEDS; seed++) {
            out.append(" seed ").append(seed).append(" |");
        }
        out.append(" met | lag above |\n|---|---|").append("---|".repeat(SEEDS)).append("---|---|\n");
        int metAll = 0;
        int lagAll = 0;
        for (Row row : workloads()) {
            Workload w = row.workload();
            double period = w.period().toSeconds();
            out.append("| ").append(w.name()).append(' ').append(w.dist().name())
                    .append(String.format(Locale.ROOT, " | %+.0f%% |", 100 * row.target()));
            int met = 0;
            int lagAbove = 0;
            for (int seed = 1; seed <= SEEDS; seed++) {
                double[] completions = w.completions(N, seed);
                double spacing = Arrays.stream(completions).average().orElse(1) / 40;
                CadenceScenario.Run run = CadenceScenario.run(w, CadenceScenario.learned(), completions, spacing);
                List<Task> steady = CadenceScenario.startedAfterCompletion(run.tasks(), 500);
                double[] fixed = fixed(steady.stream().map(t -> t.completion() - t.start()).toList(), period);
                double[] learned = CadenceScenario.figures(steady, 0, steady.size());
                double saved = learned[0] / fixed[0] - 1;
                boolean lagOk = learned[1] <= fixed[1] + 1 && learned[2] <= fixed[2] + 1;
                met += lagOk && saved <= row.target() ? 1 : 0;
                lagAbove += lagOk ? 0 : 1;
                out.append(String.format(Locale.ROOT, " %+.0f%%%s |", 100 * saved, lagOk ? "" : String.format(
                        Locale.ROOT, "* (p99 %.1f)", learned[2])));
            }
            metAll += met;
            lagAll += lagAbove;
            out.append(String.format(Locale.ROOT, " %d of %d | %d |%n", met, SEEDS, lagAbove));
        }
        return out.append(String.format(Locale.ROOT, "%nMet in %d of %d runs; the lag rule failed in %d.%n%n", metAll,
                SEEDS * workloads().size(), lagAll)).toString();
    }

    /** Polls per task and mean lag by stretches of 500 completions: learned, fixed, limit, as one chart. */
    static String overCompletions(Workload w, List<Task> tasks, Path file) {
        double period = w.period().toSeconds();
        List<Double> all = tasks.stream().map(t -> t.completion() - t.start()).toList();
        double[] table = CadenceLimit.schedule(w.dist().cdf(), w.dist().quantile(), period, period / 2, all);
        List<String> labels = new ArrayList<>();
        List<Double> polls = new ArrayList<>();
        List<Double> lags = new ArrayList<>();
        for (int from = 0; from < tasks.size(); from += 500) {
            List<Task> part = tasks.subList(from, Math.min(tasks.size(), from + 500));
            List<Double> c = part.stream().map(t -> t.completion() - t.start()).toList();
            double[] learned = CadenceScenario.figures(part, 0, part.size());
            double[] fixed = fixed(c, period);
            double limitPolls = c.stream().mapToDouble(x -> CadenceLimit.polls(table, period, x)).average()
                    .orElse(Double.NaN);
            double limitLag = c.stream().mapToDouble(x -> CadenceLimit.pollAt(table, period, x) - x).average()
                    .orElse(Double.NaN);
            String range = String.format(Locale.ROOT, "%,d-%,d", from + 1, from + part.size());
            for (String[] who : new String[][] {{"learned", ""}, {"fixed", ""}, {"limit", ""}}) {
                labels.add(range + ": " + who[0]);
            }
            polls.addAll(List.of(learned[0], fixed[0], limitPolls));
            lags.addAll(List.of(learned[1], fixed[1], limitLag));
        }
        return Charts.chart("D. " + w.name() + " " + w.dist().name() + ", over completions")
                .panel("polls per task", labels, polls, null)
                .panel("mean detection lag (s)", labels, lags, null).write(file);
    }

    /**
     * Mixed: 12 models tracked at once by one engine, each learning its own distribution, the models kept in one
     * task store as they are learned (the cadence's host writes them, as a tracker's does), then read back by a
     * new cadence whose first plans use them.
     */
    static String mixed() {
        List<Workload> ws = new ArrayList<>();
        for (Row r : workloads()) {
            ws.add(r.workload());
        }
        ws.add(new Workload("Vidu pro", Family.VIDU, "viduq3-pro", VIDEO, CadenceScenario.uniform(180, 360)));
        ws.add(new Workload("Seedance 1.5 720p", Family.SEEDANCE_1_5, "seedance_1_5_pro_720p", VIDEO,
                CadenceScenario.logNormal(120, 300)));
        // ten workloads above share five models: give each its own model name, as twelve models
        List<Workload> twelve = new ArrayList<>();
        for (int i = 0; i < ws.size(); i++) {
            Workload w = ws.get(i);
            twelve.add(new Workload(w.name() + " " + w.dist().name(), w.family(), w.model() + (i < 10 ? "#" + i : ""),
                    w.period(), w.dist()));
        }
        int perModel = 1_000;
        Path file;
        try {
            file = java.nio.file.Files.createTempDirectory("taskpoll-cadence").resolve("models.db");
        } catch (java.io.IOException e) {
            return "Mixed: not run (" + e + ")\n\n";
        }
        dev.taskpoll.cadence.LearnedCadence cadence = CadenceScenario.learned();
        int kept;
        List<Task> done;
        try (dev.taskpoll.sqlite.SqliteStore store = dev.taskpoll.sqlite.SqliteStore.open(file)) {
            cadence.bind(new dev.taskpoll.spi.Cadence.Host() {
                @Override
                public void replan(java.util.function.Predicate<dev.taskpoll.spi.Cadence.Task> which) {
                }

                @Override
                public void save(String key, long observations, long[] window) {
                    store.saveModel(new dev.taskpoll.spi.Cadence.Saved(key, observations, window,
                            java.time.Instant.now())).block(Duration.ofSeconds(30));
                }
            });
            done = CadenceScenario.runMixed(twelve, cadence, perModel, 3);
            kept = store.models().collectList().block(Duration.ofSeconds(30)).size();
        } finally {
            deleteTree(file.getParent()); // the store file and its journal: nothing left in the temporary directory
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "Mixed: %d models tracked at once by one "
                + "engine (%,d tasks each, interleaved, about 40 of each running at once), each learning its own "
                + "distribution; the models are written to one task store as they are learned (%d rows in it at the "
                + "end). Per model, the tasks that started once 300 of that model had completed:%n%n", twelve.size(),
                perModel, kept))
                .append("| model | fixed: polls / mean / p99 lag | learned: polls / mean / p99 lag | saved |\n"
                        + "|---|---|---|---|\n");
        for (Workload w : twelve) {
            List<Task> mine = done.stream().filter(t -> t.model().equals(w.model())).toList();
            List<Task> steady = CadenceScenario.startedAfterCompletion(mine, 300);
            double[] fixed = fixed(steady.stream().map(t -> t.completion() - t.start()).toList(),
                    w.period().toSeconds());
            double[] learned = CadenceScenario.figures(steady, 0, steady.size());
            out.append(String.format(Locale.ROOT, "| %s | %.2f / %.1f / %.1f | %.2f / %.1f / %.1f | %+.0f%% |%n",
                    w.name(), fixed[0], fixed[1], fixed[2], learned[0], learned[1], learned[2],
                    100 * (learned[0] / fixed[0] - 1)));
        }
        return out.append('\n').toString();
    }

    private static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.deleteIfExists(p);
            }
        } catch (java.io.IOException e) {
            System.err.println("could not remove " + dir + ": " + e);
        }
    }

    /** Drift: 3x slower, then (another run) 3x faster, for the tasks arriving after the 1,500th. */
    static String drift() {
        StringBuilder out = new StringBuilder("Drift (VEO U(120, 300) for the first 1,500 tasks, then 3x slower or "
                + "3x faster for the tasks that arrive after; completions counted from the first one of a drifted "
                + "task):\n\n| drift | first 5 completions: lag mean (fixed grid) | detected after | polls/task at "
                + "completions 80-120 (1.5 x new limit) | completions with lag above the period (of the first 100) "
                + "| met |\n|---|---|---|---|---|---|\n");
        Workload base = workloads().get(0).workload();
        for (double factor : new double[] {3, 1.0 / 3}) {
            Workload w = base.drifting(1_500, factor);
            double[] completions = w.completions(N, Long.getLong("taskpoll.bench.driftSeed", 2));
            double spacing = 210.0 / 40;
            dev.taskpoll.cadence.LearnedCadence cadence = CadenceScenario.learned();
            CadenceScenario.Run run = CadenceScenario.run(w, cadence, completions, spacing);
            List<Task> after = run.tasks().stream().filter(t -> t.index() >= 1_500).toList();
            double period = 30;
            List<Task> first5 = after.subList(0, 5);
            double lag5 = first5.stream().mapToDouble(Task::lag).average().orElse(Double.NaN);
            double fixed5 = fixed(first5.stream().map(t -> t.completion() - t.start()).toList(), period)[1];
            long drifts = run.models().stream().mapToLong(Model::drifts).sum();
            int detectedAt = detection(run.tasks(), factor);
            List<Task> window = after.subList(80, Math.min(after.size(), 120));
            double pollsWindow = window.stream().mapToInt(Task::polls).average().orElse(Double.NaN);
            List<Double> newC = after.stream().map(t -> t.completion() - t.start()).toList();
            Dist newDist = factor > 1 ? CadenceScenario.uniform(360, 900) : CadenceScenario.uniform(40, 100);
            double newLimit = limit(newDist, newC, period)[0];
            long lateOnes = after.subList(0, 100).stream().filter(t -> t.lag() > period).count();
            boolean met = factor > 1 ? lag5 <= fixed5 + 1 && detectedAt <= 8 && pollsWindow <= 1.5 * newLimit
                    : lateOnes <= 15;
            out.append(String.format(Locale.ROOT, "| %s | %.1f s (%.1f s) | %s | %.2f (%.2f) | %d | %s |%n",
                    factor > 1 ? "3x slower" : "3x faster", lag5, fixed5,
                    detectedAt < 0 ? "not detected" : detectedAt + " completions (" + drifts + " drift(s))",
                    pollsWindow, 1.5 * newLimit, lateOnes, met ? "**met**" : "**missed**"));
        }
        return out.append('\n').toString();
    }

    /**
     * At which completion of a drifted task (1 for the first) the detector had fired, as the cadence's drift count
     * says right after each completion; -1 when it never did.
     */
    private static int detection(List<Task> byCompletion, double factor) {
        long before = -1;
        int seen = 0;
        for (Task t : byCompletion) {
            if (t.index() < 1_500) {
                before = t.drifts();
                continue;
            }
            seen++;
            if (t.drifts() > Math.max(0, before)) {
                return seen;
            }
        }
        return -1;
    }
}
