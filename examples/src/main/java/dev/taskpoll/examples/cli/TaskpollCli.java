package dev.taskpoll.examples.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code taskpoll}: the command line. Sub-commands: {@code demo}, {@code submit}, {@code run}, {@code tasks},
 * {@code get}, {@code watch}, {@code families}, {@code dashboard}.
 */
@Command(name = "taskpoll", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = TaskpollCli.EXIT_USAGE, version = "taskpoll 0.1.0-SNAPSHOT",
        description = "Tracks asynchronous AI generation tasks without blocking.",
        subcommands = {DemoCommand.class, SubmitCommand.class, RunCommand.class, TasksCommand.class, GetCommand.class,
                WatchCommand.class, FamiliesCommand.class, DashboardCommand.class},
        footer = "Exit codes: 0 done, 1 tracking error, 2 a task failed or was cancelled (watch, submit --wait,"
                + " run --until-idle), 64 bad input; each command's --help says its own.")
public final class TaskpollCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a sub-command is required (try: taskpoll demo)");
    }

    /** Bad flags or input. */
    static final int EXIT_USAGE = 64;

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TaskpollCli());
        // options of the shared connection options that these commands have no use for are not offered there (given,
        // they were silently ignored): run tracks each task with the dialect and model the store recorded, submit
        // takes the dialect from the family, get asks once and does not poll
        unused(cl, "run", "--dialect", "--model");
        unused(cl, "submit", "--dialect");
        unused(cl, "get", "--cadence");
        // bad input: the message (it names the flag, the value and the rule) and where to read more, not the usage
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine c = e.getCommandLine();
            PrintWriter err = c.getErr();
            err.println(e instanceof CommandLine.UnmatchedArgumentException u ? unmatched(u.getUnmatched())
                    : e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.println("try: " + c.getCommandSpec().qualifiedName() + " --help");
            err.flush();
            return c.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cl;
    }

    /**
     * What was not understood, without the values: picocli's own message quotes every argument, and the value after a
     * mistyped flag ({@code --redis-uri redis://:password@host}, {@code --api-kee sk-...}) may be a secret.
     */
    static String unmatched(java.util.List<String> args) {
        // a long flag up to its '=', a short one alone (-kVALUE is -k with its value attached)
        java.util.List<String> flags = args.stream().filter(a -> a.startsWith("-"))
                .map(a -> "'" + (a.startsWith("--") ? a.replaceFirst("=.*", "=...")
                        : a.length() > 2 ? a.substring(0, 2) + "..." : a) + "'").toList();
        long values = args.size() - flags.size();
        String notShown = values + " value" + (values == 1 ? "" : "s") + " not shown: a value may be a secret";
        if (flags.isEmpty()) {
            return "Unmatched argument" + (values == 1 ? "" : "s") + " (" + notShown + ")";
        }
        return "Unknown option" + (flags.size() == 1 ? "" : "s") + ": " + String.join(", ", flags)
                + (values > 0 ? " (and " + notShown + ")" : "");
    }

    private static void unused(CommandLine cl, String command, String... options) {
        CommandLine.Model.CommandSpec spec = java.util.Objects.requireNonNull(cl.getSubcommands().get(command),
                command).getCommandSpec();
        for (String option : options) {
            spec.remove(java.util.Objects.requireNonNull(spec.findOption(option), option));
        }
    }

    /** Runs the command line with {@code out} and {@code err} as its streams; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
