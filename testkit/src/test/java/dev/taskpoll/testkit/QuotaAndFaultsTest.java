package dev.taskpoll.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The per-key quota and every fault knob, on virtual time. */
class QuotaAndFaultsTest {

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private Simulator sim;

    private Simulator start(Simulator.Builder b) {
        sim = b.time(SimTime.following(vts)).seed(5).generationTime(Duration.ofMinutes(1), Duration.ofMinutes(1))
                .build().start();
        return sim;
    }

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    private SimHttp.Reply poll(String id) {
        return SimHttp.get(sim.baseUrl() + "/v1/result/" + id, sim.apiKey());
    }

    @Test
    void theQuotaAnswers429WithRetryAfterInSeconds() {
        start(Simulator.builder().quota(2, RetryAfterMode.SECONDS));
        String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        assertThat(poll(id).status()).isEqualTo(200);
        assertThat(poll(id).status()).isEqualTo(200);
        SimHttp.Reply third = poll(id);
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.headers().get("Retry-After")).isEqualTo("1");
        assertThat(third.json().get("msg").asText()).isEqualTo("too many requests");
        vts.advanceTimeBy(Duration.ofMillis(500));
        assertThat(poll(id).status()).isEqualTo(200);
        assertThat(poll(id).status()).isEqualTo(429);
        assertThat(sim.throttledResponses()).isEqualTo(2);
        assertThat(sim.truth(id).orElseThrow().polls()).extracting(TaskTruth.Poll::outcome)
                .containsExactly(Faults.Kind.NONE, Faults.Kind.NONE, Faults.Kind.THROTTLED, Faults.Kind.NONE,
                        Faults.Kind.THROTTLED);
    }

    @Test
    void theQuotaCanAnswerWithAnHttpDateOrNoRetryAfter() {
        start(Simulator.builder().quota(1, RetryAfterMode.HTTP_DATE));
        String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        vts.advanceTimeBy(Duration.ofSeconds(41));
        poll(id);
        SimHttp.Reply r = poll(id);
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.headers().get("Retry-After")).isEqualTo("Thu, 1 Jan 1970 00:00:42 GMT");
        sim.close();

        start(Simulator.builder().quota(1, RetryAfterMode.NONE));
        String other = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        poll(other);
        SimHttp.Reply none = poll(other);
        assertThat(none.status()).isEqualTo(429);
        assertThat(none.headers().contains("Retry-After")).isFalse();
    }

    @Test
    void aQuotaBelowOnePerSecondStillAllowsARequestPerInterval() {
        start(Simulator.builder().quota(0.1, RetryAfterMode.SECONDS));
        String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        assertThat(poll(id).status()).isEqualTo(200);
        SimHttp.Reply refused = poll(id);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.headers().get("Retry-After")).isEqualTo("10");
        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(poll(id).status()).isEqualTo(200);
    }

    @Test
    void theQuotaAlsoCoversCreateCalls() {
        start(Simulator.builder().quota(1, RetryAfterMode.SECONDS));
        String body = "{\"model\":\"veo_3_1_fast\",\"prompt\":\"p\"}";
        assertThat(SimHttp.post(sim.baseUrl() + "/v1/veo/videos", sim.apiKey(), body).status()).isEqualTo(200);
        assertThat(SimHttp.post(sim.baseUrl() + "/v1/veo/videos", sim.apiKey(), body).status()).isEqualTo(429);
        assertThat(sim.truths()).hasSize(1);
    }

    private SimHttp.Reply withFault(String spec) {
        start(Simulator.builder().faults(Faults.parse(spec)));
        String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        SimHttp.Reply r = SimHttp.get(sim.baseUrl() + "/v1/result/" + id, sim.apiKey(), Map.of(),
                Duration.ofMillis(500));
        assertThat(sim.truth(id).orElseThrow().polls()).hasSize(1);
        return r;
    }

    private Faults.Kind recorded() {
        return sim.truths().get(0).polls().get(0).outcome();
    }

    @Test
    void serverErrors() {
        SimHttp.Reply r = withFault("5xx=1");
        assertThat(r.status()).isIn(500, 503);
        assertThat(r.json().get("msg").asText()).contains("simulated");
        assertThat(recorded()).isEqualTo(Faults.Kind.SERVER_ERROR);
    }

    @Test
    void connectionResetBeforeTheResponse() {
        SimHttp.Reply r = withFault("reset=1");
        assertThat(r.status()).isZero();
        assertThat(r.failure()).isNotNull();
        assertThat(recorded()).isEqualTo(Faults.Kind.RESET);
    }

    @Test
    void malformedJson() {
        SimHttp.Reply r = withFault("malformed=1");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).startsWith("{").contains("<html>");
        assertThatThrownBy(r::json).isInstanceOf(AssertionError.class);
        assertThat(recorded()).isEqualTo(Faults.Kind.MALFORMED);
    }

    @Test
    void emptyBody() {
        SimHttp.Reply r = withFault("empty=1");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bytes()).isEmpty();
        assertThat(recorded()).isEqualTo(Faults.Kind.EMPTY);
    }

    @Test
    void truncatedBody() {
        SimHttp.Reply r = withFault("truncated=1");
        assertThat(r.failure()).as("the client sees the connection close mid-body").isEqualTo("PrematureCloseException");
        assertThat(recorded()).isEqualTo(Faults.Kind.TRUNCATED);
    }

    @Test
    void stalledResponse() {
        SimHttp.Reply r = withFault("stall=1,stallFor=PT10M");
        assertThat(r.failure()).as("nothing came before the client's 500 ms response timeout").isNotNull()
                .containsIgnoringCase("timeout");
        assertThat(recorded()).isEqualTo(Faults.Kind.STALL);
        vts.advanceTimeBy(Duration.ofMinutes(10)); // the simulator then drops the connection
    }

    @Test
    void unknownStatusStrings() {
        SimHttp.Reply r = withFault("unknown=1");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("rendering");
        assertThat(recorded()).isEqualTo(Faults.Kind.UNKNOWN_STATUS);
    }

    @Test
    void throttlingFaults() {
        SimHttp.Reply r = withFault("429=1");
        assertThat(r.status()).isEqualTo(429);
        assertThat(recorded()).isEqualTo(Faults.Kind.THROTTLED);
        assertThat(sim.throttledResponses()).isEqualTo(1);
    }

    @Test
    void anOutageAnswers503ToEverythingForItsLength() {
        start(Simulator.builder());
        String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        sim.outage(Duration.ofSeconds(30));
        assertThat(poll(id).status()).isEqualTo(503);
        assertThat(SimHttp.post(sim.baseUrl() + "/v1/veo/videos", sim.apiKey(),
                "{\"model\":\"veo_3_1_fast\",\"prompt\":\"p\"}").status()).isEqualTo(503);
        vts.advanceTimeBy(Duration.ofSeconds(30));
        assertThat(poll(id).status()).isEqualTo(200);
        assertThat(sim.truth(id).orElseThrow().polls()).extracting(TaskTruth.Poll::outcome)
                .containsExactly(Faults.Kind.OUTAGE, Faults.Kind.NONE);
    }

    @Test
    void faultsHitCreateCallsOnlyWhenAskedTo() {
        start(Simulator.builder().faults(Faults.parse("5xx=1")));
        String body = "{\"model\":\"veo_3_1_fast\",\"prompt\":\"p\"}";
        assertThat(SimHttp.post(sim.baseUrl() + "/v1/veo/videos", sim.apiKey(), body).status()).isEqualTo(200);
        sim.close();
        start(Simulator.builder().faults(Faults.parse("5xx=1")).faultsOnCreate(true));
        assertThat(SimHttp.post(sim.baseUrl() + "/v1/veo/videos", sim.apiKey(), body).status()).isIn(500, 503);
        assertThat(sim.truths()).isEmpty();
    }

    @Test
    void ratesAreHonouredOverManyDraws() {
        Faults f = Faults.parse("5xx=0.1,reset=0.2,unknown=0.05");
        java.util.Random r = new java.util.Random(1);
        Map<Faults.Kind, Integer> counts = new java.util.EnumMap<>(Faults.Kind.class);
        for (int i = 0; i < 100_000; i++) {
            counts.merge(f.pick(r.nextDouble()), 1, Integer::sum);
        }
        assertThat(counts.get(Faults.Kind.SERVER_ERROR)).isBetween(9_500, 10_500);
        assertThat(counts.get(Faults.Kind.RESET)).isBetween(19_300, 20_700);
        assertThat(counts.get(Faults.Kind.UNKNOWN_STATUS)).isBetween(4_600, 5_400);
        assertThat(counts.get(Faults.Kind.NONE)).isBetween(63_500, 66_500);
    }

    @Test
    void faultSpecsAreParsedAndBadOnesNamed() {
        Faults f = Faults.parse("5xx=0.05, reset=0.01,malformed=0.01,empty=0.02,truncated=0.03,stall=0.005,"
                + "unknown=0.01,429=0.2,dup=0.1,reorder=0.2,stallFor=PT1M");
        assertThat(f.throttle()).isEqualTo(0.2);
        assertThat(f.serverError()).isEqualTo(0.05);
        assertThat(f.empty()).isEqualTo(0.02);
        assertThat(f.callbackReorder()).isEqualTo(0.2);
        assertThat(f.stallFor()).isEqualTo(Duration.ofMinutes(1));
        assertThatThrownBy(() -> Faults.parse("boom=1")).hasMessageContaining("unknown knob 'boom'");
        assertThatThrownBy(() -> Faults.parse("reset=2")).hasMessageContaining("faults.reset: 2.0 must be between 0 and 1");
        assertThatThrownBy(() -> Faults.parse("reset")).hasMessageContaining("not knob=value");
        assertThatThrownBy(() -> Faults.parse("reset=x")).hasMessageContaining("reset=x is not a number");
    }
}
