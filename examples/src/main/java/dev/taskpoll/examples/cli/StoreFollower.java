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

    /** Reads the task's record every half second, on this thread, for at most {@code deadline} plus a minute. */
    static int follow(CommandLine cl, String command, TaskpollClient client, String id, Duration deadline) {
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        int printed = 0;
        long until = System.nanoTime() + deadline.plusMinutes(1).toNanos();
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
                    err.flush();
                    return last != null && last.state() == TaskState.COMPLETED ? 0 : 2;
                }
            }
            LockSupport.parkNanos(500_000_000L);
        }
        err.println("taskpoll " + command + ": task '" + id + "' has not ended in the store after " + deadline
                + " and a minute; the process that tracks the store goes on");
        return 1;
    }
}
