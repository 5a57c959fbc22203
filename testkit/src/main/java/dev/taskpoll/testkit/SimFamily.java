package dev.taskpoll.testkit;

import java.time.Duration;
import java.util.Map;
import java.util.LinkedHashMap;
import org.jspecify.annotations.Nullable;

/**
 * What the simulator knows of each family, written from the API fact sheet independently of the client's catalogue,
 * so that the simulator can catch the client's mistakes rather than share them.
 *
 * @param name          a short name
 * @param createPath    {@code POST} path below the base URL
 * @param envelope      whether the create call answers with {@code {code, msg, data:{projectId}}}
 * @param createObject  the {@code object} of the create response
 * @param queryObject   the {@code object} of {@code /v1/result/{id}} (note Vidu's capital V)
 * @param image         whether results are images ({@code image_url}) rather than videos ({@code video_url})
 * @param cancellable   whether {@code cancelled} can occur (Seedance 1.5 only)
 * @param tokens        whether a completed query carries {@code totalTokens} (Seedance 2.0, Vidu)
 * @param genMin        shortest generation time, from the docs' estimates
 * @param genMax        longest generation time
 * @param idPrefix      how ids of this family start
 */
record SimFamily(String name, String createPath, boolean envelope, String createObject, String queryObject,
                 boolean image, boolean cancellable, boolean tokens, Duration genMin, Duration genMax,
                 String idPrefix) {

    static final String GENERIC_SUBMIT = "/v1/task/submit";

    private static final Map<String, SimFamily> BY_PATH = new LinkedHashMap<>();

    static {
        video("sora", "/v1/sora/videos", false, "video.generation", "video.generation", false, false, 2, 5, "sora_");
        video("veo", "/v1/veo/videos", false, "video", "video", false, false, 2, 5, "vgen_");
        video("seedance", "/v1/seedance/videos", false, "video", "video", true, false, 2, 5, "video_");
        video("seedance2", "/v1/kyyvideo2/videos", false, "video", "video", false, true, 2, 6, "video_");
        video("vidu", "/v1/vidu/videos", false, "video", "Video", false, true, 2, 6, "video_");
        video("grok", "/v1/grok/videos", false, "video", "video", false, false, 2, 6, "video_");
        video("starvideos", "/v1/starvideos/videos", false, "video", "video", false, false, 2, 6,
                "video_starvideos_");
        video("videos", "/v1/videos/videos", true, "video", "video", false, false, 2, 6, "proj_");
        video("sd2_manxue", "/v1/sd2_manxue/videos", true, "video", "video", false, false, 2, 6, "proj_sd2manxue_");
        BY_PATH.put("/v1/banana/images", new SimFamily("banana", "/v1/banana/images", false, "image",
                "image.generation", true, false, false, Duration.ofSeconds(5), Duration.ofSeconds(30), ""));
        BY_PATH.put("/v1/image2/images", new SimFamily("image2", "/v1/image2/images", false, "image", "image",
                true, false, false, Duration.ofSeconds(5), Duration.ofSeconds(30), "image_"));
        BY_PATH.put(GENERIC_SUBMIT, new SimFamily("task", GENERIC_SUBMIT, false, "task", "task", false, false,
                false, Duration.ofSeconds(20), Duration.ofMinutes(3), "task_"));
    }

    private static void video(String name, String path, boolean envelope, String createObject, String queryObject,
                              boolean cancellable, boolean tokens, int minMinutes, int maxMinutes, String idPrefix) {
        BY_PATH.put(path, new SimFamily(name, path, envelope, createObject, queryObject, false, cancellable, tokens,
                Duration.ofMinutes(minMinutes), Duration.ofMinutes(maxMinutes), idPrefix));
    }

    /** Documented per-model estimates where the docs give one (section 7); other models use the family's. */
    private static final Map<String, Duration[]> MODEL_TIMES = Map.of(
            "seedance_1_5_pro_720p", minutes(2, 5),
            "seedance_1_5_pro_1080p", minutes(3, 8),
            "viduq3-turbo", minutes(2, 4),
            "viduq3-pro", minutes(3, 6),
            "sd2_manxue_2k", minutes(3, 8),
            "sd2_manxue_4k", minutes(3, 8),
            "sd2_manxue_video_2k", minutes(3, 8),
            "sd2_manxue_video_4k", minutes(3, 8));

    private static Duration[] minutes(int min, int max) {
        return new Duration[] {Duration.ofMinutes(min), Duration.ofMinutes(max)};
    }

    /** The generation-time range for {@code model}: its documented estimate, else the family's. */
    Duration[] generationTime(String model) {
        Duration[] m = MODEL_TIMES.get(model);
        return m != null ? m : new Duration[] {genMin, genMax};
    }

    static @Nullable SimFamily byPath(String path) {
        return BY_PATH.get(path);
    }

    static Iterable<SimFamily> all() {
        return BY_PATH.values();
    }

    boolean generic() {
        return createPath.equals(GENERIC_SUBMIT);
    }
}
