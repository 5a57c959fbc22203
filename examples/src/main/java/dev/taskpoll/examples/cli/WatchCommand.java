package dev.taskpoll.examples.cli;

import dev.taskpoll.PollPolicy;
import dev.taskpoll.PollRetrying;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.capture.CaptureEvent;
import dev.taskpoll.examples.StatusJson;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code taskpoll watch <id>...}: tracks tasks, one JSON line per status change on stdout, diagnostics on stderr. The
 * first poll of each task happens at once (the task was submitted elsewhere; nothing is known of it). Exit 0 when
 * every task completed, 2 when any failed or was cancelled, 1 on a tracking error.
 */
@Command(name = "watch", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = TaskpollCli.EXIT_USAGE,
        description = "Track tasks; print one JSON line per status change. Exit 0 all completed, 2 any failed or "
                + "cancelled, 1 tracking error, 64 bad input.")
final class WatchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    Connection connection;

    @Mixin
    StoreOption storeOption;

    @Parameters(paramLabel = "ID", arity = "1..*", description = "Task ids.")
    List<String> ids;

    @Option(names = "--interval", description = "Poll period, e.g. 30s (default: the family's).")
    String interval;

    @Option(names = "--timeout", description = "Deadline per task, e.g. 30m (default: the family's).")
    String timeout;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        Map<String, String> env = System.getenv();
        Duration period = interval == null ? null : Connection.interval(cl, interval);
        connection.intervalGiven = period != null;
        Duration deadline = timeout == null ? null : Connection.duration(cl, "--timeout", timeout);
        java.util.function.UnaryOperator<PollPolicy> chosen = p -> {
            PollPolicy q = period == null ? p : p.withPeriod(period);
            return deadline == null ? q : q.withDeadline(deadline);
        };
        // each task's dialect and model as the store recorded them, unless --dialect or --model says
        String key = connection.apiKey(env);
        Map<String, dev.taskpoll.TaskRecord> known = storeOption.known(env, cl, key, ids);
        List<dev.taskpoll.TaskRef> refs = ids.stream()
                .map(id -> connection.ref(cl, id, known.get(id), chosen)).toList();
        Duration longest = refs.stream().map(r -> r.policy().deadline()).max(Duration::compareTo).orElseThrow();
        try (TaskpollClient client = connection.client(cl, env)) {
            // a task submitted elsewhere: its first poll at once (a finished one is printed in one request)
            return follow(cl, "watch", ids, refs.stream().map(client::watch).toList(), retries(client, ids), longest);
        }
    }

    /** The failed requests of these tasks that are being retried, from the client's event feed. */
    static Flux<PollRetrying> retries(TaskpollClient client, java.util.Collection<String> ids) {
        java.util.Set<String> of = java.util.Set.copyOf(ids);
        return client.events().ofType(PollRetrying.class).filter(r -> of.contains(r.taskId()));
    }

    private static String seconds(Duration d) {
        return d.toMillis() < 1000 ? d.toMillis() + " ms" : String.format(java.util.Locale.ROOT, "%.1f s",
                d.toMillis() / 1000.0);
    }

    /**
     * Prints every status of every stream as one JSON line on stdout, and capture events and errors on stderr, until
     * all end, or {@code within} plus a minute has passed (then it says so on stderr, naming those of {@code ids}
     * not ended, and returns 1); also what {@code side} reports while they run (failed requests being retried, from
     * the client's event feed: not counted as errors, since tracking goes on). Printing happens here, on the calling
     * thread: a write to a terminal or a pipe may block, which no Reactor thread may. Returns the exit code: 1 on any
     * tracking error, else 2 when any task failed or was cancelled, else 0.
     */
    static int follow(CommandLine cl, String command, List<String> ids, List<? extends Flux<?>> streams,
                      Flux<PollRetrying> side, Duration within) {
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        Duration bound = within.plus(Duration.ofMinutes(1));
        java.util.Set<String> ended = new java.util.HashSet<>();
        AtomicBoolean late = new AtomicBoolean();
        Flux<Object> events = Flux.fromIterable(streams)
                .flatMap(stream -> stream.<Object>map(e -> e).onErrorResume(Mono::just), Math.max(1, streams.size()))
                .publish(main -> Flux.merge(side.takeUntilOther(main.then()), main))
                .takeUntilOther(Mono.delay(bound).doOnNext(t -> late.set(true)));
        int failed = 0;
        int errors = 0;
        // handed over on a bounded-elastic thread: the iterator's hand-off takes a lock, which an event loop emitting
        // the last status could find held by this thread and park on (BlockHound caught it, once in several runs)
        for (Object e : events.publishOn(reactor.core.scheduler.Schedulers.boundedElastic()).toIterable()) {
            if (e instanceof TaskStatus s) {
                if (s.isTerminal()) {
                    ended.add(s.taskId());
                }
                out.println(StatusJson.line(s));
                out.flush();
                if (s.isTerminal() && s.state() != TaskState.COMPLETED) {
                    failed++;
                }
            } else if (e instanceof PollRetrying r) {
                err.println("taskpoll " + command + ": task '" + r.taskId() + "': "
                        + r.failure().messageWithoutTaskId() + "; retrying in " + seconds(r.retryIn())
                        + (r.inRow() > 1 ? " (" + r.inRow() + " failures in a row)" : ""));
                err.flush();
            } else if (e instanceof CaptureEvent.Stored s) {
                err.printf("taskpoll %s: stored %s (%d bytes, sha256 %s)%n", command, s.path(), s.size(), s.sha256());
                err.flush();
            } else if (e instanceof CaptureEvent.Failed f) {
                errors++;
                err.println("taskpoll " + command + ": " + f.failure().getMessage() + "; result URLs: "
                        + String.join(" ", f.status().resultUrls()));
                err.flush();
            } else if (e instanceof CaptureEvent.ExpiryWarning w) {
                err.printf("taskpoll %s: results of %s expire at %s and are not stored yet%n", command, w.taskId(),
                        w.expiresAt());
                err.flush();
            } else {
                errors++;
                err.println("taskpoll " + command + ": " + ((Throwable) e).getMessage());
                err.flush();
            }
        }
        if (late.get()) {
            List<String> open = ids.stream().filter(id -> !ended.contains(id)).toList();
            err.println("taskpoll " + command + ": gave up after " + bound.toSeconds() + " s with task(s) "
                    + String.join(", ", open) + " not ended (tracking or"
                    + " storing results did not finish within the deadline plus a minute)");
            err.flush();
            return 1;
        }
        return errors > 0 ? 1 : failed > 0 ? 2 : 0;
    }
}
