package dev.taskpoll.examples.cli;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.capture.CaptureEvent;
import dev.taskpoll.capture.CaptureOptions;
import dev.taskpoll.capture.ResultCapture;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.testkit.Faults;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code taskpoll demo}: starts the simulator on accelerated time, submits tasks across every model family over HTTP,
 * tracks them all at once, stores every result under {@code --out}, shows progress (a bar on a terminal, lines
 * otherwise) and ends with a summary per family checked against the simulator's truth. No API key needed.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = TaskpollCli.EXIT_USAGE,
        description = "Track tasks of every model family against the embedded simulator (no API key needed); "
                + "store their results; print a summary. Exit 0 when every task is accounted for, matches the "
                + "simulator's truth and had its results stored; else 1.")
final class DemoCommand implements Callable<Integer> {

    /** The simulator's faults under {@code --faults}: every kind the client must survive, at rates that bite. */
    static final String FAULTS = "5xx=0.03,reset=0.01,malformed=0.01,empty=0.005,truncated=0.01,stall=0.003,"
            + "unknown=0.01,429=0.08,mediaTruncated=0.3,stallFor=PT1M";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--tasks", defaultValue = "240", description = "How many tasks (1 to 100000; default: ${DEFAULT-VALUE}).")
    int tasks;

    @Option(names = "--scale", defaultValue = "120",
            description = "Simulated seconds per real second (1 to 10000; default: ${DEFAULT-VALUE}).")
    double scale;

    @Option(names = "--failure-rate", defaultValue = "0.05",
            description = "Share of tasks the simulator fails (0 to 1; default: ${DEFAULT-VALUE}).")
    double failureRate;

    @Option(names = "--seed", description = "Seed for the simulator's generation times and outcomes.")
    Long seed;

    @Option(names = "--faults", description = "Turn on the simulator's fault knobs: " + FAULTS + ".")
    boolean faults;

    @Option(names = "--out", defaultValue = "taskpoll-out",
            description = "Where results are stored, as <out>/<task id>/<n>.<ext> (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--progress", defaultValue = "auto",
            description = "bar, lines, or auto (a bar on a terminal, lines otherwise; default: ${DEFAULT-VALUE}).")
    String progressMode;

    /** The smallest valid request of a family: its first documented model and a prompt. */
    static GenerationRequest request(Family f, int i) {
        GenerationRequest.Builder b = GenerationRequest.builder(f, f.models().get(0))
                .prompt("demo " + i + ": a red fox running through snow, cinematic");
        if (f == Family.VIDEOS) {
            b.duration(5);
        }
        return b.build();
    }

