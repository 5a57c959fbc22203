package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.testkit.Faults;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import dev.taskpoll.testkit.TaskTruth;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * 10,000 tasks against the fault mix of the fleet-pacing issue, at 30x: 20% 429 (half with Retry-After), 5% 500/503,
 * 1% resets, 1% malformed bodies, 0.5% responses stalled past the client's response timeout, 1% unknown status
 * strings, with the shared budget on (the default): random 429s must not drive its rate down nor pause the fleet for
 * long. Every final status must still equal the simulator's truth, with exactly one terminal status per task and no
 * task failing; afterwards nothing is active, in flight, waiting, or holding a connection.
 */
class ChaosIT {

    private static final int TASKS = 10_000;

    @Test
    void everyTaskEndsWithTheTruthUnderChaos() {
        SimTime time = SimTime.accelerated(30);
        try (Simulator sim = Simulator.builder().time(time).failureRate(0.05).seed(7)
                .faults(Faults.parse("429=0.2,5xx=0.05,reset=0.01,malformed=0.01,stall=0.005,unknown=0.01,"
                        + "stallFor=PT2M"))
                .build().start();
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder()
                     .baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                     .responseTimeout(Duration.ofSeconds(1)) // 30 simulated seconds: stalls time out
                     .trackerOptions(FleetRun.generousDeadlines(TrackerOptions.builder().scheduler(time.scheduler()))
                             .build())
                     .build())) {
            FleetRun run = FleetRun.create(sim, TASKS);
            java.util.List<Integer> rates = new java.util.concurrent.CopyOnWriteArrayList<>();
            reactor.core.Disposable sampler = reactor.core.publisher.Flux.interval(Duration.ofSeconds(1),
                    time.scheduler()).subscribe(t -> rates.add(client.tracker().stats().currentRate()));
            run.track(client, Duration.ofMinutes(3));
            sampler.dispose();
            run.assertEveryTaskMatchesTheTruth(sim);

            Map<dev.taskpoll.testkit.Faults.Kind, Long> seen = new EnumMap<>(Faults.Kind.class);
            for (TaskTruth t : sim.truths()) {
                t.polls().forEach(p -> seen.merge(p.outcome(), 1L, Long::sum));
            }
            long total = seen.values().stream().mapToLong(Long::longValue).sum();
            double meanRate = rates.stream().mapToInt(Integer::intValue).average().orElse(0);
            System.out.printf("chaos IT: %d requests, %s; budget rate mean %.0f min %d (each simulated second); "
                    + "client stats %s%n", total, seen, meanRate, rates.stream().mapToInt(Integer::intValue).min()
                    .orElse(0), client.tracker().stats());
            for (Faults.Kind k : new Faults.Kind[] {Faults.Kind.THROTTLED, Faults.Kind.SERVER_ERROR, Faults.Kind.RESET,
                    Faults.Kind.MALFORMED, Faults.Kind.STALL, Faults.Kind.UNKNOWN_STATUS}) {
                assertThat(seen.getOrDefault(k, 0L)).as("the chaos really happened: " + k).isPositive();
            }
            FleetStats stats = client.tracker().stats();
            assertThat(stats.activeTasks()).isZero();
            assertThat(stats.inFlight()).isZero();
            assertThat(stats.waiting()).isZero();
            // plain AIMD drives it to its floor (1/s, 0.2%) here; ours keeps most of it. A single probe fooled by chance
            // used to cut the rate to about what the fleet sent (means of 30-97% of the ceiling, under this floor in 3
            // of 12 runs); with a confirming probe (RateController), 75-94% in five runs. The bound is a floor far
            // above AIMD's collapse, not the typical figure
            assertThat(meanRate).as("random 429s did not drive the budget's rate down (mean over the run)")
                    .isGreaterThanOrEqualTo(0.35 * FleetOptions.defaults().maxRate());
            PoolStats pool = client.poolStats();
            assertThat(pool.isIdle()).as("connection pool idle: " + pool).isTrue();
            // not equal: under this load some answers (429s among them) come after the 1 s response timeout and the
            // client sees a timeout instead (with 429 as the only fault the counts match exactly)
            assertThat(stats.throttled()).isPositive().isLessThanOrEqualTo(seen.get(Faults.Kind.THROTTLED));
            assertThat(stats.retries()).isPositive();
        }
    }
}
