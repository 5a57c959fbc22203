package consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.testkit.Await;
import dev.taskpoll.testkit.Faults;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** taskpoll's own warnings reach the consumer's SLF4J 2 provider: slf4j-api 2 was resolved, not resilience4j's 1.7. */
class LogsTest {

    @Test
    void taskpollsWarningsReachTheConsumersSlf4j2Provider() throws Exception {
        assertThat(org.slf4j.LoggerFactory.getILoggerFactory().getClass().getName())
                .as("the SLF4J provider found (NOP when slf4j-api 1.7 is resolved)")
                .isEqualTo("org.slf4j.simple.SimpleLoggerFactory");
        Path log = Path.of(System.getProperty("org.slf4j.simpleLogger.logFile"));
        // every status request answered with a status the docs do not list: taskpoll warns and polls on
        try (Simulator sim = Simulator.builder().time(SimTime.accelerated(100)).faults(Faults.parse("unknown=1"))
                .build().start();
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl())
                     .apiKey(sim.apiKey()).build())) {
            String id = sim.createTask(Family.NANO_BANANA.createPath(), Family.NANO_BANANA.models().get(0));
            var tracking = client.track(TaskRef.of(id, Family.NANO_BANANA)).subscribe();
            try {
                Await.until(() -> Files.exists(log) && read(log).contains("unknown status 'rendering'"),
                        Duration.ofSeconds(30), "taskpoll's warning in " + log);
            } finally {
                tracking.dispose();
            }
        }
        assertThat(read(log)).contains("WARN dev.taskpoll").contains("task '").doesNotContain("NOP");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