    @Override
    public Integer call() throws InterruptedException {
        boolean bar = validate();
        PrintWriter w = spec.commandLine().getOut();
        Path log = logToFile();
        SimTime time = SimTime.accelerated(scale);
        Simulator.Builder simBuilder = Simulator.builder().time(time).failureRate(failureRate)
                .faults(faults ? Faults.parse(FAULTS) : Faults.none());
        if (seed != null) {
            simBuilder.seed(seed);
        }
        // every task is recorded in a store of this run (the simulator forgets its tasks when it stops, so the
        // store of an earlier run is not resumed: it is replaced)
        Path storeFile = out.resolve("demo-tasks.db");
        deleteStore(storeFile);
        try (Simulator sim = simBuilder.build().start();
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder()
                     .baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                     // the store is waited for on simulated time: 60 real seconds, as the default means
                     .storeTimeout(time.toSimulated(Duration.ofSeconds(60)))
                     .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler())
                             .store(store(storeFile, time)).build())
                     .build());
             ResultCapture capture = ResultCapture.create(client, CaptureOptions.builder(out)
                     .allowPlainHttpOnLoopback(true) // the simulator serves its media over http on loopback
                     .build())) {
            w.printf("taskpoll demo: %d tasks across %d families, simulator at %s, time x%.0f%s%n",
                    tasks, Family.values().length, sim.baseUrl(), scale, faults ? ", faults on" : "");
            w.printf("results go to %s%s; tasks are recorded in %s (taskpoll tasks --store %s)%n",
                    out.toAbsolutePath().normalize(),
                    log == null ? "" : ", warnings to " + log.toAbsolutePath().normalize(),
                    storeFile.toAbsolutePath().normalize(), storeFile);
            List<Family> families = List.of(Family.values());
            Progress progress = new Progress(tasks, bar);
            long startSim = time.nowMillis();
            Runnable show = () -> progress.print(w, (time.nowMillis() - startSim) / 1000,
                    client.tracker().stats().requestsSent(), client.tracker().stats().throttled());
            CompletableFuture<List<DemoSummary.Outcome>> all = Flux.range(0, tasks)
                    .flatMap(i -> one(client, capture, families.get(i % families.size()), i, progress), Math.max(1, tasks))
                    .collectList()
                    .toFuture();
            List<DemoSummary.Outcome> outcomes = await(all, bar ? 200 : 1000,
                    System.nanoTime() + time.toReal(Duration.ofMinutes(45)).toNanos(), show);
            show.run();
            if (bar) {
                w.println();
            }
            DemoSummary summary = DemoSummary.of(outcomes, sim);
            writeChecksums(outcomes);
            summary.print(w, out.toAbsolutePath().normalize(), scale);
            w.flush();
            return summary.accountedFor() == tasks && summary.mismatches() == 0 && summary.captureErrors() == 0 ? 0 : 1;
        }
    }

    /**
     * The run's store, on the run's clock, as its tracker is: the end times it records and the retention and stored-at
     * times it compares them with come from one clock. Given a scheduler, the store commits each write as soon as it is
     * queued (its default commit delay, 20 real ms, would be 2.4 simulated s at x120).
     */
    private static dev.taskpoll.spi.TaskStore store(Path file, SimTime time) {
        return dev.taskpoll.sqlite.SqliteStore.open(file, dev.taskpoll.sqlite.SqliteStoreOptions.builder()
                .resume(false).scheduler(time.scheduler()).build());
    }

    private static void deleteStore(Path file) {
        for (String suffix : List.of("", "-wal", "-shm", ".lock")) {
            try {
                java.nio.file.Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("taskpoll demo: cannot replace " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Waits for every outcome, showing progress every {@code tickMillis}. Progress is printed here, on the calling
     * thread: a write to a terminal or a pipe may block, which no Reactor thread may.
     */
    private static List<DemoSummary.Outcome> await(CompletableFuture<List<DemoSummary.Outcome>> all, long tickMillis,
                                                   long deadlineNanos, Runnable show) throws InterruptedException {
        while (true) {
            try {
                return all.get(tickMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (System.nanoTime() > deadlineNanos) {
                    all.cancel(true);
                    throw new IllegalStateException("taskpoll demo: not finished after 45 simulated minutes");
                }
                show.run();
            } catch (ExecutionException e) {
                throw new IllegalStateException("taskpoll demo: " + e.getCause(), e.getCause());
            }
        }
    }

    /** Submits, tracks to the end, stores a completed task's results; any error becomes the task's outcome. */
    private static Mono<DemoSummary.Outcome> one(TaskpollClient client, ResultCapture capture, Family f, int i,
                                                 Progress progress) {
        AtomicReference<String> id = new AtomicReference<>();
        return capture.attach(client.submitAndTrack(request(f, i)))
                .doOnNext(e -> id.compareAndSet(null, e.taskId()))
                .collectList()
                // when the client had the id: the submit's answer, as the store recorded it (unknown if unread)
                .flatMap(events -> Mono.justOrEmpty(id.get()).flatMap(client::task)
                        .map(r -> DemoSummary.Outcome.of(f, events, r.submittedAt()))
                        .onErrorResume(e -> Mono.empty())
                        .defaultIfEmpty(DemoSummary.Outcome.of(f, events, null)))
                .doOnNext(o -> progress.finished(o))
                .onErrorResume(e -> {
                    progress.errors.incrementAndGet();
                    return Mono.just(new DemoSummary.Outcome(f, id.get(), null, e, List.of(), null, null));
                });
    }

    /** Counters and how they are shown: a bar redrawn in place, or a plain line each second. */
    static final class Progress {
        final int total;
        final boolean bar;
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicInteger stored = new AtomicInteger();

        Progress(int total, boolean bar) {
            this.total = total;
            this.bar = bar;
        }

        void finished(DemoSummary.Outcome o) {
            done.incrementAndGet();
            if (o.terminal() != null && o.terminal().state() != TaskState.COMPLETED) {
                failed.incrementAndGet();
            }
            stored.addAndGet(o.stored().size());
        }

        synchronized void print(PrintWriter w, long simSeconds, long requests, long throttled) {
            int finished = done.get() + errors.get();
            if (bar) {
                int width = 30;
                int filled = (int) ((long) width * finished / total);
                w.printf("\r[%s%s] %d/%d  failed %d  errors %d  stored %d  requests %d  429s %d  t+%ds ",
                        "#".repeat(filled), ".".repeat(width - filled), finished, total, failed.get(), errors.get(),
                        stored.get(), requests, throttled, simSeconds);
            } else {
                w.printf("  t+%4ds (simulated): %d/%d finished, %d failed, %d errors, %d files stored, "
                                + "%d status requests, %d answered 429%n", simSeconds, finished, total, failed.get(),
                        errors.get(), stored.get(), requests, throttled);
            }
            w.flush();
        }
    }

    /**
     * The demo's warnings (the faults it injects make plenty) go to {@code <out>/demo.log} rather than over the
     * progress display, unless logging was configured already; returns the file, or null.
     */
    private @org.jspecify.annotations.Nullable Path logToFile() {
        String property = "org.slf4j.simpleLogger.logFile";
        if (System.getProperty(property) != null) {
            return null;
        }
        try {
            java.nio.file.Files.createDirectories(out);
        } catch (java.io.IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--out: '" + out + "' cannot be created: " + e);
        }
        Path file = out.resolve("demo.log");
        System.setProperty(property, file.toString());
        return file;
    }

    /** {@code <out>/SHA256SUMS}, the format {@code sha256sum -c} checks, for every stored file. */
    private void writeChecksums(List<DemoSummary.Outcome> outcomes) {
        StringBuilder sums = new StringBuilder();
        outcomes.stream().flatMap(o -> o.stored().stream())
                .sorted(java.util.Comparator.comparing(CaptureEvent.Stored::path))
                .forEach(st -> sums.append(st.sha256()).append("  ").append(out.relativize(st.path()).toString()
                        .replace('\\', '/')).append('\n'));
        try {
            java.nio.file.Files.writeString(out.resolve("SHA256SUMS"), sums);
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("taskpoll demo: cannot write " + out.resolve("SHA256SUMS") + ": " + e);
        }
    }

    /** Checks the flags; returns whether to draw a bar. */
    private boolean validate() {
        CommandLine cl = spec.commandLine();
        if (tasks < 1 || tasks > 100_000) {
            throw new CommandLine.ParameterException(cl, "--tasks: " + tasks + " must be between 1 and 100000");
        }
        if (!(scale >= 1 && scale <= 10_000)) {
            throw new CommandLine.ParameterException(cl, "--scale: " + scale + " must be between 1 and 10000");
        }
        if (!(failureRate >= 0 && failureRate <= 1)) {
            throw new CommandLine.ParameterException(cl, "--failure-rate: " + failureRate + " must be between 0 and 1");
        }
        return switch (progressMode.toLowerCase(Locale.ROOT)) {
            case "bar" -> true;
            case "lines" -> false;
            case "auto" -> System.console() != null;
            default -> throw new CommandLine.ParameterException(cl, "--progress: '" + progressMode
                    + "' is not one of bar, lines, auto");
        };
    }
}
