package dev.taskpoll;

import static dev.taskpoll.catalog.GenerationRequest.builder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.testkit.Simulator;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every documented rule: a violating request fails when built, naming the field, the value and the rule, and the
 * simulator sees no request; every valid request is accepted by the simulator, whose rules were written apart.
 */
class RequestValidationTest {

    private static Simulator sim;
    private static TaskpollClient client;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().build().start();
        client = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey()).build());
    }

    @AfterAll
    static void stop() {
        client.close();
        sim.close();
        assertThat(sim.createCalls()).as("only the valid requests reached the simulator").isEqualTo(VALID);
    }

    private static int VALID;

    static Stream<Arguments> violations() {
        return Stream.of(
                bad(() -> GenerationRequest.sora("sora-2", "p"), "SORA request: model: 'sora-2' is not one of [openAiSora2Plus, openAiSora2Pro]"),
                bad(() -> GenerationRequest.sora("openAiSora2Plus", " "), "SORA request: prompt: is required"),
                bad(() -> GenerationRequest.sora("openAiSora2Plus", "p").duration(10), "duration: 10 is not one of [4, 8, 12]"),
                bad(() -> GenerationRequest.sora("openAiSora2Plus", "p").duration(8).seconds(8), "duration, seconds: send only one of the two"),
                bad(() -> GenerationRequest.sora("openAiSora2Plus", "p").size("720x1280").aspectRatio("9:16"), "size, aspect_ratio: send only one"),
                bad(() -> GenerationRequest.sora("openAiSora2Plus", "p").size("1920x1080"), "size: '1920x1080' is not one of [720x1280, 1280x720]"),
                bad(() -> GenerationRequest.sora("openAiSora2Plus", "p").inputReference("a", "b"), "input_reference: 2 items; at most 1"),
                bad(() -> GenerationRequest.sora("openAiSora2Plus", "p").inputReference("a").imageUrls("b"), "input_reference, image_urls: send only one"),
                bad(() -> GenerationRequest.sora("openAiSora2Plus", "p").resolution("720p"), "resolution: is not a documented parameter of SORA"),
                bad(() -> GenerationRequest.veo("veo_3_1_pro_stable", "p").resolution("4K"), "resolution: '4K' is only for veo_3_1_fast and veo_3_1_pro"),
                bad(() -> GenerationRequest.veo("veo_3_1_fast", "p").resolution("8k"), "resolution: '8k' is not one of [720p, 1080p, 4K]"),
                bad(() -> GenerationRequest.veo("veo_3_1_fast", "p").aspectRatio("16:9-1080p"), "aspect_ratio: '16:9-1080p' is not one of"),
                bad(() -> GenerationRequest.veo("veo_3_1_fast", "p").imageUrls("a", "b", "c", "d"), "image_urls: 4 items; at most 3"),
                bad(() -> GenerationRequest.veo("veo_3_1_fast_stable", "p").imageUrls("a"), "image_urls: must not be sent: veo_3_1_fast_stable takes no reference images"),
                bad(() -> GenerationRequest.veo("veo_3_1_pro", "p").firstImage("a").imageUrls("b"), "first_image, image_urls: first/last-frame mode and reference mode"),
                bad(() -> GenerationRequest.veo("veo_3_1_pro", "p").lastImage("a"), "last_image: requires first_image"),
                bad(() -> GenerationRequest.veo("veo_3_1_pro", "p").duration(8), "duration: is not a documented parameter of VEO"),
                bad(() -> GenerationRequest.veo("veo_3_1_pro", "p").param("duration", 99), "duration: must not be sent: VEO has no duration field; its output is always 8 s"),
                bad(() -> GenerationRequest.veo("veo_3_1_fast", "p").param("seconds", 8), "seconds: must not be sent: VEO has no duration field"),
                bad(() -> GenerationRequest.seedance15("seedance_1_5_pro_720p", "p").duration(3), "duration: 3 must be an integer from 4 to 12, or -1"),
                bad(() -> GenerationRequest.seedance15("seedance_1_5_pro_720p", "p").ratio("2:1"), "ratio: '2:1' is not one of"),
                bad(() -> GenerationRequest.seedance15("seedance_1_5_pro_720p", "p").image("u", "middle"), "content[].role: 'middle'"),
                bad(() -> builder(Family.SEEDANCE_1_5, "seedance_1_5_pro_720p").image("u", null), "content: must hold at least one text item"),
                bad(() -> GenerationRequest.seedance15("seedance_1_5_pro_720p", "p").image("1", "reference_image").image("2", "reference_image").image("3", "reference_image").image("4", "reference_image").image("5", "reference_image"), "content: 5 reference_image items"),
                bad(() -> GenerationRequest.seedance15("seedance_1_5_pro_720p", "p").param("content", java.util.List.of(Map.of("type", "text", "text", "p"), Map.of("type", "image_url"))), "content[].image_url.url: is required for an image item"),
                bad(() -> GenerationRequest.seedance20("seedance_2_0", "p"), "referenceVideos: at least one is required by seedance_2_0"),
                bad(() -> GenerationRequest.seedance20("seedance_2_0_pro", "p").duration(16), "duration: 16 must be an integer from 4 to 15"),
                bad(() -> GenerationRequest.seedance20("seedance_2_0_pro", "p").firstImage("a").referenceImages("b"), "first_image, referenceImages: first/last-frame mode"),
                bad(() -> GenerationRequest.seedance20("seedance_2_0_pro", "p").lastImage("a"), "last_image: requires first_image"),
                bad(() -> GenerationRequest.seedance20("seedance_2_0_pro", "p").param("generateAudio", "yes"), "generateAudio: 'yes' must be true or false"),
                bad(() -> GenerationRequest.vidu("viduq3-pro", "p").duration(17), "duration: 17 must be a number from 1 to 16"),
                bad(() -> GenerationRequest.vidu("viduq3-pro", "p").resolution("4k"), "resolution: '4k' is not one of [540p, 720p, 1080p]"),
                bad(() -> GenerationRequest.vidu("viduq3-pro", "p").aspectRatio("21:9"), "aspect_ratio: '21:9' is not one of"),
                bad(() -> GenerationRequest.vidu("viduq3-pro", "p").lastImage("b"), "last_image: requires first_image"),
                bad(() -> GenerationRequest.grok("grok_video3", "p").duration(31), "duration: 31 must be an integer from 6 to 30 for grok_video3"),
                bad(() -> GenerationRequest.grok("grok_video3_pro", "p").duration(10), "duration: must not be sent: grok_video3_pro has a fixed 10 s"),
                bad(() -> GenerationRequest.grok("grok_video3_pro", "p").aspectRatio("9:16"), "aspect_ratio: '9:16' is not one of [16:9] for grok_video3_pro"),
                bad(() -> GenerationRequest.grok("grok_video3_max", "p").duration(8), "duration: 8 is not one of [6, 10, 12, 16, 20, 30] for grok_video3_max"),
                bad(() -> GenerationRequest.grok("grok_video3_max", "p").imageUrls("data:image/png;base64,AAA"), "image_urls: public http(s) URLs only for grok_video3_max"),
                bad(() -> GenerationRequest.grok("grok_video3_max", "p").imageUrls("https://a", "https://b", "https://c", "https://d", "https://e", "https://f"), "image_urls: 6 items; at most 5"),
                bad(() -> GenerationRequest.grok("grok_video3_stable", "p").duration(8), "duration: 8 is not one of [6, 10] for grok_video3_stable"),
                bad(() -> GenerationRequest.grok("grok_video3", "p").resolution("1080p"), "resolution: '1080p' is not one of [480p, 720p]"),
                bad(() -> GenerationRequest.starVideos("starvideos_o3", "p").duration(2), "duration: 2 must be an integer from 3 to 15"),
                bad(() -> GenerationRequest.starVideos("starvideos_o3", "p").referenceVideos("v").referenceImages("1", "2", "3", "4", "5"), "referenceImages: 5 items; at most 4"),
                bad(() -> GenerationRequest.starVideos("starvideos_o3", "p").firstImage("a"), "first_image, last_image: must be sent together"),
                bad(() -> GenerationRequest.builder(Family.VIDEOS, "videos").prompt("p"), "duration: is required"),
                bad(() -> GenerationRequest.videos("videos", "p", 16), "duration: 16 must be an integer from 4 to 15"),
                bad(() -> GenerationRequest.videos("videos_fast", "x".repeat(1501), 5), "prompt: 1501 characters; at most 1500"),
                bad(() -> GenerationRequest.videos("videos", "p", 5).resolution("1080p"), "resolution: '1080p' is not one of [720p]"),
                bad(() -> GenerationRequest.videos("videos", "p", 5).firstImage("a").lastImage("b").referenceImages("c"), "first_image, referenceImages: first/last-frame mode"),
                bad(() -> GenerationRequest.sd2Manxue("sd2_manxue_720p", "p").referenceVideos("v"), "model: 'sd2_manxue_720p' cannot take referenceVideos"),
                bad(() -> GenerationRequest.sd2Manxue("sd2_manxue_720p", "p").firstImage("a").param("image", "b"), "first_image, image: parameter conflict"),
                bad(() -> GenerationRequest.sd2Manxue("sd2_manxue_720p", "p").param("lastFrameImage", "a"), "last_image: requires first_image"),
                bad(() -> GenerationRequest.sd2Manxue("sd2_manxue_video_720p", "p").referenceVideos("1", "2", "3", "4"), "referenceVideos: 4 items; at most 3"),
                bad(() -> GenerationRequest.sd2Manxue("sd2_manxue_720p", "p").referenceImages("1", "2", "3", "4", "5", "6", "7", "8", "9", "10"), "referenceImages: 10 items; at most 9"),
                bad(() -> GenerationRequest.nanoBanana("nano-banana", "p").resolution("4k"), "resolution: '4k' is only for the -pro models"),
                bad(() -> GenerationRequest.nanoBanana("nano-banana-pro", "p").size("1024x1024"), "size: '1024x1024' is not one of"),
                bad(() -> GenerationRequest.nanoBanana("nano-banana-pro", "p").imageUrls("1", "2", "3", "4", "5", "6", "7"), "image_urls: 7 items; at most 6"),
                bad(() -> GenerationRequest.gptImage2("gpt-image-2", "p").resolution("2k"), "resolution: requires ratio"),
                bad(() -> GenerationRequest.gptImage2("gpt-image-2-r", "p").ratio("1:1").resolution("2k"), "resolution: '2k' is not one of [1k] for gpt-image-2-r"),
                bad(() -> GenerationRequest.gptImage2("gpt-image-2", "p").quality("ultra"), "quality: 'ultra' is not one of [low, medium, high]"),
                bad(() -> GenerationRequest.gptImage2("gpt-image-2", "p").ratio("1:1").resolution("1k").size("1024x1024"), "resolution, size: send only one"),
                bad(() -> GenerationRequest.task("kling-v2", Map.of("prompt", "p")).callbackUrl("ftp://x"), "callback_url: 'ftp://x' must be an absolute http(s) URL"),
                bad(() -> GenerationRequest.builder(Family.GENERIC_TASK, "kling-v2"), "input: is required"),
                bad(() -> GenerationRequest.builder(Family.GENERIC_TASK, " ").input(Map.of()), "model: must not be blank"),
                // a model the task could not be tracked under (TaskRef's rule): refused before the paid create call
                bad(() -> GenerationRequest.task("k".repeat(129), Map.of("prompt", "p")), "model: 129 characters; at most 128"),
                bad(() -> GenerationRequest.task("kling\nv2", Map.of("prompt", "p")), "model: control character at index 5 is not allowed"));
    }

    private static Arguments bad(Supplier<GenerationRequest.Builder> request, String expected) {
        return Arguments.of(expected, request);
    }

    /** The fields sent unchecked, for a caller to say so: those the family's documentation does not list. */
    @org.junit.jupiter.api.Test
    void undocumentedFieldsAreTheOnesTheDocumentationDoesNotList() {
        assertThat(GenerationRequest.nanoBanana("nano-banana", "p").resolution("2k").param("seed", 3)
                .param("style", "ink").build().undocumentedFields()).containsExactly("seed", "style");
        assertThat(GenerationRequest.nanoBanana("nano-banana", "p").param("size", "1:1").build().undocumentedFields())
                .as("a documented field set with param").isEmpty();
        assertThat(GenerationRequest.seedance15("seedance_1_5_pro_720p", "p").duration(5).build().undocumentedFields())
                .as("content and model").isEmpty();
        assertThat(GenerationRequest.task("kling-v2", Map.of("prompt", "p", "anything", 1)).callbackUrl("https://x/cb")
                .build().undocumentedFields()).as("the generic dialect's input is free").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("violations")
    void aViolationFailsBeforeAnythingIsSent(String expected, Supplier<GenerationRequest.Builder> request) {
        long before = sim.createCalls();
        assertThatThrownBy(() -> client.submit(request.get().build()).block(Duration.ofSeconds(10)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining(expected);
        assertThat(sim.createCalls()).isEqualTo(before);
    }

    static Stream<Arguments> valid() {
        Stream<Supplier<GenerationRequest.Builder>> s = Stream.of(
                () -> GenerationRequest.sora("openAiSora2Pro", "p").duration(12).size("1280x720").inputReference("https://x/a.png"),
                () -> GenerationRequest.sora("openAiSora2Plus", "p").seconds(4).aspectRatio("9:16"),
                () -> GenerationRequest.veo("veo_3_1_fast", "p").resolution("4k").aspectRatio("16:9").imageUrls("https://x/1", "https://x/2"),
                () -> GenerationRequest.veo("veo_3_1_pro", "p").firstImage("https://x/f").lastImage("https://x/l"),
                () -> GenerationRequest.seedance15("seedance_1_5_pro_1080p", "p").image("https://x/i", "first_frame").ratio("adaptive").duration(-1).generateAudio(true),
                () -> GenerationRequest.seedance20("seedance_2_0_fast", "p").referenceVideos("asset://asset-1").duration(15).generateAudio(true),
                () -> GenerationRequest.seedance20("seedance_2_0_pro", "p").firstImage("asset://a").lastImage("https://x/l"),
                () -> GenerationRequest.vidu("viduq3-turbo", "p").duration(16).aspectRatio("3:4").resolution("1080p"),
                () -> GenerationRequest.grok("grok_video3", "p").duration(30).aspectRatio("2:3").resolution("480p"),
                () -> GenerationRequest.grok("grok_video3_stable", "p").duration(6).aspectRatio("3:2"),
                () -> GenerationRequest.starVideos("starvideos_o3", "p").duration(3).ratio("9:16").referenceImages("1", "2", "3", "4", "5", "6", "7"),
                () -> GenerationRequest.videos("videos_fast", "p", 4).ratio("1:1").resolution("720p"),
                () -> GenerationRequest.videos("videos_stable", "x".repeat(4000), 15),
                () -> GenerationRequest.sd2Manxue("sd2_manxue_video_720p", "p").referenceVideos("v").referenceImages("1", "2", "3", "4", "5", "6", "7", "8", "9"),
                () -> GenerationRequest.sd2Manxue("sd2_manxue_720p", "p").firstImage("a").param("image", "a"),
                () -> GenerationRequest.nanoBanana("nano-banana-2", "p").resolution("2k").size("16:9"),
                () -> GenerationRequest.gptImage2("gpt-image-2", "p").quality("high").ratio("9:21").resolution("4k"),
                () -> GenerationRequest.task("kling-v3/text-to-video", Map.of("prompt", "p", "duration", "5", "aspect_ratio", "16:9")).callbackUrl("https://your-server/webhook/task"));
        return s.map(b -> Arguments.of(b.get().build().toString(), b));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void aValidRequestIsAcceptedByTheSimulatorToo(String label, Supplier<GenerationRequest.Builder> request) {
        Submission s = client.submit(request.get().build()).block(Duration.ofSeconds(10));
        VALID++;
        assertThat(s).isNotNull();
        assertThat(sim.truth(s.taskId())).isPresent();
    }
}
