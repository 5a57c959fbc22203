package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.testkit.Faults;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

class TaskpollMetersTest {

    @Test
    void theFleetsFiguresAreMicrometerMeters() {
        SimTime time = SimTime.accelerated(100);
        try (Simulator sim = Simulator.builder().time(time).faults(Faults.parse("429=0.3")).seed(5)
                .generationTime(Duration.ofSeconds(20), Duration.ofSeconds(30)).build().start();
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder()
                     .baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                     .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).build()).build())) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new TaskpollMeters(client, "main").bindTo(registry);
            Family f = Family.GENERIC_TASK;
            Flux.range(0, 20)
                    .flatMap(i -> client.track(TaskRef.of(sim.createTask(f.createPath(), f.models().get(0)), f)))
                    .blockLast(Duration.ofSeconds(30));

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
