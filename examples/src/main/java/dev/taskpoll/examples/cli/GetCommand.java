package dev.taskpoll.examples.cli;

import dev.taskpoll.ApiStatusException;
import dev.taskpoll.MalformedResponseException;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TaskpollException;
import dev.taskpoll.TransportException;
import dev.taskpoll.examples.StatusJson;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;
import reactor.core.publisher.Mono;

/**
 * {@code taskpoll get <id>}: the current status as one JSON line. One request, tried again (at most {@value #ATTEMPTS}
 * times, 1 s then 2 s apart) while the API is unreachable, answers 5xx or 408, or answers something unreadable; each
 * failure is said on stderr. Exit 0, or 1 when it cannot be read.
 */
@Command(name = "get", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = TaskpollCli.EXIT_USAGE,
        description = "Print a task's current status once, as JSON. One request, tried up to " + GetCommand.ATTEMPTS
                + " times while the API is unreachable, answers 5xx or 408, or answers something unreadable; exit 0"
                + " whatever the task's state, 1 when it cannot be read, 64 bad input.")
final class GetCommand implements Callable<Integer> {

    static final int ATTEMPTS = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    Connection connection;

    @Mixin
    StoreOption storeOption;

    @Parameters(paramLabel = "ID", description = "The task id.")
    String id;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        try (TaskpollClient client = connection.client(cl, System.getenv())) {
            // its dialect and model as the store recorded them, unless --dialect or --model says
            dev.taskpoll.TaskRef ref = connection.ref(cl, id, storeOption.known(System.getenv(), cl,
                    connection.apiKey(System.getenv()), List.of(id)).get(id), p -> p);
            for (int attempt = 1; ; attempt++) {
                try {
                    TaskStatus s = client.status(ref).block(Duration.ofMinutes(2));
                    cl.getOut().println(StatusJson.line(s));
                    cl.getOut().flush();
                    return 0;
                } catch (TaskpollException e) {
                    String what = e.messageWithoutTaskId();
                    if (!worthRetrying(e) || attempt == ATTEMPTS) {
                        cl.getErr().println("taskpoll get: task '" + id + "': " + what
                                + (attempt > 1 ? " (" + attempt + " attempts)" : ""));
                        return 1;
                    }
                    Duration wait = Duration.ofSeconds(1L << (attempt - 1));
                    cl.getErr().println("taskpoll get: task '" + id + "': " + what + "; retrying in "
                            + wait.toSeconds() + " s (attempt " + attempt + " of " + ATTEMPTS + ")");
                    cl.getErr().flush();
                    Mono.delay(wait).block(); // the calling thread, not a Reactor one
                }
            }
        }
    }

    /** A failure another request may not meet: no connection, a 5xx or 408, an unreadable answer. */
    static boolean worthRetrying(TaskpollException e) {
        return e instanceof TransportException || e instanceof MalformedResponseException
                || e instanceof ApiStatusException a && a.isTransient();
    }
}
