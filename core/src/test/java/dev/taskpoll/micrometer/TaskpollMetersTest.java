package dev.taskpoll.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.FleetStats;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.testkit.Faults;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

class TaskpollMetersTest {

    /**
     * A client's meters are removed when its binding closes: a client bound after it under the same name (a restarted
     * application context, say) reads its own figures. The registry handed back the closed client's meters.
     */
    @Test
    void aClientBoundAfterAClosedOneUnderTheSameNameReadsItsOwnFigures() {
        SimTime time = SimTime.accelerated(100);
        try (Simulator sim = Simulator.builder().time(time).seed(5)
                .generationTime(Duration.ofSeconds(5), Duration.ofSeconds(10)).build().start()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            Family f = Family.GENERIC_TASK;
            for (int round = 0; round < 2; round++) {
                try (TaskpollClient client = TaskpollClient.create(ClientOptions.builder()
                        .baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                        .trackerOptions(TrackerOptions.builder().fixedGrid().scheduler(time.scheduler()).build())
                        .build());
                     TaskpollMeters meters = new TaskpollMeters(client, "app")) {
                    meters.bindTo(registry);
                    Flux.range(0, 1 + 3 * round) // 1 task, then 4: the counts differ
                            .flatMap(i -> client.track(TaskRef.of(sim.createTask(f.createPath(), "kling-v2"), f,
                                    "kling-v2")))
                            .blockLast(Duration.ofSeconds(30));
                    assertThat(registry.get("taskpoll.requests").tag("client", "app").functionCounter().count())
                            .as("round %d", round).isEqualTo(client.tracker().stats().requestsSent()).isPositive();
                }
            }
            assertThat(registry.find("taskpoll.requests").meters()).as("removed with the last binding").isEmpty();
        }
    }

    @Test
    void theFleetsFiguresAreMicrometerMeters() {
        SimTime time = SimTime.accelerated(100);
        try (Simulator sim = Simulator.builder().time(time).faults(Faults.parse("429=0.3")).seed(5)
                .generationTime(Duration.ofSeconds(20), Duration.ofSeconds(30)).build().start();
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder()
                     .baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                     .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).build()).build())) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            // one model tracked before the meters are bound, one after: both get their meters
            Family f = Family.GENERIC_TASK;
            client.track(TaskRef.of(sim.createTask(f.createPath(), "kling-v2"), f, "kling-v2"))
                    .blockLast(Duration.ofSeconds(30));
            TaskpollMeters meters = new TaskpollMeters(client, "main");
            meters.bindTo(registry);
            Flux.range(0, 20)
                    .flatMap(i -> client.track(TaskRef.of(sim.createTask(f.createPath(), "luma-ray-2"), f,
                            "luma-ray-2")))
                    .blockLast(Duration.ofSeconds(30));
            for (String model : java.util.List.of("kling-v2", "luma-ray-2")) {
                dev.taskpoll.ModelStats m = client.tracker().modelStats().stream()
                        .filter(x -> model.equals(x.model())).findFirst().orElseThrow();
                assertThat(registry.get("taskpoll.polls").tags("family", "GENERIC_TASK", "model", model)
                        .functionCounter().count()).as(model).isEqualTo(m.polls()).isPositive();
                assertThat(registry.get("taskpoll.tasks.ended").tags("model", model, "outcome", "completed")
                        .functionCounter().count() + registry.get("taskpoll.tasks.ended")
                        .tags("model", model, "outcome", "failed").functionCounter().count())
                        .as(model).isEqualTo(model.equals("kling-v2") ? 1 : 20);
                // time to the terminal status: every task that ended by one, from its start; generation took 20-30 s
                io.micrometer.core.instrument.FunctionTimer duration = registry.get("taskpoll.task.duration")
                        .tags("model", model).functionTimer();
                assertThat(duration.count()).as(model).isEqualTo(model.equals("kling-v2") ? 1 : 20);
                assertThat(duration.mean(java.util.concurrent.TimeUnit.SECONDS)).as(model)
                        .isGreaterThanOrEqualTo(20).isLessThan(120);
                io.micrometer.core.instrument.FunctionTimer latency = registry.get("taskpoll.poll.latency")
                        .tags("model", model).functionTimer();
                assertThat(latency.count()).as("every poll answered: " + model).isEqualTo(m.answers())
                        .isGreaterThanOrEqualTo(m.polls()).isPositive();
                // Micrometer converts through nanoseconds in floating point: 32,749 ms read back as 32749.000000000004
                assertThat(latency.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS))
                        .isCloseTo(m.answerMillis(), org.assertj.core.api.Assertions.within(1e-6));
                assertThat(registry.get("taskpoll.polls.per.task").tags("model", model).gauge().value())
                        .isEqualTo(m.pollsPerEndedTask()).isPositive();
            }
            // a learned cadence keeps a model per request shape: the gauges of a model tracked with a shape read it
            // (they looked for the model without its shape, and read NaN)
            Flux.range(0, 3)
                    .flatMap(i -> client.track(new TaskRef(sim.createTask(f.createPath(), "kling-v1-6"), f,
                            "kling-v1-6", null, "duration=5")))
                    .blockLast(Duration.ofSeconds(30));
            for (String gauge : java.util.List.of("taskpoll.cadence.median", "taskpoll.cadence.p95")) {
                assertThat(registry.get(gauge).tags("model", "kling-v1-6").gauge().value()).as(gauge)
                        .isFinite().isPositive();
            }
            FleetStats stats = client.tracker().stats();
            assertThat(registry.get("taskpoll.requests").tag("client", "main").functionCounter().count())
                    .isEqualTo(stats.requestsSent()).isPositive();
            assertThat(registry.get("taskpoll.throttled").functionCounter().count())
                    .isEqualTo(stats.throttled()).isEqualTo(sim.throttledResponses()).isPositive();
            assertThat(registry.get("taskpoll.tasks.active").gauge().value()).isZero();
            assertThat(registry.get("taskpoll.rate").gauge().value()).isEqualTo(stats.currentRate()).isPositive();
            assertThat(registry.get("taskpoll.inflight").gauge().value()).isZero();
            assertThat(registry.get("taskpoll.circuit.open").gauge().value()).isZero();
            assertThat(registry.get("taskpoll.pool.acquired").gauge().value()).isZero();
            assertThat(client.poolStats().idle()).as("connections kept for reuse").isPositive();
            meters.close();
            assertThat(registry.getMeters()).as("every meter of the client removed").isEmpty();
        }
    }

    @Test
    void circuitStatesMapToNumbers() {
        assertThat(TaskpollMeters.circuit("OPEN")).isEqualTo(1);
        assertThat(TaskpollMeters.circuit("HALF_OPEN")).isEqualTo(0.5);
        assertThat(TaskpollMeters.circuit("CLOSED")).isZero();
        assertThat(TaskpollMeters.circuit("DISABLED")).isZero();
    }
}
