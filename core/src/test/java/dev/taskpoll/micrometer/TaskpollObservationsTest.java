package dev.taskpoll.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.SubmitRejectedException;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TaskpollObservationsTest {

    private final SimTime time = SimTime.accelerated(100);
    private final Simulator sim = Simulator.builder().time(time).seed(3)
            .generationTime(Duration.ofSeconds(20), Duration.ofSeconds(30)).build().start();
    private final TestObservationRegistry registry = TestObservationRegistry.create();
    private final List<String> events = new CopyOnWriteArrayList<>();

    TaskpollObservationsTest() {
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onEvent(Observation.Event event, Observation.Context context) {
                events.add(context.getName() + " " + event.getName());
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private TaskpollClient client(String key) {
        return TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(key)
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).build()).build());
    }

    private static GenerationRequest request() {
        return GenerationRequest.builder(Family.SORA, Family.SORA.models().get(0)).prompt("a fox").build();
    }

    @Test
    void aGenerationIsASubmitAndATaskUnderTheCallersObservation() {
        try (TaskpollClient client = client(sim.apiKey())) {
            TaskpollObservations observations = new TaskpollObservations(client, registry);
            Observation parent = Observation.start("http.server.requests", registry);
            List<TaskStatus> statuses = observations.submitAndTrack(request())
                    .contextWrite(c -> c.put(TaskpollObservations.CONTEXT_KEY, parent))
                    .collectList().block(Duration.ofSeconds(30));
            parent.stop();
            TaskStatus last = statuses.get(statuses.size() - 1);
            String outcome = last.state().name().toLowerCase(java.util.Locale.ROOT);
            assertThat(last.state().isTerminal()).isTrue();
            TestObservationRegistryAssert.assertThat(registry)
                    .hasNumberOfObservationsWithNameEqualTo("taskpoll.submit", 1)
                    .hasNumberOfObservationsWithNameEqualTo("taskpoll.task", 1)
                    .hasObservationWithNameEqualTo("taskpoll.submit").that()
                    .hasLowCardinalityKeyValue("family", "SORA")
                    .hasLowCardinalityKeyValue("model", Family.SORA.models().get(0))
                    .hasLowCardinalityKeyValue("outcome", "accepted")
                    .hasHighCardinalityKeyValue("task.id", last.taskId())
                    .hasParentObservationEqualTo(parent)
                    .hasBeenStarted().hasBeenStopped().doesNotHaveError();
            TestObservationRegistryAssert.assertThat(registry)
                    .hasObservationWithNameEqualTo("taskpoll.task").that()
                    .hasLowCardinalityKeyValue("family", "SORA")
                    .hasLowCardinalityKeyValue("outcome", outcome)
                    .hasHighCardinalityKeyValue("task.id", last.taskId())
                    .hasParentObservationEqualTo(parent)
                    .hasBeenStopped();
            // one event per emitted status, named after its state
            assertThat(events).hasSize(statuses.size()).contains("taskpoll.task taskpoll.status." + outcome);
        }
    }

    /**
     * Callers naming a model each (the generic dialect takes any name): the first
     * {@link dev.taskpoll.ModelStats#MODELS_KEPT} keep their name as the {@code model} value, later ones read
     * {@code (other models)}. Every name was a low-cardinality value of its own, a timer each.
     */
    @Test
    void theModelValuesOfObservationsAreABoundedSet() {
        int n = dev.taskpoll.ModelStats.MODELS_KEPT + 10;
        List<String> values = new CopyOnWriteArrayList<>();
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStop(Observation.Context context) {
                values.add(context.getLowCardinalityKeyValue("model").getValue());
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        try (TaskpollClient client = client(sim.apiKey())) {
            TaskpollObservations observations = new TaskpollObservations(client, registry);
            // the generic dialect takes any model name: the create calls go to the simulator, all at once
            reactor.core.publisher.Flux.range(0, n).flatMap(i -> observations.submit(GenerationRequest.builder(
                            Family.GENERIC_TASK, "m-" + i).input(java.util.Map.of("prompt", "a fox")).build()), 32)
                    .blockLast(Duration.ofSeconds(60));
        }
        assertThat(values).hasSize(n);
        assertThat(new java.util.HashSet<>(values)).hasSize(dev.taskpoll.ModelStats.MODELS_KEPT + 1)
                .contains(dev.taskpoll.ModelStats.OTHER_MODELS);
        assertThat(values.stream().filter(dev.taskpoll.ModelStats.OTHER_MODELS::equals)).hasSize(n
                - dev.taskpoll.ModelStats.MODELS_KEPT);
        TestObservationRegistryAssert.assertThat(registry).hasObservationWithNameEqualTo("taskpoll.submit").that()
                .hasLowCardinalityKeyValue("outcome", "accepted");
    }

    @Test
    void aRefusedSubmitAndALeftTrackingSayWhy() {
        try (TaskpollClient refused = client("not-the-key")) {
            assertThatThrownBy(() -> new TaskpollObservations(refused, registry).submit(request())
                    .block(Duration.ofSeconds(30))).isInstanceOf(SubmitRejectedException.class);
        }
        TestObservationRegistryAssert.assertThat(registry).hasObservationWithNameEqualTo("taskpoll.submit").that()
                .hasLowCardinalityKeyValue("outcome", "rejected").hasError().hasBeenStopped()
                .doesNotHaveParentObservation();
        registry.clear();
        try (TaskpollClient client = client(sim.apiKey())) {
            TaskpollObservations observations = new TaskpollObservations(client, registry);
            // the subscriber leaves after the first status: the tracking's observation ends, saying so
            observations.submit(request()).flatMapMany(s -> observations.track(s).take(1))
                    .blockLast(Duration.ofSeconds(30));
        }
        TestObservationRegistryAssert.assertThat(registry).hasObservationWithNameEqualTo("taskpoll.task").that()
                .hasLowCardinalityKeyValue("outcome", "unsubscribed").doesNotHaveError().hasBeenStopped();
    }
}
