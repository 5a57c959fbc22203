package dev.taskpoll.examples.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code taskpoll}: the command line. Sub-commands: {@code demo}. */
@Command(name = "taskpoll", mixinStandardHelpOptions = true, version = "taskpoll 0.1.0-SNAPSHOT",
        description = "Tracks asynchronous AI generation tasks without blocking.",
        subcommands = {DemoCommand.class})
public final class TaskpollCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a sub-command is required (try: taskpoll demo)");
    }

    /** Runs the command line with {@code out} and {@code err} as its streams; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return new CommandLine(new TaskpollCli()).setOut(out).setErr(err).execute(args);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new TaskpollCli()).execute(args));
    }
}
