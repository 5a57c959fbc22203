package dev.taskpoll.examples.cli;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.Family;
import dev.taskpoll.GenerationRequest;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@code taskpoll demo}: starts the simulator on accelerated time, submits tasks across every model family over HTTP,
 * tracks them all at once, prints progress lines and a summary per family. No API key needed.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = TaskpollCli.EXIT_USAGE,
        description = "Track tasks of every model family against the embedded simulator (no API key needed).")
final class DemoCommand implements Callable<Integer> {


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
    public Integer call() {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        SimTime time = SimTime.accelerated(scale);
        Simulator.Builder simBuilder = Simulator.builder().time(time).failureRate(failureRate);
        if (seed != null) {
            simBuilder.seed(seed);
        }
        try (Simulator sim = simBuilder.build().start();
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder()
                     .baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                     .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).build())
                     .build())) {
            out.printf("taskpoll demo: %d tasks across %d families, simulator at %s, time x%.0f%n",
                    tasks, Family.generations().size(), sim.baseUrl(), scale);
            List<Family> families = Family.generations();
            AtomicInteger finished = new AtomicInteger();
            AtomicInteger failedToTrack = new AtomicInteger();
            long startSim = time.nowMillis();
            Disposable progress = Flux.interval(Duration.ofSeconds(1), Schedulers.parallel())
                    .subscribe(t -> {
                        out.printf("  t+%4ds (simulated): %d/%d finished, %d errors, %d status requests%n",
                                (time.nowMillis() - startSim) / 1000, finished.get(), tasks, failedToTrack.get(),
                                client.tracker().stats().requestsSent());
                        out.flush();
                    });
            List<DemoSummary.Outcome> outcomes = Flux.range(0, tasks)
                    .flatMap(i -> {
                        Family f = families.get(i % families.size());
                        AtomicReference<String> id = new AtomicReference<>();
                        return client.submitAndTrack(request(f, i))
                                .doOnNext(s -> id.compareAndSet(null, s.taskId()))
                                .filter(TaskStatus::isTerminal)
                                .next()
                                .doOnNext(s -> finished.incrementAndGet())
                                .map(s -> new DemoSummary.Outcome(f, s.taskId(), s, null))
                                .onErrorResume(e -> {
                                    failedToTrack.incrementAndGet();
                                    return Mono.just(new DemoSummary.Outcome(f, id.get(), null, e));
                                });
                    }, Math.max(1, tasks))
                    .collectList()
                    .block(time.toReal(Duration.ofMinutes(45)));
            progress.dispose();
            DemoSummary summary = DemoSummary.of(outcomes, sim);
            summary.print(out);
            out.flush();
            return summary.accountedFor() == tasks && summary.mismatches() == 0 ? 0 : 1;
        }
    }

    private void validate() {
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
    }
}
