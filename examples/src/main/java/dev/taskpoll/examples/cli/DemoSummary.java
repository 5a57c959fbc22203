package dev.taskpoll.examples.cli;

import dev.taskpoll.TaskEvent;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.capture.CaptureEvent;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.testkit.Faults;
import dev.taskpoll.testkit.Simulator;
import dev.taskpoll.testkit.TaskTruth;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** The demo's closing table: per family, what happened, from the client's view checked against the simulator's. */
record DemoSummary(Map<String, Row> rows, int accountedFor, int mismatches, Map<String, Integer> errorKinds,
                   int captureErrors, List<String> captureMessages) {

    /** One family's figures. */
    static final class Row {
        int tasks;
        int completed;
        int failed;
        int errors;
        long polls;
        long throttled;
        int files;
        long bytes;
        long lagMillis;
        long maxLagMillis;
        int lagged;
        long answerMillis;
        int answered;
    }

    /**
     * How one task ended, as the demo saw it: a terminal status, or an error (with the id when it was known); for a
     * completed task, the files stored or the capture's error; when the client had the task's id (the submit's answer,
     * as the store recorded it), or null when not known.
     */
    record Outcome(Family family, @Nullable String id, @Nullable TaskStatus terminal, @Nullable Throwable error,
                   List<CaptureEvent.Stored> stored, @Nullable Throwable captureError, @Nullable Instant answeredAt) {

        /** From the events {@code ResultCapture.attach} gave for one task that ended without an error. */
        static Outcome of(Family family, List<TaskEvent> events, @Nullable Instant answeredAt) {
            TaskStatus terminal = null;
            List<CaptureEvent.Stored> stored = new ArrayList<>();
            Throwable captureError = null;
            for (TaskEvent e : events) {
                if (e instanceof TaskStatus s && s.isTerminal()) {
                    terminal = s;
                } else if (e instanceof CaptureEvent.Stored s) {
                    stored.add(s);
                } else if (e instanceof CaptureEvent.Failed f) {
                    captureError = f.failure();
                }
            }
            return new Outcome(family, events.isEmpty() ? null : events.get(0).taskId(), terminal, null,
                    List.copyOf(stored), captureError, answeredAt);
        }
    }

    static DemoSummary of(List<Outcome> outcomes, Simulator sim) {
        Map<String, Row> rows = new TreeMap<>();
        int accounted = 0;
        int mismatches = 0;
        Map<String, Integer> kinds = new TreeMap<>();
        List<String> captureMessages = new ArrayList<>();
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
                row.throttled += truth.polls().stream().filter(p -> p.outcome() == Faults.Kind.THROTTLED).count();
            }
            row.files += o.stored().size();
            row.bytes += o.stored().stream().mapToLong(CaptureEvent.Stored::size).sum();
            if (o.captureError() != null) {
                captureMessages.add(String.valueOf(o.captureError().getMessage()));
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
            // the poller's lag: from the task's end, or from the client having its id when the submit's answer came
            // later (at x120 each real millisecond of that answer is 0.12 simulated s, and a 5-30 s image can be done
            // before it arrives)
            Instant from = truth.finishedAt();
            if (o.answeredAt() != null) {
                row.answerMillis += Math.max(0, Duration.between(truth.createdAt(), o.answeredAt()).toMillis());
                row.answered++;
                if (o.answeredAt().isAfter(from)) {
                    from = o.answeredAt();
                }
            }
            long lag = Math.max(0, Duration.between(from, end.observedAt()).toMillis());
            row.lagMillis += lag;
            row.maxLagMillis = Math.max(row.maxLagMillis, lag);
            row.lagged++;
        }
        return new DemoSummary(rows, accounted, mismatches, kinds, captureMessages.size(), captureMessages);
    }

    /** The table, the totals and a legend; {@code scale}: simulated seconds per real second. */
    void print(PrintWriter out, Path dir, double scale) {
        out.println();
        out.printf("%-14s %6s %10s %7s %7s %11s %6s %13s %12s %6s %10s%n", "family", "tasks", "completed", "failed",
                "errors", "polls/task", "429s", "mean lag (s)", "max lag (s)", "files", "answer (s)");
        int tasks = 0;
        int files = 0;
        long bytes = 0;
        for (Map.Entry<String, Row> e : rows.entrySet()) {
            Row r = e.getValue();
            tasks += r.tasks;
            files += r.files;
            bytes += r.bytes;
            out.printf("%-14s %6d %10d %7d %7d %11.1f %6d %13.1f %12.1f %6d %10.1f%n", e.getKey(), r.tasks,
                    r.completed, r.failed, r.errors, r.polls / (double) r.tasks, r.throttled,
                    r.lagged == 0 ? 0 : r.lagMillis / 1000.0 / r.lagged, r.maxLagMillis / 1000.0, r.files,
                    r.answered == 0 ? 0 : r.answerMillis / 1000.0 / r.answered);
        }
        out.printf("%d of %d tasks accounted for; %d final statuses differ from the simulator's truth.%n",
                accountedFor, tasks, mismatches);
        out.printf("%d result files (%d bytes) stored under %s (checksums in SHA256SUMS); %d captures failed.%n",
                files, bytes, dir, captureErrors);
        captureMessages.stream().limit(5).forEach(m -> out.println("  capture failed: " + m));
        int errors = rows.values().stream().mapToInt(r -> r.errors).sum();
        if (errors > 0) {
            out.printf("%d tasks ended with an error instead of a final status: %s%n", errors, errorKinds);
        }
        out.println("(polls and 429s: status requests the simulator answered; lag: simulated time from the simulator"
                + " finishing a task, or from taskpoll getting its id if that came later, to taskpoll emitting its final"
                + " status; answer: simulated time from the simulator creating a task to taskpoll getting its id, the"
                + " submit's real round trip times the time scale)");
        if (scale > 10) {
            out.printf(java.util.Locale.ROOT, "(at x%.0f each real millisecond is %.2f simulated s: a warming JVM's pauses"
                    + " and the requests' real round trips weigh on the image tasks' few seconds; --scale 10 shows their"
                    + " lag nearer the cadence's own)%n", scale, scale / 1000);
        }
    }
}
