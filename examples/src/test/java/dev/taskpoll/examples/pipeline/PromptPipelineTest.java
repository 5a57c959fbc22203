package dev.taskpoll.examples.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.capture.CaptureOptions;
import dev.taskpoll.capture.ResultCapture;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import dev.taskpoll.testkit.TaskTruth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

class PromptPipelineTest {

    @TempDir
    Path out;

    @Test
    void promptsBecomeStoredResultsWithBoundedConcurrencyAndNothingLost() throws Exception {
        SimTime time = SimTime.accelerated(300);
        try (Simulator sim = Simulator.builder().time(time).seed(9).failureRate(0.1)
                     .generationTime(Duration.ofSeconds(5), Duration.ofSeconds(40)).build().start();
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl())
                     .apiKey(sim.apiKey()).trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).build())
                     .build());
             ResultCapture capture = ResultCapture.create(client, CaptureOptions.builder(out).allowPlainHttpOnLoopback(true)
                     .build())) {
            List<String> prompts = Flux.range(0, 40).map(i -> "prompt " + i).collectList().block();
            // results() then summarize(), which is run(): a failure then names each error
            List<PromptPipeline.Result> results = PromptPipeline.results(client, capture, Flux.fromIterable(prompts),
                    p -> GenerationRequest.nanoBanana("nano-banana-2", p).build(), 6).collectList()
                    .block(Duration.ofSeconds(60));
            assertThat(results).filteredOn(r -> r.error() != null).as("prompts that ended in an error").isEmpty();
            PromptPipeline.Summary summary = PromptPipeline.summarize(Flux.fromIterable(results)).block();
            assertThat(summary.prompts()).isEqualTo(40);
            assertThat(summary.errors()).isZero();
            List<TaskTruth> truths = sim.truths();
            assertThat(truths).hasSize(40);
            long completed = truths.stream().filter(t -> t.outcome().raw().equals("completed")).count();
            assertThat(summary.completed()).isEqualTo(completed);
            assertThat(summary.failed()).isEqualTo(40 - completed);
            assertThat(summary.files()).isEqualTo(summary.completed());
            try (var dirs = Files.list(out)) {
                assertThat(dirs.count()).isEqualTo(completed);
            }
            assertThat(summary.bytes()).isPositive();
            // bounded: when any task was created, fewer than 6 earlier ones were still short of their terminal answer
            List<TaskTruth> byCreation = truths.stream()
                    .sorted(java.util.Comparator.comparing(TaskTruth::createdAt)).toList();
            for (int i = 6; i < byCreation.size(); i++) {
                java.time.Instant created = byCreation.get(i).createdAt();
                long openBefore = byCreation.subList(0, i).stream()
                        .filter(t -> t.firstTerminalAnswer().map(a -> a.isAfter(created)).orElse(true)).count();
                assertThat(openBefore).as("generations in progress when #" + i + " was created").isLessThan(6);
            }
        }
    }
}
