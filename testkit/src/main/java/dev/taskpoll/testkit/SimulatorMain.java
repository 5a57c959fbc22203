package dev.taskpoll.testkit;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar testkit/target/taskpoll-simulator.jar [flags]}: the simulator in its own process, until stopped.
 * Its flags are read as the {@code taskpoll} command line reads its own (picocli; {@code --help}; durations as
 * {@code 2m}, {@code 500ms} or {@code PT2M}; bad input named with its flag, exit 64). {@code --help} lists them.
 */
@Command(name = "taskpoll-simulator", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = SimulatorMain.EXIT_USAGE,
        description = "The simulated API (GlobalAI OPC and the generic task dialect) on 127.0.0.1, until stopped.")
public final class SimulatorMain implements Callable<Integer> {

    static final int EXIT_USAGE = 64;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", defaultValue = "8080", description = "Port on 127.0.0.1, 0 for any (default 8080).")
    int port;

    @Option(names = "--scale", defaultValue = "1", description = "Simulated seconds per real second (default 1).")
    double scale;

    @Option(names = "--api-key", defaultValue = "sim-key", description = "The key to accept (default sim-key).")
    String apiKey;

    @Option(names = "--quota", paramLabel = "R", description = "Requests per simulated second per key; 429 past it.")
    Double quota;

    @Option(names = "--retry-after", defaultValue = "seconds", paramLabel = "seconds|date|none",
            description = "How a 429 says when to retry (default seconds).")
    String retryAfter;

    @Option(names = "--faults", paramLabel = "SPEC", description = "e.g. 5xx=0.05,reset=0.01,malformed=0.01,"
            + "truncated=0,stall=0.005,unknown=0.01,dup=0.1,reorder=0.1,stallFor=2m (default: none).")
    String faults;

    @Option(names = "--failure-rate", paramLabel = "F", description = "Share of generations that fail (default 0).")
    Double failureRate;

    @Option(names = "--generation", paramLabel = "MIN,MAX",
            description = "Every task's generation time, e.g. 2m,5m or PT2M,PT5M (default: per family).")
    String generation;

    @Option(names = "--seed", description = "Seed for times, outcomes and faults.")
    Long seed;

    @Option(names = "--create-delay", paramLabel = "D[,SHARE]",
            description = "Hold that share of create calls (default all) for D before answering, e.g. 3s,0.5.")
    String createDelay;

    @Option(names = "--media-bytes", paramLabel = "VIDEO,IMAGE", description = "Sizes of the result files.")
    String mediaBytes;

    @Option(names = "--warm-up", defaultValue = "0", paramLabel = "D",
            description = "Before listening, run a benchmark-like load that long on a throwaway simulator (JIT"
                    + " warm-up), e.g. 30s; a plain number is seconds; at most 5m (default 0).")
    String warmUp;

    @Option(names = "--https", description = "Serve https (API and media) with a certificate issued by an authority"
            + " made for this run, whose certificate goes to --ca-cert-out.")
    boolean https;

    @Option(names = "--http2", description = "Offer HTTP/2 besides HTTP/1.1: h2 by ALPN with --https, else h2c.")
    boolean http2;

    @Option(names = "--ca-cert-out", paramLabel = "FILE", description = "With --https: where the authority's"
            + " certificate is written, as PEM, for clients to trust (taskpoll --ca-cert FILE); default:"
            + " taskpoll-simulator-ca.pem. Written whole (a file moved into place) before the 'listening at' line.")
    java.nio.file.Path caCertOut;

    /** The flags read once: the simulator they configure, how long to warm up, where its authority goes (https). */
    record Flags(Simulator.Builder builder, Duration warmUp, java.nio.file.@org.jspecify.annotations.Nullable Path caCertOut) {
    }

