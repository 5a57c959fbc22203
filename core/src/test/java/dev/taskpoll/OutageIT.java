package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.testkit.Faults;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import dev.taskpoll.testkit.TaskTruth;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * An upstream outage of 30 simulated seconds (every answer 503) with the shared budget on: the circuit opens,
 * polling pauses for every task instead of each retrying on its own, and every task still completes afterwards.
 */
class OutageIT {

    private static final int TASKS = 2_000;

    @Test
    void theCircuitOpensPollingPausesAndEveryTaskCompletesAfterRecovery() {
        SimTime time = SimTime.accelerated(30);
        try (Simulator sim = Simulator.builder().time(time).seed(3)
                .generationTime(Duration.ofMinutes(2), Duration.ofMinutes(4)).build().start();
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder()
                     .baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                     .trackerOptions(FleetRun.generousDeadlines(TrackerOptions.builder().scheduler(time.scheduler()))
                             .fleet(FleetOptions.defaults().withCircuit(50, 50, Duration.ofSeconds(10)))
                             .build())
                     .build())) {
            FleetRun run = FleetRun.create(sim, TASKS);
            Instant[] outage = new Instant[2];
            AtomicBoolean sawOpen = new AtomicBoolean();
            Disposable watch = Flux.interval(Duration.ofMillis(20), Schedulers.parallel()).subscribe(t -> {
                if ("OPEN".equals(client.tracker().stats().circuitState())) {
                    sawOpen.set(true);
                }
            });
            // the outage starts one simulated minute in, once every task has polled at least once
            Disposable start = reactor.core.publisher.Mono.delay(Duration.ofMinutes(1), time.scheduler())
                    .subscribe(t -> {
                        outage[0] = time.now();
                        outage[1] = outage[0].plusSeconds(30);
                        sim.outage(Duration.ofSeconds(30));
                    });
            run.track(client, Duration.ofMinutes(3));
            watch.dispose();
            start.dispose();

            run.assertEveryTaskMatchesTheTruth(sim);
            assertThat(sawOpen).as("the circuit opened").isTrue();
            long during = 0;
            for (TaskTruth t : sim.truths()) {
                during += t.polls().stream().filter(p -> p.outcome() == Faults.Kind.OUTAGE).count();
            }
            System.out.printf("outage IT: %d requests answered 503 during the 30 s outage by %d tasks; stats %s%n",
                    during, TASKS, client.tracker().stats());
            // without a shared circuit each task would retry on its own (0.5, 1, 2, 4, 8, 16 s: ~6 each, ~12,000)
            assertThat(during).as("requests during the outage").isLessThan(TASKS);
            assertThat(client.tracker().stats().circuitState()).isEqualTo("CLOSED");
        }
    }
}
