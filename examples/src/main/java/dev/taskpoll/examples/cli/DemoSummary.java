package dev.taskpoll.examples.cli;

import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.testkit.Simulator;
import dev.taskpoll.testkit.TaskTruth;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The demo's closing table: per family, what happened, from the client's view checked against the simulator's. */
record DemoSummary(Map<String, Row> rows, int accountedFor, int mismatches) {

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

    static DemoSummary of(List<TaskRef> refs, Map<String, String> familyOf, Map<String, TaskStatus> terminal,
                          Map<String, Throwable> errors, Simulator sim) {
        Map<String, Row> rows = new TreeMap<>();
        int accounted = 0;
        int mismatches = 0;
        for (TaskRef ref : refs) {
            Row row = rows.computeIfAbsent(familyOf.get(ref.id()), f -> new Row());
            row.tasks++;
            TaskTruth truth = sim.truth(ref.id()).orElseThrow();
            row.polls += truth.polls().size();
            TaskStatus end = terminal.get(ref.id());
            if (end != null) {
                accounted++;
                if (end.state() == TaskState.COMPLETED) {
                    row.completed++;
                } else {
                    row.failed++;
                }
                if (!end.rawStatus().equals(truth.outcome().raw())) {
                    mismatches++;
                }
                long lag = Duration.between(truth.finishedAt(), end.observedAt()).toMillis();
                row.lagMillis += lag;
                row.maxLagMillis = Math.max(row.maxLagMillis, lag);
                row.lagged++;
            } else if (errors.containsKey(ref.id())) {
                accounted++;
                row.errors++;
            }
        }
        return new DemoSummary(rows, accounted, mismatches);
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
        out.println("(lag: simulated time from the simulator finishing a task to taskpoll emitting its final status)");
    }
}
