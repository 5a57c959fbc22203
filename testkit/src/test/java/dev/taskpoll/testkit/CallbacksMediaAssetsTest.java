package dev.taskpoll.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Callbacks of the generic dialect, result media and the asset libraries, on virtual time. */
class CallbacksMediaAssetsTest {

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    private Simulator sim;
    private DisposableServer receiver;

    private void start(Simulator.Builder b) {
        sim = b.time(SimTime.following(vts)).seed(11).generationTime(Duration.ofMinutes(1), Duration.ofMinutes(1))
                .build().start();
    }

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
        if (receiver != null) {
            receiver.disposeNow();
        }
    }

    private String receiverUrl() {
        receiver = HttpServer.create().host("127.0.0.1").port(0)
                .handle((req, res) -> req.receive().aggregate().asString(StandardCharsets.UTF_8)
                        .doOnNext(s -> {
                            try {
                                received.add(SimHttp.JSON.readTree(s));
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        })
                        .then(res.status(204).send()))
                .bindNow();
        return "http://127.0.0.1:" + receiver.port() + "/hook?task=1";
    }

    private String submit(String callbackUrl) {
        return SimHttp.post(sim.baseUrl() + "/v1/task/submit", sim.apiKey(),
                "{\"model\":\"kling-v2\",\"input\":{\"prompt\":\"p\"},\"callback_url\":\"" + callbackUrl + "\"}")
                .json().get("id").asText();
    }

    private List<String> nextStatuses(int n) throws InterruptedException {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            JsonNode j = received.poll(10, TimeUnit.SECONDS);
            assertThat(j).as("callback %d of %d", i + 1, n).isNotNull();
            out[i] = j.get("status").asText();
        }
        return Arrays.asList(out);
    }

    @Test
    void aCallbackOnEveryStatusChangeWithTheQueryBody() throws Exception {
        start(Simulator.builder());
        String id = submit(receiverUrl());
        TaskTruth t = sim.truth(id).orElseThrow();
        vts.advanceTimeTo(t.processingAt());
        assertThat(nextStatuses(1)).containsExactly("in_progress");
        vts.advanceTimeTo(t.finishedAt());
        JsonNode done = received.poll(10, TimeUnit.SECONDS);
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("id").asText()).isEqualTo(id);
        assertThat(done.get("outputs")).hasSize(1);
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
        awaitCallbacks(id, 2);
        assertThat(sim.truth(id).orElseThrow().callbacks()).extracting(TaskTruth.Callback::httpStatus)
                .containsOnly(204);
    }

    @Test
    void duplicatedCallbacks() throws Exception {
        start(Simulator.builder().faults(Faults.parse("dup=1")));
        String id = submit(receiverUrl());
        vts.advanceTimeTo(sim.truth(id).orElseThrow().finishedAt());
        assertThat(nextStatuses(4)).containsExactlyInAnyOrder("in_progress", "in_progress", "completed", "completed");
        awaitCallbacks(id, 4);
        assertThat(sim.truth(id).orElseThrow().callbacks()).filteredOn(c -> c.note().equals("duplicate")).hasSize(2);
    }

    @Test
    void outOfOrderCallbacks() throws Exception {
        start(Simulator.builder().faults(Faults.parse("reorder=1")));
        String id = submit(receiverUrl());
        TaskTruth t = sim.truth(id).orElseThrow();
        vts.advanceTimeTo(t.finishedAt());
        assertThat(nextStatuses(1)).containsExactly("completed");
        vts.advanceTimeBy(Duration.ofMillis(1));
        assertThat(nextStatuses(1)).containsExactly("in_progress");
        awaitCallbacks(id, 2);
        assertThat(sim.truth(id).orElseThrow().callbacks()).anyMatch(c -> c.note().equals("reordered"));
    }

    @Test
    void callbacksNeverLeaveThisMachine() {
        start(Simulator.builder());
        String id = submit("https://example.com/hook");
        vts.advanceTimeBy(Duration.ofMinutes(5));
        assertThat(sim.truth(id).orElseThrow().callbacks()).singleElement()
                .satisfies(c -> assertThat(c.note()).startsWith("not sent: callbacks go to loopback hosts only"));
    }

    private void awaitCallbacks(String id, int n) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sim.truth(id).orElseThrow().callbacks().size() < n && System.nanoTime() < until) {
            received.poll(20, TimeUnit.MILLISECONDS); // the ledger entry lands when the answer arrives
        }
        assertThat(sim.truth(id).orElseThrow().callbacks()).hasSize(n);
    }

    // ---- media ----

    private String completedImage() {
        String id = sim.createTask("/v1/banana/images", "nano-banana-2");
        vts.advanceTimeTo(sim.truth(id).orElseThrow().finishedAt());
        return SimHttp.get(sim.baseUrl() + "/v1/result/" + id, sim.apiKey()).json().get("image_url").asText();
    }

    @Test
    void resultMediaIsServedWithoutTheKeyAndRecorded() {
        start(Simulator.builder().mediaSize(4096, 1000));
        String url = completedImage();
        SimHttp.Reply r = SimHttp.get(url, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("Content-Type")).isEqualTo("image/png");
        assertThat(r.bytes()).hasSize(1000).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        assertThat(SimHttp.get(url, null).bytes()).as("the same bytes every time").isEqualTo(r.bytes());
        SimHttp.get(url, "sim-key");
        assertThat(sim.mediaRequests()).extracting(MediaRequest::authorizationSent).containsExactly(false, false, true);
    }

    /** By default the media are real files: a PNG of the prompt a viewer decodes, and a valid H.264 MP4. */
    @Test
    void defaultMediaAreAPngRenderedFromThePromptAndARealMp4() throws Exception {
        start(Simulator.builder());
        SimHttp.Reply png = SimHttp.get(completedImage(), null);
        assertThat(png.status()).isEqualTo(200);
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png.bytes()));
        assertThat(img).as("a PNG a viewer decodes").isNotNull();
        assertThat(img.getWidth()).isEqualTo(512);
        assertThat(img.getHeight()).isEqualTo(288);
        assertThat(SimHttp.get(completedImage(), null).bytes()).as("another task: the same prompt, another id")
                .isNotEqualTo(png.bytes());
        String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
        vts.advanceTimeTo(sim.truth(id).orElseThrow().finishedAt());
        String url = SimHttp.get(sim.baseUrl() + "/v1/result/" + id, sim.apiKey()).json().get("video_url").asText();
        SimHttp.Reply mp4 = SimHttp.get(url, null);
        assertThat(mp4.headers().get("Content-Type")).isEqualTo("video/mp4");
        assertThat(new String(mp4.bytes(), 4, 8, java.nio.charset.StandardCharsets.US_ASCII)).startsWith("ftyp");
        assertThat(new String(mp4.bytes(), java.nio.charset.StandardCharsets.ISO_8859_1)).as("an H.264 track")
                .contains("avc1").contains("moov");
        assertThat(mp4.bytes()).hasSize(42_752);
    }

    @Test
    void rangeRequestsResume() {
        start(Simulator.builder().mediaSize(4096, 1000));
        String url = completedImage();
        byte[] all = SimHttp.get(url, null).bytes();
        SimHttp.Reply tail = SimHttp.get(url, null, Map.of("Range", "bytes=600-"), Duration.ofSeconds(5));
        assertThat(tail.status()).isEqualTo(206);
        assertThat(tail.headers().get("Content-Range")).isEqualTo("bytes 600-999/1000");
        assertThat(tail.bytes()).isEqualTo(Arrays.copyOfRange(all, 600, 1000));
        SimHttp.Reply mid = SimHttp.get(url, null, Map.of("Range", "bytes=10-19"), Duration.ofSeconds(5));
        assertThat(mid.bytes()).isEqualTo(Arrays.copyOfRange(all, 10, 20));
        assertThat(SimHttp.get(url, null, Map.of("Range", "bytes=5000-"), Duration.ofSeconds(5)).status())
                .isEqualTo(416);
    }

    @Test
    void urlsExpireAndSignaturesAreChecked() {
        start(Simulator.builder().urlLifetime(Duration.ofHours(1)));
        String url = completedImage();
        assertThat(SimHttp.get(url.replace("sig=", "sig=0"), null).status()).isEqualTo(403);
        assertThat(SimHttp.get(url.replaceFirst("expires=\\d+", "expires=99999999999"), null).status())
                .isEqualTo(403);
        assertThat(SimHttp.get(url, null).status()).isEqualTo(200);
        vts.advanceTimeBy(Duration.ofMinutes(59));
        assertThat(SimHttp.get(url, null).status()).isEqualTo(200);
        vts.advanceTimeBy(Duration.ofMinutes(1));
        SimHttp.Reply expired = SimHttp.get(url, null);
        assertThat(expired.status()).isEqualTo(410);
        assertThat(expired.json().get("msg").asText()).isEqualTo("URL expired");
    }

    // ---- assets ----

    @Test
    void seedance2AssetsGoProcessingThenActive() {
        start(Simulator.builder().assets(Duration.ofSeconds(20), Duration.ofSeconds(20), 0));
        SimHttp.Reply bad = SimHttp.post(sim.baseUrl() + "/kyyVideo2/asset/upload", sim.apiKey(),
                "{\"assetType\":\"image\",\"url\":\"https://x/cat.png\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("code").isInt()).isTrue();
        assertThat(bad.json().get("msg").asText()).contains("assetType: 'image'");

        JsonNode ok = SimHttp.post(sim.baseUrl() + "/kyyVideo2/asset/upload", sim.apiKey(),
                "{\"assetType\":\"Image\",\"url\":\"https://x/cat.png\",\"name\":\"Cat Image\"}").json();
        assertThat(ok.get("code").asInt()).isZero();
        String assetId = ok.get("data").get("assetId").asText();
        assertThat(assetId).matches("asset-\\d{14}-[a-z0-9]{5}");
        JsonNode detail = SimHttp.get(sim.baseUrl() + "/kyyVideo2/asset/" + assetId, sim.apiKey()).json();
        assertThat(detail.get("data").get("status").asText()).isEqualTo("Processing");
        assertThat(detail.get("data").get("name").asText()).isEqualTo("Cat Image");
        assertThat(detail.get("data").get("createTime").asText()).isEqualTo("1970-01-01 00:00:00");
        vts.advanceTimeBy(Duration.ofSeconds(20));
        assertThat(SimHttp.get(sim.baseUrl() + "/kyyVideo2/asset/" + assetId, sim.apiKey()).json()
                .get("data").get("status").asText()).isEqualTo("Active");
        assertThat(SimHttp.get(sim.baseUrl() + "/kyyVideo2/asset/asset-nope", sim.apiKey()).status()).isEqualTo(404);
    }

    @Test
    void sd2ManxueAssetsAreAuditedInBatches() {
        start(Simulator.builder().assets(Duration.ofSeconds(10), Duration.ofSeconds(10), 1.0));
        JsonNode up = SimHttp.post(sim.baseUrl() + "/asset/sd2Manxue/assetUpload", sim.apiKey(),
                "{\"imageUrls\":[\"https://x/a.png\",\"not-a-url\"],\"videoUrls\":[\"https://x/v.mp4\"]}").json();
        assertThat(up.get("code").asText()).isEqualTo("0");
        assertThat(up.get("data").get("items")).hasSize(2);
        assertThat(up.get("data").get("items").get(0).get("status").asText()).isEqualTo("submitted");
        assertThat(up.get("data").get("failedItems")).hasSize(1);
        String img = up.get("data").get("items").get(0).get("assetId").asText();
        assertThat(img).startsWith("asset_img_");
        String body = "{\"assetIds\":[\"" + img + "\",\"asset_nope\"]}";
        JsonNode st = SimHttp.post(sim.baseUrl() + "/asset/sd2Manxue/assetStatus", sim.apiKey(), body).json();
        assertThat(st.get("data").get("items").get(0).get("status").asText()).isEqualTo("Processing");
        assertThat(st.get("data").get("failedItems").get(0).get("assetId").asText()).isEqualTo("asset_nope");
        vts.advanceTimeBy(Duration.ofSeconds(10));
        JsonNode later = SimHttp.post(sim.baseUrl() + "/asset/sd2Manxue/assetStatus", sim.apiKey(), body).json();
        assertThat(later.get("data").get("items").get(0).get("status").asText()).isEqualTo("Failed");
        assertThat(SimHttp.post(sim.baseUrl() + "/asset/sd2Manxue/assetUpload", sim.apiKey(), "{}").status())
                .isEqualTo(400);
        assertThat(SimHttp.post(sim.baseUrl() + "/asset/sd2Manxue/assetStatus", "wrong", body).status())
                .isEqualTo(401);
    }
}
