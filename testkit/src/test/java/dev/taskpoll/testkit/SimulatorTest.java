package dev.taskpoll.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The simulator over HTTP, on virtual time the test advances. */
class SimulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private Simulator sim = start(Simulator.builder().time(SimTime.following(vts))
            .generationTime(Duration.ofMinutes(2), Duration.ofMinutes(2)).seed(1));

    private static Simulator start(Simulator.Builder b) {
        return b.build().start();
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    record Reply(int status, JsonNode body) {
    }

    private Reply call(String method, String path, String key, String body) {
        return call(method, path, key, body, "application/json");
    }

    private Reply call(String method, String path, String key, String body, String contentType) {
        HttpClient http = HttpClient.create().headers(h -> {
            if (key != null) {
                h.set("Authorization", "Bearer " + key);
            }
            if (contentType != null) {
                h.set("Content-Type", contentType);
            }
        });
        String url = path.startsWith("/_sim") ? sim.baseUrl().replace(Simulator.PATH_PREFIX, "") + path
                : sim.baseUrl() + path;
        var request = method.equals("GET") ? http.get().uri(url)
                : http.post().uri(url).send(reactor.netty.ByteBufFlux.fromString(Mono.just(body)));
        return request.responseSingle((res, bytes) -> bytes.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                        .map(s -> {
                            try {
                                return new Reply(res.status().code(), s.isEmpty() ? null : JSON.readTree(s));
                            } catch (Exception e) {
                                throw new IllegalStateException(s, e);
                            }
                        }))
                .block(Duration.ofSeconds(10));
    }

    private Reply get(String path) {
        return call("GET", path, sim.apiKey(), null);
    }

    private Reply post(String path, String body) {
        return call("POST", path, sim.apiKey(), body);
    }

    @Test
    void everyVideoAndImageCreateEndpointAnswersWithItsDocumentedShape() {
        String[][] families = {
                {"/v1/sora/videos", "video.generation", "sora_", "openAiSora2Plus"},
                {"/v1/veo/videos", "video", "vgen_", "veo_3_1_fast"},
                {"/v1/kyyvideo2/videos", "video", "video_", "seedance_2_0_pro"},
                {"/v1/vidu/videos", "video", "video_", "viduq3-pro"},
                {"/v1/grok/videos", "video", "video_", "grok_video3"},
                {"/v1/starvideos/videos", "video", "video_starvideos_", "starvideos_o3"},
                {"/v1/banana/images", "image", "", "nano-banana-2"},
                {"/v1/image2/images", "image", "image_", "gpt-image-2"}};
        for (String[] f : families) {
            Reply r = post(f[0], "{\"model\":\"" + f[3] + "\",\"prompt\":\"a cat\"}");
            assertThat(r.status()).as(f[0]).isEqualTo(200);
            assertThat(r.body().get("status").asText()).as(f[0]).isEqualTo("queued");
            assertThat(r.body().get("object").asText()).as(f[0]).isEqualTo(f[1]);
            assertThat(r.body().get("id").asText()).as(f[0]).startsWith(f[2]);
            assertThat(r.body().get("created").asLong()).as(f[0]).isZero(); // virtual time starts at the epoch
            assertThat(r.body().get("model").asText()).isEqualTo(f[3]);
        }
        Reply seedance = post("/v1/seedance/videos",
                "{\"model\":\"seedance_1_5_pro_720p\",\"content\":[{\"type\":\"text\",\"text\":\"a cat\"}]}");
        assertThat(seedance.status()).isEqualTo(200);
        assertThat(seedance.body().get("id").asText()).startsWith("video_");
    }

    @Test
    void videosAndSd2ManxueAnswerWithTheCodeEnvelope() {
        for (String[] f : List.of(new String[] {"/v1/videos/videos", "videos"},
                new String[] {"/v1/sd2_manxue/videos", "sd2_manxue_720p"})) {
            String path = f[0];
            Reply r = post(path, "{\"model\":\"" + f[1] + "\",\"prompt\":\"a cat\",\"duration\":5}");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body().get("code").asText()).isEqualTo("0");
            assertThat(r.body().get("code").isTextual()).isTrue();
            assertThat(r.body().get("msg").isNull()).isTrue();
            String id = r.body().get("data").get("projectId").asText();
            assertThat(get("/v1/result/" + id).body().get("status").asText()).isEqualTo("queued");
        }
    }

    /** The other create answers the fact sheet found (section 11, items 5-6), each chosen with {@code envelopeForm}. */
    @Test
    void theEnvelopesOtherFormsCarryTheIdWhereTheirPagesSay() {
        sim.close();
        sim = start(Simulator.builder().time(SimTime.following(vts)).envelopeForm(EnvelopeForm.DATA_ID_INTEGER_CODE));
        Reply integer = post("/v1/videos/videos", "{\"model\":\"videos\",\"prompt\":\"a cat\",\"duration\":5}");
        assertThat(integer.status()).isEqualTo(200);
        assertThat(integer.body().get("code").isInt()).isTrue();
        assertThat(integer.body().get("code").asInt()).isZero();
        assertThat(integer.body().has("id")).isFalse();
        String id = integer.body().get("data").get("id").asText();
        assertThat(integer.body().get("data").has("projectId")).isFalse();
        assertThat(get("/v1/result/" + id).body().get("status").asText()).isEqualTo("queued");
        sim.close();
        sim = start(Simulator.builder().time(SimTime.following(vts)).envelopeForm(EnvelopeForm.TOP_LEVEL_ID));
        Reply top = post("/v1/sd2_manxue/videos", "{\"model\":\"sd2_manxue_720p\",\"prompt\":\"a cat\",\"duration\":5}");
        assertThat(top.status()).isEqualTo(200);
        assertThat(top.body().get("code").asText()).isEqualTo("0");
        assertThat(top.body().has("data")).isFalse();
        assertThat(get("/v1/result/" + top.body().get("id").asText()).body().get("status").asText())
                .isEqualTo("queued");
    }

    /**
     * {@code failedAtOnce}: of the failed tasks, those refused by the content policy are {@code failed} from the first
     * query on, their error said; the others fail at the end of their generation time.
     */
    @Test
    void aTaskRefusedByTheContentPolicyIsFailedStraightAway() {
        sim.close();
        sim = start(Simulator.builder().time(SimTime.following(vts)).seed(4).failureRate(1).failedAtOnce(1)
                .generationTime(Duration.ofMinutes(2), Duration.ofMinutes(2)));
        String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        JsonNode first = get("/v1/result/" + id).body();
        assertThat(first.get("status").asText()).isEqualTo("failed");
        assertThat(first.get("error").asText()).contains("content policy");
        TaskTruth t = sim.truth(id).orElseThrow();
        assertThat(t.finishedAt()).isEqualTo(t.createdAt());
        sim.close();
        sim = start(Simulator.builder().time(SimTime.following(vts)).seed(4).failureRate(1)
                .generationTime(Duration.ofMinutes(2), Duration.ofMinutes(2)));
        String late = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        assertThat(get("/v1/result/" + late).body().get("status").asText()).as("by default at its end")
                .isEqualTo("queued");
        assertThatThrownBy(() -> Simulator.builder().failedAtOnce(1.5))
                .hasMessage("failedAtOnce: 1.5 must be between 0 and 1");
    }

    /**
     * {@code taskRetention}: an ended task is deleted that long after its end, and a query then answers 404 as for an
     * id never created; by default it is kept.
     */
    @Test
    void aTaskPastItsRetentionIsNotFound() {
        sim.close();
        sim = start(Simulator.builder().time(SimTime.following(vts)).seed(2).taskRetention(Duration.ofHours(24))
                .generationTime(Duration.ofMinutes(2), Duration.ofMinutes(2)));
        String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        vts.advanceTimeTo(sim.truth(id).orElseThrow().finishedAt().plus(Duration.ofHours(24)).minusMillis(1));
        assertThat(get("/v1/result/" + id).body().get("status").asText()).isEqualTo("completed");
        vts.advanceTimeBy(Duration.ofMillis(1));
        Reply gone = get("/v1/result/" + id);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.body().get("msg").asText()).isEqualTo("task not found");
        assertThat(sim.truth(id)).as("still in the ledger").isPresent();
        assertThatThrownBy(() -> Simulator.builder().taskRetention(Duration.ZERO))
                .hasMessage("taskRetention: PT0S must be positive");
    }

    /** The fact sheet's rule: a body comes with {@code Content-Type: application/json} (parameters allowed). */
    @Test
    void aBodyWithoutAJsonContentTypeIsRefused() {
        String body = "{\"model\":\"veo_3_1_fast\",\"prompt\":\"a cat\"}";
        Reply missing = call("POST", "/v1/veo/videos", sim.apiKey(), body, null);
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body().get("msg").asText()).isEqualTo("Content-Type: missing; application/json is required");
        Reply text = call("POST", "/v1/veo/videos", sim.apiKey(), body, "text/plain");
        assertThat(text.status()).isEqualTo(400);
        assertThat(text.body().get("msg").asText()).contains("'text/plain'");
        assertThat(call("POST", "/v1/veo/videos", sim.apiKey(), body, "Application/JSON; charset=utf-8").status())
                .isEqualTo(200);
        assertThat(sim.truths()).hasSize(1);
    }

    @Test
    void badCreateRequestsGet400WithAReason() {
        assertThat(post("/v1/sora/videos", "{\"prompt\":\"a cat\"}")).satisfies(r -> {
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.body().get("msg").asText()).startsWith("model: is required");
        });
        assertThat(post("/v1/veo/videos", "{\"model\":\"veo_3_1_fast\"}").body().get("msg").asText())
                .isEqualTo("prompt: is required (a non-empty string)");
        assertThat(post("/v1/seedance/videos", "{\"model\":\"seedance_1_5_pro_720p\",\"prompt\":\"p\"}")
                .body().get("msg").asText()).startsWith("content: is required");
        assertThat(post("/v1/task/submit", "{\"model\":\"kling-v2\"}").body().get("msg").asText())
                .contains("input");
        assertThat(post("/v1/sora/videos", "{not json").status()).isEqualTo(400);
        assertThat(sim.truths()).isEmpty();
    }

    @Test
    void aWrongOrMissingKeyGets401() {
        String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        assertThat(call("GET", "/v1/result/" + id, "wrong", null).status()).isEqualTo(401);
        assertThat(call("GET", "/v1/result/" + id, null, null).status()).isEqualTo(401);
        assertThat(call("POST", "/v1/veo/videos", "wrong", "{\"model\":\"veo_3_1_fast\",\"prompt\":\"p\"}").status())
                .isEqualTo(401);
        assertThat(sim.truths()).hasSize(1);
        assertThat(sim.truth(id).orElseThrow().polls()).isEmpty();
    }

    @Test
    void aVideoGoesQueuedProcessingCompletedWithItsDocumentedFields() {
        String id = sim.createTask("/v1/vidu/videos", "viduq3-pro");
        TaskTruth truth = sim.truth(id).orElseThrow();
        JsonNode queued = get("/v1/result/" + id).body();
        assertThat(queued.get("status").asText()).isEqualTo("queued");
        assertThat(queued.get("object").asText()).isEqualTo("Video");
        assertThat(queued.get("video_url").isNull()).isTrue();
        assertThat(queued.get("error").isNull()).isTrue();

        vts.advanceTimeTo(truth.processingAt());
        assertThat(get("/v1/result/" + id).body().get("status").asText()).isEqualTo("processing");

        vts.advanceTimeTo(truth.finishedAt());
        JsonNode done = get("/v1/result/" + id).body();
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("video_url").asText()).startsWith(sim.baseUrl() + "/_media/" + id + "/0.mp4?");
        assertThat(done.get("actualDuration").asDouble()).isPositive();
        assertThat(done.get("totalTokens").asLong()).isPositive();
        assertThat(truth.finishedAt()).isEqualTo(Instant.ofEpochMilli(120_000));
    }

    @Test
    void imagesUseImageUrlAndTheirOwnObject() {
        String id = sim.createTask("/v1/banana/images", "nano-banana-2");
        vts.advanceTimeTo(sim.truth(id).orElseThrow().finishedAt());
        JsonNode done = get("/v1/result/" + id).body();
        assertThat(done.get("object").asText()).isEqualTo("image.generation");
        assertThat(done.get("image_url").asText()).contains("/0.png?");
        assertThat(done.has("video_url")).isFalse();
        assertThat(done.has("totalTokens")).isFalse();
    }

    @Test
    void theGenericDialectUsesInProgressAndOutputs() {
        String id = post("/v1/task/submit", "{\"model\":\"kling-v2\",\"input\":{\"prompt\":\"p\",\"duration\":\"5\"},"
                + "\"callback_url\":\"https://example.com/hook\"}").body().get("id").asText();
        TaskTruth truth = sim.truth(id).orElseThrow();
        vts.advanceTimeTo(truth.processingAt());
        assertThat(get("/v1/task/" + id).body().get("status").asText()).isEqualTo("in_progress");
        vts.advanceTimeTo(truth.finishedAt());
        JsonNode done = get("/v1/task/" + id).body();
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("outputs")).hasSize(1);
        assertThat(get("/v1/result/" + id).status()).as("not an OPC task").isEqualTo(404);
    }

    @Test
    void unknownIdsGet404AndEncodedIdsAreDecoded() {
        assertThat(get("/v1/result/nope").status()).isEqualTo(404);
        assertThat(get("/v1/result/..%2Fx").status()).isEqualTo(404);
        String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        String encoded = id.replace("_", "%5F");
        assertThat(get("/v1/result/" + encoded).status()).isEqualTo(200);
    }

    @Test
    void failedTasksCarryAnErrorAndSeedanceCanBeCancelled() {
        sim.close();
        sim = start(Simulator.builder().time(SimTime.following(vts)).failureRate(1.0).seed(3)
                .generationTime(Duration.ofSeconds(10), Duration.ofSeconds(10)));
        String veo = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        int cancelled = 0;
        for (int i = 0; i < 20; i++) {
            String s = sim.createTask("/v1/seedance/videos", "seedance_1_5_pro_720p");
            if (sim.truth(s).orElseThrow().outcome() == SimOutcome.CANCELLED) {
                cancelled++;
            }
        }
        vts.advanceTimeBy(Duration.ofSeconds(10));
        JsonNode failed = get("/v1/result/" + veo).body();
        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.get("error").asText()).isNotBlank();
        assertThat(cancelled).isBetween(1, 19);
        assertThat(sim.truths()).filteredOn(t -> t.family().equals("veo"))
                .allMatch(t -> t.outcome() == SimOutcome.FAILED);
    }

    @Test
    void theLedgerRecordsEveryPollWithItsTimeAndIsServedAsJson() {
        String id = sim.createTask("/v1/sora/videos", "openAiSora2Plus");
        get("/v1/result/" + id);
        vts.advanceTimeBy(Duration.ofSeconds(30));
        get("/v1/result/" + id);
        vts.advanceTimeBy(Duration.ofMinutes(2));
        get("/v1/result/" + id);
        TaskTruth t = sim.truth(id).orElseThrow();
        assertThat(t.polls()).extracting(TaskTruth.Poll::at).containsExactly(Instant.ofEpochMilli(0),
                Instant.ofEpochMilli(30_000), Instant.ofEpochMilli(150_000));
        assertThat(t.polls()).extracting(TaskTruth.Poll::outcome).containsOnly(Faults.Kind.NONE);
        assertThat(t.firstTerminalAnswer()).contains(Instant.ofEpochMilli(150_000));
        assertThat(t.pollsAfterFinish()).isEqualTo(1);
        assertThat(sim.statusQueries()).isEqualTo(3);

        JsonNode ledger = get("/_sim/tasks").body().get("tasks");
        assertThat(ledger).hasSize(1);
        assertThat(ledger.get(0).get("id").asText()).isEqualTo(id);
        assertThat(ledger.get(0).get("outcome").asText()).isEqualTo("completed");
        assertThat(ledger.get(0).get("polls")).hasSize(3);
        assertThat(ledger.get(0).get("polls").get(2).get("outcome").asText()).isEqualTo("NONE");
        assertThat(ledger.get(0).get("finishedAt").asText()).isEqualTo("1970-01-01T00:02:00Z");
    }

    @Test
    void generationTimesFollowTheDocsPerModelAndCanBeSetPerModel() {
        sim.close();
        sim = start(Simulator.builder().time(SimTime.following(vts)).seed(2)
                .generationTime("veo_3_1_pro", Duration.ofSeconds(7), Duration.ofSeconds(7)));
        for (int i = 0; i < 200; i++) {
            assertThat(genTime(sim.createTask("/v1/vidu/videos", "viduq3-turbo")))
                    .isBetween(Duration.ofMinutes(2), Duration.ofMinutes(4));
            assertThat(genTime(sim.createTask("/v1/seedance/videos", "seedance_1_5_pro_1080p")))
                    .isBetween(Duration.ofMinutes(3), Duration.ofMinutes(8));
            assertThat(genTime(sim.createTask("/v1/banana/images", "nano-banana")))
                    .isBetween(Duration.ofSeconds(5), Duration.ofSeconds(30));
            assertThat(genTime(sim.createTask("/v1/veo/videos", "veo_3_1_pro"))).isEqualTo(Duration.ofSeconds(7));
        }
    }

    private Duration genTime(String id) {
        TaskTruth t = sim.truth(id).orElseThrow();
        assertThat(t.processingAt()).isBetween(t.createdAt(), t.finishedAt());
        return Duration.between(t.createdAt(), t.finishedAt());
    }

    @Test
    void builderRejectsBadValuesNamingTheField() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Simulator.builder().failureRate(2))
                .hasMessageContaining("failureRate");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> Simulator.builder().generationTime(Duration.ofMinutes(2), Duration.ofMinutes(1)))
                .hasMessageContaining("generationTime");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sim.createTask("/v1/nope", "m"))
                .hasMessageContaining("createPath");
    }
}
