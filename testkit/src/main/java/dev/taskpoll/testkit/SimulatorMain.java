package dev.taskpoll.testkit;

import java.time.Duration;
import java.util.Locale;

/**
 * {@code java -jar testkit/target/taskpoll-simulator.jar [flags]}: the simulator in its own process, until killed.
 *
 * <pre>
 * --port N             port on 127.0.0.1 (default 8080; 0 for any)
 * --scale X            simulated seconds per real second (default 1)
 * --api-key K          the key to accept (default sim-key)
 * --quota R            requests per simulated second per key; 429 past it (default: none)
 * --retry-after M      seconds | date | none: how a 429 says when to retry (default seconds)
 * --faults SPEC        e.g. 5xx=0.05,reset=0.01,malformed=0.01,empty=0,truncated=0,stall=0.005,unknown=0.01,
 *                      dup=0.1,reorder=0.1,stallFor=PT2M (default: none)
 * --failure-rate F     share of generations that fail (default 0)
 * --generation MIN,MAX every task's generation time, ISO-8601 durations, e.g. PT2M,PT5M (default: per family)
 * --seed N             seed for times, outcomes and faults
 * --warm-up SECONDS    before listening, run that long a benchmark-like load on a throwaway simulator in this JVM,
 *                      so that the JIT has compiled the request paths before anything is measured (default 0)
 * </pre>
 */
public final class SimulatorMain {

    private SimulatorMain() {
    }

    public static void main(String[] args) {
        Simulator sim;
        Duration warmUp;
        try {
            Flags flags = flags(args);
            warmUp = flags.warmUp();
            sim = flags.builder().build();
        } catch (IllegalArgumentException e) {
            System.err.println("taskpoll-simulator: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (!warmUp.isZero()) {
            SimWarmUp.Done d = SimWarmUp.run(warmUp);
            System.out.println("taskpoll simulator warmed up for " + warmUp.toSeconds() + " s: " + d.created()
                    + " tasks, " + d.polls() + " status requests, " + d.ended() + " ended");
        }
        sim.start();
        System.out.println("taskpoll simulator listening at " + sim.baseUrl() + " (key: " + sim.apiKey()
                + ", ledger: http://127.0.0.1:" + sim.port() + "/_sim/tasks)");
        Runtime.getRuntime().addShutdownHook(new Thread(sim::close, "simulator-shutdown"));
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The flags read once: the simulator they configure, and how long to warm up before it listens. */
    record Flags(Simulator.Builder builder, Duration warmUp) {
    }

    static Simulator.Builder parse(String... args) {
        return flags(args).builder();
    }

    static Flags flags(String... args) {
        Simulator.Builder b = Simulator.builder().port(8080);
        double scale = 1;
        double quota = 0;
        RetryAfterMode mode = RetryAfterMode.SECONDS;
        Duration warmUp = Duration.ZERO;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--help") || flag.equals("-h")) {
                throw new IllegalArgumentException("flags: --port N --scale X --api-key K --quota R "
                        + "--retry-after seconds|date|none --faults SPEC --failure-rate F --generation MIN,MAX --seed N "
                        + "--create-delay ISO-DURATION[,SHARE] --media-bytes VIDEO,IMAGE --warm-up SECONDS");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + ": a value is required");
            }
            String v = args[++i];
            try {
                switch (flag) {
                    case "--port" -> b.port(Integer.parseInt(v));
                    case "--scale" -> scale = Double.parseDouble(v);
                    case "--api-key" -> b.apiKey(v);
                    case "--quota" -> quota = Double.parseDouble(v);
                    case "--retry-after" -> mode = switch (v.toLowerCase(Locale.ROOT)) {
                        case "seconds" -> RetryAfterMode.SECONDS;
                        case "date" -> RetryAfterMode.HTTP_DATE;
                        case "none" -> RetryAfterMode.NONE;
                        default -> throw new IllegalArgumentException("--retry-after: '" + v
                                + "' is not one of seconds, date, none");
                    };
                    case "--faults" -> b.faults(Faults.parse(v));
                    case "--failure-rate" -> b.failureRate(Double.parseDouble(v));
                    case "--generation" -> {
                        String[] mm = v.split(",", 2);
                        if (mm.length != 2) {
                            throw new IllegalArgumentException("--generation: '" + v + "' is not MIN,MAX");
                        }
                        b.generationTime(Duration.parse(mm[0].trim()), Duration.parse(mm[1].trim()));
                    }
                    case "--seed" -> b.seed(Long.parseLong(v));
                    case "--create-delay" -> {
                        String[] ds = v.split(",", 2);
                        b.createDelay(Duration.parse(ds[0].trim()), ds.length == 2 ? Double.parseDouble(ds[1]) : 1);
                    }
                    case "--media-bytes" -> {
                        String[] vi = v.split(",", 2);
                        if (vi.length != 2) {
                            throw new IllegalArgumentException("--media-bytes: '" + v + "' is not VIDEO,IMAGE");
                        }
                        b.mediaSize(Integer.parseInt(vi[0].trim()), Integer.parseInt(vi[1].trim()));
                    }
                    case "--warm-up" -> {
                        warmUp = Duration.ofSeconds(Long.parseLong(v));
                        if (warmUp.isNegative() || warmUp.compareTo(Duration.ofMinutes(5)) > 0) {
                            throw new IllegalArgumentException("--warm-up: " + v + " s must be from 0 to 300 seconds");
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown flag '" + flag + "' (try --help)");
                }
            } catch (NumberFormatException | java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException(flag + ": '" + v + "' is not a valid value");
            }
        }
        b.time(SimTime.accelerated(scale));
        if (quota > 0) {
            b.quota(quota, mode);
        }
        return new Flags(b, warmUp);
    }
}
