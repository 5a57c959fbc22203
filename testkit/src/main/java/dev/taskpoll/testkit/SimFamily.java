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
        video("seedance", "/v1/seedance/videos", false, "video", "video", true, false, 2, 8, "video_");
        video("seedance2", "/v1/kyyvideo2/videos", false, "video", "video", false, true, 2, 6, "video_");
        video("vidu", "/v1/vidu/videos", false, "video", "Video", false, true, 2, 6, "video_");
        video("grok", "/v1/grok/videos", false, "video", "video", false, false, 2, 6, "video_");
        video("starvideos", "/v1/starvideos/videos", false, "video", "video", false, false, 2, 6,
                "video_starvideos_");
        video("videos", "/v1/videos/videos", true, "video", "video", false, false, 2, 6, "proj_");
        video("sd2_manxue", "/v1/sd2_manxue/videos", true, "video", "video", false, false, 2, 8, "proj_sd2manxue_");
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
