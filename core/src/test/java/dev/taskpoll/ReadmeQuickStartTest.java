package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's quick start, compiled and run; the README must show exactly this code. */
class ReadmeQuickStartTest {

    @Test
    void theQuickStartRunsAndTheReadmeShowsIt() throws IOException {
        // README-BEGIN
        TaskStatus last;
        SimTime time = SimTime.accelerated(600);                // 10 simulated minutes per real second
        try (Simulator sim = Simulator.builder().time(time).build().start();
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder()
                     .baseUrl(sim.baseUrl())                    // the real API: leave the default base URL
                     .apiKey(sim.apiKey())                      // or leave it out and set OPC_API_KEY
                     .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).build())
                     .build())) {
            GenerationRequest request = GenerationRequest.veo("veo_3_1_fast", "a red fox running through snow")
                    .resolution("1080p").aspectRatio("16:9")
                    .build();                                   // checked against the documented rules
            last = client.submitAndTrack(request)               // the first status carries the task id, at once
                    .doOnNext(s -> System.out.println(s.taskId() + " " + s.state() + " " + s.resultUrls()))
                    .blockLast(Duration.ofSeconds(30));         // in a reactive app, compose instead of blocking
        }
        System.out.println("finished: " + last);
        // README-END
        assertThat(last).isNotNull();
        assertThat(last.state()).isEqualTo(TaskState.COMPLETED);
        assertThat(last.resultUrls()).hasSize(1);

        List<String> source = Files.readAllLines(Path.of("src/test/java/dev/taskpoll/ReadmeQuickStartTest.java"));
        int from = indexOf(source, "// README-BEGIN") + 1;
        int to = indexOf(source, "// README-END");
        String snippet = String.join("\n", source.subList(from, to)).stripIndent().strip();
        String readme = Files.readString(Path.of("../README.md"));
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(m.find()).as("README has a java block").isTrue();
        assertThat(m.group(1).strip()).isEqualTo(snippet);
    }

    private static int indexOf(List<String> lines, String marker) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(marker)) {
                return i;
            }
        }
        throw new AssertionError("marker not found: " + marker);
    }
}
