package dev.taskpoll.examples.cli;

import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TaskpollException;
import dev.taskpoll.examples.StatusJson;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code taskpoll get <id>}: the current status, once, as one JSON line. Exit 0, or 1 when it cannot be read. */
@Command(name = "get", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = TaskpollCli.EXIT_USAGE, description = "Print a task's current status once, as JSON.")
final class GetCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    Connection connection;

    @Parameters(paramLabel = "ID", description = "The task id.")
    String id;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        try (TaskpollClient client = connection.client(cl, System.getenv())) {
            TaskStatus s = client.status(connection.ref(cl, id, connection.family(cl).defaultPolicy()))
                    .block(Duration.ofMinutes(2));
            cl.getOut().println(StatusJson.line(s));
            cl.getOut().flush();
            return 0;
        } catch (TaskpollException e) {
            cl.getErr().println("taskpoll get: " + e.getMessage());
            return 1;
        }
    }
}
