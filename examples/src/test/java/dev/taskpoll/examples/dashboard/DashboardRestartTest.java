package dev.taskpoll.examples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
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

/** The dashboard keeps a task store: after a restart it shows the generations it recorded, with their files. */
class DashboardRestartTest {

    @TempDir
    Path out;

    private static WebTestClient web(ConfigurableApplicationContext app) {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + app.getEnvironment()
                .getProperty("local.server.port")).responseTimeout(Duration.ofSeconds(30)).build();
    }

    private ConfigurableApplicationContext start() {
        return DashboardApplication.start("--server.port=0", "--server.address=127.0.0.1", "--taskpoll.sim-scale=600",
                "--taskpoll.out=" + out, "--spring.main.banner-mode=off");
    }

    @Test
    void earlierGenerationsAreShownAfterARestartWithTheirResults() throws Exception {
        String id;
        String url;
        try (ConfigurableApplicationContext first = start()) {
            WebTestClient web = web(first);
            String created = web.post().uri("/generations").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"family\":\"nano-banana\",\"model\":\"nano-banana-2\",\"prompt\":\"a fox\"}")
                    .exchange().expectStatus().isCreated().expectBody(String.class).returnResult().getResponseBody();
            id = Generations.JSON.readTree(created).get("id").asText();
            List<ServerSentEvent<String>> events = web.get().uri("/generations/{id}/events", id)
                    .accept(MediaType.TEXT_EVENT_STREAM).exchange().expectStatus().isOk()
                    .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                    .getResponseBody().collectList().block(Duration.ofSeconds(60));
            assertThat(events).extracting(ServerSentEvent::event).last().isEqualTo("end");
            url = events.stream().filter(e -> "stored".equals(e.event())).map(e -> {
                try {
                    return Generations.JSON.readTree(e.data()).get("url").asText();
                } catch (Exception x) {
                    throw new AssertionError(x);
                }
            }).findFirst().orElse(null);
        }
        assertThat(Files.exists(out.resolve("dashboard.db"))).isTrue();
        try (ConfigurableApplicationContext second = start()) {
            WebTestClient web = web(second);
            JsonNode list = Generations.JSON.readTree(web.get().uri("/generations").exchange().expectStatus().isOk()
                    .expectBody(String.class).returnResult().getResponseBody());
            JsonNode card = null;
            for (JsonNode g : list.isArray() ? list : list.path("generations")) {
                if (g.get("id").asText().equals(id)) {
                    card = g;
                }
            }
            assertThat(card).as("the generation of the first run").isNotNull();
            assertThat(card.get("finished").asBoolean()).isTrue();
            assertThat(card.get("state").asText()).isIn("COMPLETED", "FAILED");
            if (url != null) {
                byte[] served = web.get().uri(url).exchange().expectStatus().isOk().expectBody(byte[].class)
                        .returnResult().getResponseBody();
                assertThat(served).isNotEmpty();
            }
            List<ServerSentEvent<String>> replay = web.get().uri("/generations/{id}/events", id)
                    .accept(MediaType.TEXT_EVENT_STREAM).exchange().expectStatus().isOk()
                    .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                    .getResponseBody().collectList().block(Duration.ofSeconds(30));
            assertThat(replay).extracting(ServerSentEvent::event).contains("status").last().isEqualTo("end");
        }
    }

    /**
     * A store that cannot be opened (its parent is a file): the starter lets the application start with its health
     * DOWN; the dashboard starts too (it once failed at start reading the earlier generations), shows none, and a
     * generation asked for is refused with the store's reason, nothing sent.
     */
    @Test
    void aStoreThatCannotBeOpenedLetsTheDashboardStartAndRefusesGenerationsWithItsReason() throws Exception {
        Path notADirectory = Files.writeString(out.resolve("a-file"), "x");
        try (ConfigurableApplicationContext app = DashboardApplication.start("--server.port=0",
                "--server.address=127.0.0.1", "--taskpoll.sim-scale=600", "--taskpoll.out=" + out,
                "--taskpoll.store.path=" + notADirectory.resolve("dashboard.db"), "--spring.main.banner-mode=off")) {
            WebTestClient web = web(app);
            String list = web.get().uri("/generations").exchange().expectStatus().isOk().expectBody(String.class)
                    .returnResult().getResponseBody();
            assertThat(Generations.JSON.readTree(list)).as("no earlier generations").isEmpty();
            String refused = web.post().uri("/generations").contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"family\":\"nano-banana\",\"model\":\"nano-banana-2\",\"prompt\":\"a fox\"}")
                    .exchange().expectStatus().isEqualTo(502).expectBody(String.class).returnResult()
                    .getResponseBody();
            assertThat(refused).contains("taskpoll.store.path").contains(notADirectory.toString());
            assertThat(app.getBean(dev.taskpoll.testkit.Simulator.class).createCalls()).as("nothing sent").isZero();
        }
    }
}
