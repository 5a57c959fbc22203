package dev.taskpoll.examples.cli;

import dev.taskpoll.StoredFile;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.examples.StatusJson;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;

/**
 * Follows one task in the store while another process tracks it: prints each status as it is recorded there (the
 * same JSON lines as {@code watch}), then the files stored, until the task's end is recorded.
 */
final class StoreFollower {

    private StoreFollower() {
    }

    /** How much longer than the deadline a follower waits when results are expected: the tracker's capture. */
    static final Duration CAPTURE_ALLOWANCE = Duration.ofMinutes(10);

    /**
     * Reads the task's record every half second, on this thread, for at most {@code deadline} plus a minute (plus
     * {@link #CAPTURE_ALLOWANCE} with {@code results}). {@code results}: the user asked for the results to be stored
     * ({@code --download}); a task that completed with none recorded (the tracker stores none: a {@code run} without
     * {@code --download}) is then an error, exit 1, with its result URLs.
     */
    static int follow(CommandLine cl, String command, TaskpollClient client, String id, Duration deadline,
                      boolean results) {
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        int printed = 0;
        long until = System.nanoTime() + deadline.plusMinutes(1).plus(results ? CAPTURE_ALLOWANCE : Duration.ZERO)
                .toNanos();
        while (System.nanoTime() < until) {
            TaskRecord r = client.task(id).block(Duration.ofSeconds(30));
            if (r != null) {
                for (; printed < r.history().size(); printed++) {
                    out.println(StatusJson.line(r.history().get(printed)));
                }
                out.flush();
                if (r.phase() == TaskRecord.Phase.ENDED) {
                    Set<Integer> shown = new HashSet<>();
                    for (StoredFile f : r.files()) {
                        if (shown.add(f.index())) {
                            err.printf("taskpoll %s: stored %s (%d bytes, sha256 %s)%n", command, f.path(), f.size(),
                                    f.sha256());
                        }
                    }
                    TaskStatus last = r.last();
                    if (r.error() != null) {
                        err.println("taskpoll " + command + ": " + r.error());
                        err.flush();
                        return 1;
                    }
                    boolean completed = last != null && last.state() == TaskState.COMPLETED;
                    if (completed && results && r.files().isEmpty() && !last.resultUrls().isEmpty()) {
                        err.println("taskpoll " + command + ": task '" + id + "' completed, but its results were not"
                                + " stored: the process that tracks the store stores none (a run without --download);"
                                + " result URLs: " + String.join(" ", last.resultUrls()));
                        err.flush();
                        return 1;
                    }
                    err.flush();
                    return completed ? 0 : 2;
                }
            }
            LockSupport.parkNanos(500_000_000L);
        }
        err.println("taskpoll " + command + ": task '" + id + "' has not ended in the store after " + deadline
                + " and a minute" + (results ? " (and " + CAPTURE_ALLOWANCE.toMinutes() + " for its results)" : "")
                + "; the process that tracks the store goes on");
        return 1;
    }
}
