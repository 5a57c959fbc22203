package dev.taskpoll.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.testkit.Simulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The dashboard against a simulator of its own (a class apart from {@link DashboardTest}: two Spring contexts in one
 * JVM share Reactor Netty's global resources, which the first to close disposes).
 */
class DashboardLoopbackTest {

    /**
     * Against a simulator running on its own on 127.0.0.1 (as {@code java -jar taskpoll-simulator.jar}), given as the
     * base URL: its results are stored. Before, only the embedded simulator was allowed plain http for results.
     */
    @Test
    void resultsFromAStandaloneSimulatorOnLoopbackAreStored(@TempDir Path elsewhere) throws Exception {
        Simulator standalone = Simulator.builder().time(dev.taskpoll.testkit.SimTime.accelerated(600)).build().start();
        ConfigurableApplicationContext other = DashboardApplication.start("--server.port=0",
                "--server.address=127.0.0.1", "--taskpoll.base-url=" + standalone.baseUrl(),
                "--taskpoll.api-key=" + standalone.apiKey(), "--taskpoll.store.path=none", "--taskpoll.out=" + elsewhere,
                "--spring.main.banner-mode=off");
        try {
            WebTestClient otherWeb = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + other.getEnvironment()
                    .getProperty("local.server.port")).responseTimeout(Duration.ofSeconds(30)).build();
            String created = otherWeb.post().uri("/generations").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"family\":\"nano-banana\",\"model\":\"nano-banana-2\",\"prompt\":\"a fox\"}")
                    .exchange().expectStatus().isCreated().expectBody(String.class).returnResult().getResponseBody();
            String id = Generations.JSON.readTree(created).get("id").asText();
            List<ServerSentEvent<String>> events = otherWeb.get().uri("/generations/{id}/events", id)
                    .accept(MediaType.TEXT_EVENT_STREAM).exchange().expectStatus().isOk()
                    .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                    .getResponseBody().collectList().block(Duration.ofSeconds(60));
            assertThat(events).extracting(ServerSentEvent::event).as("no failure rate: it completes and is stored")
                    .contains("stored").doesNotContain("problem");
        } finally {
            other.close();
            standalone.close();
        }
    }
}
