package consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** The application as it runs: a generation submitted and tracked, and taskpoll in the actuator's health and metrics. */
class ConsumerApplicationTest {

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theStarterSubmitsTracksAndReportsInTheActuator() throws Exception {
        try (Simulator sim = Simulator.builder().time(SimTime.accelerated(100)).build().start();
             ConfigurableApplicationContext app = SpringApplication.run(ConsumerApplication.class,
                     "--server.port=0", "--taskpoll.api-key=" + sim.apiKey(), "--taskpoll.base-url=" + sim.baseUrl(),
                     "--taskpoll.store.path=target/consumer-tasks.db",
                     "--management.endpoint.health.show-details=always",
                     "--management.endpoints.web.exposure.include=health,metrics")) {
            TaskpollClient client = app.getBean(TaskpollClient.class);
            // the actuator's ObservationRegistry gets the observations bean
            assertThat(app.getBeansOfType(dev.taskpoll.micrometer.TaskpollObservations.class)).hasSize(1);
            List<TaskStatus> statuses = client.submitAndTrack(GenerationRequest.builder(Family.NANO_BANANA,
                            Family.NANO_BANANA.models().get(0)).prompt("a red fox").build())
                    .collectList().block(Duration.ofSeconds(60));
            TaskStatus last = statuses.get(statuses.size() - 1);
            assertThat(last.state().isTerminal()).as(statuses.toString()).isTrue();
            assertThat(sim.truth(last.taskId())).isPresent();

            int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
            HttpResponse<String> health = get(port, "/actuator/health");
            assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            assertThat(health.body())
                    .containsPattern("\"taskpoll\":\\{\"details\":\\{\"activeTasks\":0,[^}]*\"circuit\":\"CLOSED\"},\"status\":\"UP\"}")
                    .doesNotContain(sim.apiKey());
            HttpResponse<String> polls = get(port, "/actuator/metrics/taskpoll.requests");
            assertThat(polls.statusCode()).as(polls.body()).isEqualTo(200);
            assertThat(polls.body()).contains("\"name\":\"taskpoll.requests\"");
            HttpResponse<String> duration = get(port, "/actuator/metrics/taskpoll.task.duration");
            assertThat(duration.statusCode()).as(duration.body()).isEqualTo(200);
            assertThat(duration.body()).contains("\"statistic\":\"COUNT\",\"value\":1.0");
        }
    }
}
