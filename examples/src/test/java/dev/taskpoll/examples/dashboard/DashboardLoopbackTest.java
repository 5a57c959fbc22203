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

    /**
     * A submit whose caller goes away while the create call waits for its answer (a closed tab, a client's timeout)
     * still lists the generation once the answer comes, and tracks it: the click was the intent, and the task is
     * paid for. Before, the answer was dropped with the request, and the generation appeared only after a restart
     * (from the store) or never (without one).
     */
    @Test
    void aGenerationWhoseSubmitterWentAwayIsListedOnceItsAnswerComes(@TempDir Path elsewhere) throws Exception {
        Simulator standalone = Simulator.builder().time(dev.taskpoll.testkit.SimTime.accelerated(600))
                .createDelay(Duration.ofSeconds(600)).build().start(); // 1 s at 600x
        ConfigurableApplicationContext other = DashboardApplication.start("--server.port=0",
                "--server.address=127.0.0.1", "--taskpoll.base-url=" + standalone.baseUrl(),
                "--taskpoll.api-key=" + standalone.apiKey(), "--taskpoll.store.path=none", "--taskpoll.out=" + elsewhere,
                "--spring.main.banner-mode=off");
        try {
            int port = Integer.parseInt(other.getEnvironment().getProperty("local.server.port"));
            String body = "{\"family\":\"nano-banana\",\"model\":\"nano-banana-2\",\"prompt\":\"gone\"}";
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                socket.getOutputStream().write(("POST /generations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                await("the create call at the simulator", () -> standalone.createCalls() == 1);
            } // closed while the simulator holds its answer
            await("the task created", () -> standalone.truths().size() == 1);
            String id = standalone.truths().get(0).id();
            WebTestClient otherWeb = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                    .responseTimeout(Duration.ofSeconds(30)).build();
            await("the generation listed", () -> otherWeb.get().uri("/generations").exchange().expectStatus().isOk()
                    .expectBody(String.class).returnResult().getResponseBody().contains("\"id\":\"" + id + "\""));
            List<ServerSentEvent<String>> events = otherWeb.get().uri("/generations/{id}/events", id)
                    .accept(MediaType.TEXT_EVENT_STREAM).exchange().expectStatus().isOk()
                    .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                    .getResponseBody().collectList().block(Duration.ofSeconds(60));
            assertThat(events).extracting(ServerSentEvent::event).as("tracked to its end and stored")
                    .contains("stored").endsWith("end");
            assertThat(standalone.createCalls()).as("sent once").isEqualTo(1);
        } finally {
            other.close();
            standalone.close();
        }
    }

    /** Waits for an event: checked every 10 ms, for at most 30 s. */
    private static void await(String what, java.util.function.BooleanSupplier condition) {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("still waiting for " + what).isLessThan(until);
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        }
    }
}
