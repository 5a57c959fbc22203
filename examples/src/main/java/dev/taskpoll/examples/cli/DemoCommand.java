package dev.taskpoll.examples.cli;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.Family;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@code taskpoll demo}: starts the simulator on accelerated time, creates tasks across every model family, tracks
 * them all at once over HTTP, prints progress lines and a summary per family. No API key needed.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
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
            List<TaskRef> refs = new ArrayList<>(tasks);
            Map<String, String> familyOf = new ConcurrentHashMap<>();
            Family[] families = Family.generations().toArray(new Family[0]);
            for (int i = 0; i < tasks; i++) {
                Family f = families[i % families.length];
                TaskRef ref = TaskRef.of(sim.createTask(f.createPath(), f.models().get(0)), f);
                refs.add(ref);
                familyOf.put(ref.id(), f.name());
            }
            Map<String, TaskStatus> terminal = new ConcurrentHashMap<>();
            Map<String, Throwable> errors = new ConcurrentHashMap<>();
            AtomicInteger statuses = new AtomicInteger();
            long startSim = time.nowMillis();
            Disposable progress = Flux.interval(Duration.ofSeconds(1), Schedulers.parallel())
                    .subscribe(t -> {
                        out.printf("  t+%4ds (simulated): %d/%d finished, %d errors, %d requests%n",
                                (time.nowMillis() - startSim) / 1000, terminal.size(), tasks, errors.size(),
                                client.tracker().requestsSent());
                        out.flush();
                    });
            Flux.fromIterable(refs)
                    .flatMap(ref -> client.track(ref)
                            .doOnNext(s -> statuses.incrementAndGet())
                            .filter(TaskStatus::isTerminal)
                            .doOnNext(s -> terminal.put(ref.id(), s))
                            .onErrorResume(e -> {
                                errors.put(ref.id(), e);
                                return Mono.empty();
                            }), Math.max(1, tasks))
                    .blockLast(time.toReal(Duration.ofMinutes(45)));
            progress.dispose();
            DemoSummary summary = DemoSummary.of(refs, familyOf, terminal, errors, sim);
            summary.print(out);
            out.flush();
            return summary.accountedFor() == tasks ? 0 : 1;
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
