package dev.taskpoll.examples.cli;

import dev.taskpoll.TaskEvent;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskStalled;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskStoreException;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackingFailed;
import dev.taskpoll.capture.CaptureEvent;
import dev.taskpoll.capture.CaptureOptions;
import dev.taskpoll.catalog.AssetLibrary;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.TaskKind;
import dev.taskpoll.examples.StatusJson;
import dev.taskpoll.spi.TaskStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;
import reactor.core.Disposable;

/**
 * {@code taskpoll run [--store FILE | --redis URI [--lease DURATION]] [--download DIR] [--until-idle]}: tracks
 * every open task of the store, and every task another process adds while it runs, printing one JSON line per status
 * change; stores results when {@code --download} is given; in cluster mode {@code --lease} sets how long a killed
 * worker's tasks wait for another (3 s to 10 min, default 15 s). A worker until stopped (SIGTERM stops it cleanly:
 * nothing half-written, open tasks stay open for the next run); with {@code --until-idle} it exits when no open task
 * is left.
 */
@Command(name = "run", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = TaskpollCli.EXIT_USAGE,
        description = "Track every open task of the task store, and the tasks other processes add, until stopped "
                + "(SIGTERM: stops cleanly) or, with --until-idle, until none is open. One JSON line per status change. "
                + "Exit (--until-idle) 0 every task completed (and stored, with --download), 2 any failed or "
                + "cancelled, 1 an error; 64 bad input.")