    /** The flags of {@code args}; bad ones refused with an {@link IllegalArgumentException} naming the flag. */
    static Flags flags(String... args) {
        SimulatorMain main = new SimulatorMain();
        try {
            new CommandLine(main).setOverwrittenOptionsAllowed(true).parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return main.flags();
    }

    static Simulator.Builder parse(String... args) {
        return flags(args).builder();
    }

    private Flags flags() {
        Simulator.Builder b = Simulator.builder().port(port).apiKey(apiKey);
        RetryAfterMode mode = switch (retryAfter.toLowerCase(Locale.ROOT)) {
            case "seconds" -> RetryAfterMode.SECONDS;
            case "date" -> RetryAfterMode.HTTP_DATE;
            case "none" -> RetryAfterMode.NONE;
            default -> throw new IllegalArgumentException("--retry-after: '" + retryAfter
                    + "' is not one of seconds, date, none");
        };
        if (faults != null) {
            b.faults(Faults.parse(faults));
        }
        if (failureRate != null) {
            b.failureRate(failureRate);
        }
        if (generation != null) {
            String[] mm = generation.split(",", 2);
            if (mm.length != 2) {
                throw new IllegalArgumentException("--generation: '" + generation + "' is not MIN,MAX (e.g. 2m,5m)");
            }
            b.generationTime(DurationText.parse("--generation", mm[0]), DurationText.parse("--generation", mm[1]));
        }
        if (seed != null) {
            b.seed(seed);
        }
        if (createDelay != null) {
            String[] ds = createDelay.split(",", 2);
            b.createDelay(DurationText.parse("--create-delay", ds[0]), ds.length == 2 ? number("--create-delay",
                    ds[1]) : 1);
        }
        if (mediaBytes != null) {
            String[] vi = mediaBytes.split(",", 2);
            if (vi.length != 2) {
                throw new IllegalArgumentException("--media-bytes: '" + mediaBytes + "' is not VIDEO,IMAGE");
            }
            b.mediaSize((int) number("--media-bytes", vi[0]), (int) number("--media-bytes", vi[1]));
        }
        Duration warm = warmUp.trim().matches("-?\\d+")
                ? Duration.ofSeconds(Long.parseLong(warmUp.trim())) : DurationText.parse("--warm-up", warmUp);
        if (warm.isNegative() || warm.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("--warm-up: '" + warmUp + "' must be from 0 to 300 seconds");
        }
        b.time(SimTime.accelerated(scale));
        if (quota != null && quota > 0) {
            b.quota(quota, mode);
        }
        if (caCertOut != null && !https) {
            throw new IllegalArgumentException("--ca-cert-out: only with --https (a plain http simulator has no"
                    + " certificate)");
        }
        b.https(https).http2(http2);
        return new Flags(b, warm, !https ? null : caCertOut != null ? caCertOut
                : java.nio.file.Path.of("taskpoll-simulator-ca.pem"));
    }

    private static double number(String flag, String text) {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": '" + text.trim() + "' is not a number");
        }
    }

    @Override
    public Integer call() {
        Flags flags;
        Simulator sim;
        try {
            flags = flags();
            sim = flags.builder().build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!flags.warmUp().isZero()) {
            SimWarmUp.Done d = SimWarmUp.run(flags.warmUp());
            System.out.println("taskpoll simulator warmed up for " + flags.warmUp().toSeconds() + " s: " + d.created()
                    + " tasks, " + d.polls() + " status requests, " + d.ended() + " ended");
        }
        sim.start();
        if (flags.caCertOut() != null) {
            // whole before anyone is told where to connect: written beside it, then moved into place
            java.nio.file.Path target = flags.caCertOut().toAbsolutePath();
            java.nio.file.Path part = target.resolveSibling(target.getFileName() + ".part");
            try {
                java.nio.file.Files.writeString(part, sim.certificateAuthorityPem());
                java.nio.file.Files.move(part, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.io.IOException e) {
                sim.close();
                try {
                    java.nio.file.Files.deleteIfExists(part);
                } catch (java.io.IOException ignored) {
                    // the message below names the file
                }
                String why = e instanceof java.nio.file.NoSuchFileException ? "its directory does not exist"
                        : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.toString();
                throw new CommandLine.ParameterException(spec.commandLine(), "--ca-cert-out: '" + flags.caCertOut()
                        + "' cannot be written (" + why + ")");
            }
        }
        System.out.println("taskpoll simulator listening at " + sim.baseUrl() + " (key: " + sim.apiKey()
                + ", ledger: " + sim.baseUrl().replace(Simulator.PATH_PREFIX, "") + "/_sim/tasks)");
        if (flags.caCertOut() != null) {
            System.out.println("its certificate authority is in " + flags.caCertOut().toAbsolutePath()
                    + " (trust it with: taskpoll ... --ca-cert " + flags.caCertOut() + ")");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(sim::close, "simulator-shutdown"));
        try {
            Thread.currentThread().join(); // until stopped
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    public static void main(String[] args) {
        // a flag given twice: the last one wins (scripts add to a default command line)
        CommandLine cl = new CommandLine(new SimulatorMain()).setOverwrittenOptionsAllowed(true);
        // bad input: the message (it names the flag) and where to read more, not the whole usage
        cl.setParameterExceptionHandler((e, a) -> {
            java.io.PrintWriter err = e.getCommandLine().getErr();
            err.println("taskpoll-simulator: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.println("try: taskpoll-simulator --help");
            err.flush();
            return EXIT_USAGE;
        });
        System.exit(cl.execute(args));
    }
}
