package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * 10,000 tasks of every family tracked at once against the simulator over HTTP, through the shared fleet budget,
 * on time 30 times faster than real
 * (a 30 s poll period is 1 real second; tasks take 2-8 simulated minutes, images 5-30 s). Every task's final
 * status must equal the simulator's truth, every task must emit exactly one terminal status, and the JVM's live
 * thread count must stay below 2 x cores + 10 the whole time.
 */
class TenThousandTasksIT {

    private static final int TASKS = 10_000;
    private static final double SCALE = 30;


    @Test
    void everyTaskEndsOnceWithTheServersTruthOnAFewThreads() {
        SimTime time = SimTime.accelerated(SCALE);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int threadLimit = 2 * Runtime.getRuntime().availableProcessors() + 10;
        AtomicInteger maxThreads = new AtomicInteger();
        Map<String, String> threadNames = new ConcurrentHashMap<>();

        try (Simulator sim = Simulator.builder().time(time).failureRate(0.05).seed(42).build().start();
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder()
                     .baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                     .trackerOptions(FleetRun.generousDeadlines(TrackerOptions.builder().scheduler(time.scheduler()))
                             .fleet(FleetOptions.defaults()) // the (opt-in) shared budget must change no outcome
                             .build())
                     .build())) {
            FleetRun run = FleetRun.create(sim, TASKS);
            Disposable sampler = Flux.interval(Duration.ofMillis(50), Schedulers.parallel())
                    .subscribe(t -> {
                        maxThreads.accumulateAndGet(threads.getThreadCount(), Math::max);
                        Thread.getAllStackTraces().keySet().forEach(th -> threadNames.put(th.getName(), ""));
                    });
            run.track(client, Duration.ofMinutes(3));
            sampler.dispose();
            int failed = run.assertEveryTaskMatchesTheTruth(sim);
            assertThat(failed).as("the simulator's 5% failures were seen").isBetween(TASKS / 40, TASKS / 10);
            assertThat(client.tracker().activeTasks()).isZero();
            System.out.printf("10k IT: %d requests (%.1f per task; the simulator saw %d), max live threads %d"
                            + " (limit %d): %s%n",
                    client.tracker().stats().requestsSent(), client.tracker().stats().requestsSent() / (double) TASKS,
                    sim.statusQueries(),
                    maxThreads.get(), threadLimit,
                    threadNames.keySet().stream().sorted().collect(Collectors.joining(", ")));
            assertThat(maxThreads.get()).as("live threads").isLessThan(threadLimit);
        }
    }
}