final class RunCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    Connection connection;

    @Mixin
    StoreOption storeOption;

    @Option(names = "--download", paramLabel = "DIR",
            description = "Store each completed task's results in DIR/<task id>/<n>.<ext>, recorded in the store.")
    Path download;

    @Option(names = "--until-idle", description = "Exit once no open task is left in the store.")
    boolean untilIdle;

    @Option(names = "--lease", paramLabel = "DURATION",
            description = "Cluster mode (--redis): how long this worker's hold on its share of the tasks lasts without"
                    + " a renewal, 3s to 10m (default 15s); a killed worker's tasks move to the others after about"
                    + " this long. Renewed every third of it.")
    String lease;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        Map<String, String> env = System.getenv();
        Path file = storeOption.path(env);
        if (file == null && storeOption.redisUri(env) == null) {
            throw new CommandLine.ParameterException(cl, "--store: none holds no task to run; give a store file");
        }
        if (lease != null && storeOption.redisUri(env) == null) {
            throw new CommandLine.ParameterException(cl, "--lease: " + lease + " applies to cluster mode only;"
                    + " give --redis (or TASKPOLL_REDIS), or leave --lease out");
        }
        StoreOption.downloadDirectory(cl, download);
        connection.check(cl, env); // bad input leaves no store file behind
        String where = storeOption.describe(env, cl, connection.apiKey(env));
        TaskStore store;
        try {
            store = storeOption.tracking(env, cl, connection.apiKey(env), true, lease);
        } catch (TaskStoreException e) {
            cl.getErr().println("taskpoll run: " + e.getMessage());
            return 1;
        }
        CaptureOptions capture = download == null ? null : CaptureOptions.builder(download)
                .allowPlainHttpOnLoopback(connection.plainLoopback(env)).build();
        TaskpollClient client = connection.client(cl, env, store, capture);
        AtomicBoolean stopping = new AtomicBoolean();
        Thread hook = new Thread(() -> { // SIGTERM: stop tracking, commit, release the lock, remove partial files
            stopping.set(true);
            client.close();
        }, "taskpoll-run-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        ConcurrentLinkedQueue<TaskEvent> events = new ConcurrentLinkedQueue<>();
        Disposable feed = client.events().subscribe(events::add);
        Outcomes outcomes = new Outcomes();
        long doubt = client.tasks(TaskRecord.Phase.IN_DOUBT).count().blockOptional(Duration.ofMinutes(1)).orElse(0L);
        if (doubt > 0) {
            cl.getErr().printf("taskpoll run: %d submit%s in doubt in %s (sent, never answered; not sent again):"
                    + " taskpoll tasks --state in-doubt%n", doubt, doubt == 1 ? "" : "s", where);
        }
        try {
            long nextIdleCheck = 0;
            boolean idleOnce = false;
            while (!stopping.get()) {
                TaskEvent e = events.poll();
                if (e != null) {
                    idleOnce = false;
                    outcomes.print(cl, e);
                    if (e instanceof TaskStatus s && !s.isTerminal()) {
                        expectedEnd(cl, client, s.taskId());
                    }
                    continue;
                }
                if (untilIdle && System.nanoTime() >= nextIdleCheck) {
                    nextIdleCheck = System.nanoTime() + 200_000_000L;
                    // idle at two checks in a row, nothing on the feed between them: a task's end is committed before
                    // it is emitted, on another thread, so the check that finds nothing open can come first
                    boolean idle = idle(client, outcomes.leftOpen);
                    if (idle && idleOnce) {
                        for (TaskEvent last; (last = events.poll()) != null; ) {
                            outcomes.print(cl, last);
                        }
                        break;
                    }
                    idleOnce = idle;
                }
                LockSupport.parkNanos(20_000_000L);
            }
            // read before the client closes the store (not on SIGTERM: the stop closes it meanwhile; the lines above
            // said which writes failed)
            if (!outcomes.leftOpen.isEmpty() && !stopping.get()) {
                List<String> still = client.tasks(TaskRecord.Phase.OPEN).map(TaskRecord::id)
                        .filter(outcomes.leftOpen::contains).collectList().onErrorReturn(List.copyOf(outcomes.leftOpen))
                        .blockOptional(Duration.ofMinutes(1)).orElse(List.copyOf(outcomes.leftOpen));
                outcomes.stillOpen(still);
                if (!still.isEmpty()) {
                    cl.getErr().println("taskpoll run: left open in the store, whose writes failed: "
                            + String.join(" ", still) + " (the next run tracks them again)");
                }
            }
        } finally {
            feed.dispose();
            if (!stopping.get()) {
                Runtime.getRuntime().removeShutdownHook(hook);
                client.close();
            }
        }
        cl.getErr().printf("taskpoll run: %d completed, %d failed or cancelled, %d errors%n", outcomes.completed,
                outcomes.failed, outcomes.errors());
        cl.getErr().flush();
        return outcomes.exitCode();
    }

    /** A kind of each dialect: the tracker keys its tasks by dialect and id. */
    private static final List<TaskKind> ONE_KIND_PER_DIALECT = oneKindPerDialect();

    private static List<TaskKind> oneKindPerDialect() {
        Map<Dialect, TaskKind> byDialect = new EnumMap<>(Dialect.class);
        for (TaskKind kind : Family.values()) {
            byDialect.putIfAbsent(kind.dialect(), kind);
        }
        for (TaskKind kind : AssetLibrary.values()) {
            byDialect.putIfAbsent(kind.dialect(), kind);
        }
        return List.copyOf(byDialect.values());
    }

    /**
     * With a learned cadence, the task's expected end on stderr (nothing with the fixed grid). A status does not say
     * which dialect its task was recorded with: each dialect is asked.
     */
    static void expectedEnd(CommandLine cl, TaskpollClient client, String id) {
        for (TaskKind kind : ONE_KIND_PER_DIALECT) {
            // the client reads every dialect (a status source each): none is refused
            java.util.Optional<dev.taskpoll.spi.Cadence.Estimate> e = client.tracker()
                    .expectedEnd(TaskRef.of(id, kind));
            if (e.isPresent()) {
                cl.getErr().printf("taskpoll: %s expected to end in about %s (%s to %s)%n", id,
                        human(e.get().median()), human(e.get().low()), human(e.get().high()));
                cl.getErr().flush();
                return;
            }
        }
    }

    /** 45s, 3m10s, 1h2m. */
    static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
        }
        return (s / 3600) + "h" + ((s % 3600) / 60) + "m";
    }

    /**
     * Nothing tracked here and nothing open in the store (a task whose capture runs is still open there) but the tasks
     * whose writes the store refused in this run: this process tries them again later, but an idle run does not wait
     * for a store that may not recover; they stay open for the next run, and the run exits 1.
     */
    private static boolean idle(TaskpollClient client, java.util.Set<String> leftOpen) {
        if (client.tracker().activeTasks() != 0) {
            return false;
        }
        long open = client.tasks(TaskRecord.Phase.OPEN).count().blockOptional(Duration.ofMinutes(1)).orElse(1L);
        if (open == 0 || leftOpen.isEmpty() || open > leftOpen.size()) {
            return open == 0;
        }
        return client.tasks(TaskRecord.Phase.OPEN).all(r -> leftOpen.contains(r.id()))
                .blockOptional(Duration.ofMinutes(1)).orElse(false);
    }

    /**
     * What the run printed, and how its tasks ended. A task whose tracking or end the store refused is tracked again
     * once the store takes writes (a disk full for a while): it counts as an error only if it is still open when the
     * run ends ({@link #stillOpen}), or if the run is stopped before it was tracked again.
     */
    static final class Outcomes {
        int completed;
        int failed;
        /** Errors printed as they came (capture and tracking failures), store refusals apart. */
        private int printed;
        /** Tasks whose tracking or end the store refused in this run, not tracked again since. */
        final java.util.Set<String> leftOpen = new java.util.TreeSet<>();
        /**
         * The tasks of {@link #leftOpen} the store still holds open at the end of the run: only those are errors.
         *
         * @param ids their ids
         */
        void stillOpen(java.util.Collection<String> ids) {
            leftOpen.retainAll(ids);
        }

        /** Errors: those printed, and the tasks the store refused that were not tracked again nor found ended. */
        int errors() {
            return printed + leftOpen.size();
        }

        /** 1 after an error, else 2 after a failed or cancelled task, else 0. */
        int exitCode() {
            return errors() > 0 ? 1 : failed > 0 ? 2 : 0;
        }

        void print(CommandLine cl, TaskEvent e) {
            PrintWriter out = cl.getOut();
            PrintWriter err = cl.getErr();
            if (e instanceof TaskStatus s) {
                leftOpen.remove(s.taskId()); // tracked again (its record read back once the store took writes again)
            }
            if (e instanceof TaskStatus s) {
                out.println(StatusJson.line(s));
                out.flush();
                if (s.state() == TaskState.COMPLETED) {
                    completed++;
                } else if (s.isTerminal()) {
                    failed++;
                }
            } else if (e instanceof CaptureEvent.Stored s) {
                err.printf("taskpoll run: stored %s (%d bytes, sha256 %s)%n", s.path(), s.size(), s.sha256());
            } else if (e instanceof CaptureEvent.Failed f) {
                printed++;
                err.println("taskpoll run: " + f.failure().getMessage() + "; result URLs: "
                        + String.join(" ", f.status().resultUrls()));
            } else if (e instanceof CaptureEvent.ExpiryWarning w) {
                err.printf("taskpoll run: results of %s expire at %s and are not stored yet%n", w.taskId(),
                        w.expiresAt());
            } else if (e instanceof TrackingFailed f) {
                if (f.failure() instanceof dev.taskpoll.TaskStoreException) {
                    leftOpen.add(f.taskId()); // an error only if not tracked again by the end (exitCode)
                } else {
                    printed++;
                }
                err.println("taskpoll run: " + f.failure().getMessage());
            } else if (e instanceof TaskStalled st) {
                err.printf("taskpoll run: %s is running for %s, past its model's learned 99.9th percentile (%s);"
                        + " still tracked until its deadline%n", st.taskId(), human(st.running()),
                        human(st.threshold()));
            }
            err.flush();
        }
    }
}
