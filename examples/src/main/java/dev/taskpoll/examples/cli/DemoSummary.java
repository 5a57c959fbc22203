package dev.taskpoll.examples.cli;

import dev.taskpoll.Family;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.testkit.Simulator;
import dev.taskpoll.testkit.TaskTruth;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** The demo's closing table: per family, what happened, from the client's view checked against the simulator's. */
record DemoSummary(Map<String, Row> rows, int accountedFor, int mismatches, Map<String, Integer> errorKinds) {

    /** One family's figures. */
    static final class Row {
        int tasks;
        int completed;
        int failed;
        int errors;
        long polls;
        long lagMillis;
        long maxLagMillis;
        int lagged;
    }

    /** How one task ended, as the demo saw it: a terminal status, or an error (with the id when it was known). */
    record Outcome(Family family, @Nullable String id, @Nullable TaskStatus terminal, @Nullable Throwable error) {
    }

    static DemoSummary of(List<Outcome> outcomes, Simulator sim) {
        Map<String, Row> rows = new TreeMap<>();
        int accounted = 0;
        int mismatches = 0;
        Map<String, Integer> kinds = new TreeMap<>();
        for (Outcome o : outcomes) {
            if (o.error() != null) {
                kinds.merge(o.error().getClass().getSimpleName(), 1, Integer::sum);
            }
            Row row = rows.computeIfAbsent(o.family().name(), f -> new Row());
            row.tasks++;
            accounted++;
            TaskTruth truth = o.id() == null ? null : sim.truth(o.id()).orElse(null);
            if (truth != null) {
                row.polls += truth.polls().size();
            }
            TaskStatus end = o.terminal();
            if (end == null) {
                row.errors++;
                continue;
            }
            if (end.state() == TaskState.COMPLETED) {
                row.completed++;
            } else {
                row.failed++;
            }
            if (truth == null || !end.rawStatus().equals(truth.outcome().raw())) {
                mismatches++;
                continue;
            }
            long lag = Duration.between(truth.finishedAt(), end.observedAt()).toMillis();
            row.lagMillis += lag;
            row.maxLagMillis = Math.max(row.maxLagMillis, lag);
            row.lagged++;
        }
        return new DemoSummary(rows, accounted, mismatches, kinds);
    }

    void print(PrintWriter out) {
        out.println();
        out.printf("%-14s %6s %10s %7s %7s %11s %13s %12s%n", "family", "tasks", "completed", "failed", "errors",
                "polls/task", "mean lag (s)", "max lag (s)");
        int tasks = 0;
        for (Map.Entry<String, Row> e : rows.entrySet()) {
            Row r = e.getValue();
            tasks += r.tasks;
            out.printf("%-14s %6d %10d %7d %7d %11.1f %13.1f %12.1f%n", e.getKey(), r.tasks, r.completed, r.failed,
                    r.errors, r.polls / (double) r.tasks, r.lagged == 0 ? 0 : r.lagMillis / 1000.0 / r.lagged,
                    r.maxLagMillis / 1000.0);
        }
        out.printf("%d of %d tasks accounted for; %d final statuses differ from the simulator's truth.%n",
                accountedFor, tasks, mismatches);
        int errors = rows.values().stream().mapToInt(r -> r.errors).sum();
        if (errors > 0) {
            out.printf("%d tasks ended with an error instead of a final status: %s%n", errors, errorKinds);
        }
        out.println("(lag: simulated time from the simulator finishing a task to taskpoll emitting its final status)");
    }
}
