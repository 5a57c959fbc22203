package dev.taskpoll.catalog;

import java.util.List;
import java.util.Map;

/** Each family's documented rules (API fact sheet, sections 5-6 and Appendix A), one case a family. */
final class FamilyRules extends BodyChecks {

    FamilyRules(Family family, String model, Map<String, Object> body) {
        super(family, model, body);
    }

    /** Describing the rules instead: each recorded in {@code into}, by field. */
    static void describe(Family family, String model, Map<String, Rules> into) {
        new FamilyRules(into, family, model).check();
    }

    private FamilyRules(Map<String, Rules> into, Family family, String model) {
        super(family, model, Map.of(), into);
    }

    void check() {
        switch (family) {
            case SORA -> {
                prompt();
                exclusive("size", "aspect_ratio");
                oneOf("size", "720x1280", "1280x720");
                oneOf("aspect_ratio", "16:9", "9:16");
                exclusive("duration", "seconds");
                intOneOf("duration", 4, 8, 12);
                intOneOf("seconds", 4, 8, 12);
                exclusive("input_reference", "image_urls");
                maxItems("input_reference", 1);
                maxItems("image_urls", 1);
            }
            case VEO -> {
                prompt();
                oneOfIgnoringCase("resolution", "720p", "1080p", "4K");
                boolean no4k = !model.equals("veo_3_1_fast") && !model.equals("veo_3_1_pro");
                if (no4k) {
                    noted("resolution", "'4K' is only for veo_3_1_fast and veo_3_1_pro", List.of("720p", "1080p"));
                }
                if (no4k && "4k".equalsIgnoreCase(string("resolution"))) {
                    fail("resolution", "'" + string("resolution") + "' is only for veo_3_1_fast and veo_3_1_pro");
                }
                oneOf("aspect_ratio", "16:9", "9:16");
                String noDuration = "VEO has no duration field; its output is always 8 s";
                absent("duration", noDuration);
                absent("seconds", noDuration);
                exclusive("input_reference", "image_urls");
                maxItems("input_reference", 3);
                maxItems("image_urls", 3);
                if (model.equals("veo_3_1_fast_stable")) {
                    absent("input_reference", "veo_3_1_fast_stable takes no reference images");
                    absent("image_urls", "veo_3_1_fast_stable takes no reference images");
                }
                modes(List.of("first_image", "last_image"), List.of("input_reference", "image_urls"));
                requires("last_image", "first_image");
            }
            case SEEDANCE_1_5 -> {
                content();
                oneOf("ratio", "16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive");
                rule("duration", d -> d instanceof Integer i && (i == -1 || (i >= 4 && i <= 12)),
                        "an integer from 4 to 12, or -1 (the model picks)");
                bool("generate_audio");
            }
            case SEEDANCE_2_0 -> {
                prompt();
                intRange("duration", 4, 15);
                if ((model.equals("seedance_2_0") || model.equals("seedance_2_0_fast")) && items("referenceVideos") < 1) {
                    fail("referenceVideos", "at least one is required by " + model
                            + " (seedance_2_0_pro and seedance_2_0_fast_pro do without)");
                }
                modes(List.of("first_image"), List.of("referenceImages", "referenceVideos", "referenceAudios"));
                requires("last_image", "first_image");
                bool("generateAudio");
            }
            case VIDU -> {
                prompt();
                rule("duration", d -> d instanceof Number n && n.doubleValue() >= 1 && n.doubleValue() <= 16,
                        "a number from 1 to 16");
                oneOf("aspect_ratio", "16:9", "9:16", "1:1", "4:3", "3:4");
                oneOf("resolution", "540p", "720p", "1080p");
                requires("last_image", "first_image");
            }
            case GROK -> grok();
            case STARVIDEOS -> {
                prompt();
                intRange("duration", 3, 15);
                oneOf("ratio", "9:16", "1:1", "16:9");
                maxItems("referenceImages", body.containsKey("referenceVideos") ? 4 : 7);
                together("first_image", "last_image");
            }
            case VIDEOS -> {
                prompt();
                maxLength("prompt", model.startsWith("videos_stable") ? 5000 : 1500);
                if (!body.containsKey("duration")) {
                    fail("duration", "is required (an integer from 4 to 15)");
                }
                intRange("duration", 4, 15);
                oneOf("ratio", "21:9", "16:9", "4:3", "1:1", "3:4", "9:16");
                oneOf("resolution", "720p");
                together("first_image", "last_image");
                requires("lastFrameImage", "image");
                modes(List.of("image", "lastFrameImage", "first_image", "last_image"),
                        List.of("referenceImages", "referenceVideos"));
            }
            case SD2_MANXUE -> {
                prompt();
                intRange("duration", 4, 15);
                oneOf("ratio", "16:9", "21:9", "4:3", "1:1", "3:4", "9:16");
                boolean noVideos = !model.contains("_video_");
                if (noVideos) {
                    noted("referenceVideos", "not for " + model + " (an sd2_manxue_video_* model takes them)");
                }
                if (noVideos && body.containsKey("referenceVideos")) {
                    fail("model", "'" + model + "' cannot take referenceVideos; use an sd2_manxue_video_* model");
                }
                conflict("first_image", "image");
                conflict("last_image", "lastFrameImage");
                if ((body.containsKey("last_image") || body.containsKey("lastFrameImage"))
                        && !body.containsKey("first_image") && !body.containsKey("image")) {
                    fail("last_image", "requires first_image");
                }
                modes(List.of("first_image", "image", "last_image", "lastFrameImage"),
                        List.of("referenceImages", "referenceVideos", "referenceAudios"));
                maxItems("referenceImages", 9);
                maxItems("referenceVideos", 3);
                maxItems("referenceAudios", 3);
            }
            case NANO_BANANA -> {
                prompt();
                oneOf("resolution", "1k", "2k", "4k");
                boolean no4k = !model.contains("pro");
                if (no4k) {
                    noted("resolution", "'4k' is only for the -pro models", List.of("1k", "2k"));
                }
                if (no4k && "4k".equals(string("resolution"))) {
                    fail("resolution", "'4k' is only for the -pro models");
                }
                oneOf("size", "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "5:4", "4:5", "21:9");
                maxItems("image_urls", 6);
            }
            case GPT_IMAGE_2 -> {
                prompt();
                oneOf("quality", "low", "medium", "high");
                oneOf("ratio", "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "5:4", "4:5", "2:1", "1:2", "21:9",
                        "9:21");
                oneOf("resolution", model.equals("gpt-image-2-r") ? new String[] {"1k"} : new String[] {"1k", "2k", "4k"});
                requires("resolution", "ratio");
                exclusive("resolution", "size");
                maxItems("image_urls", model.equals("gpt-image-2-r") ? 16 : 6);
            }
            case GENERIC_TASK -> {
                if (!(body.get("input") instanceof Map<?, ?>)) {
                    fail("input", "is required (a JSON object)");
                }
                String cb = string("callback_url");
                if (!noted("callback_url", "an absolute http(s) URL") && body.containsKey("callback_url")
                        && !httpUrl(cb)) {
                    fail("callback_url", "'" + cb + "' must be an absolute http(s) URL");
                }
            }
        }
    }

    private void grok() {
        prompt();
        oneOf("resolution", "480p", "720p");
        switch (model) {
            case "grok_video3" -> {
                intRange("duration", 6, 30);
                oneOf("aspect_ratio", "16:9", "9:16", "1:1", "3:2", "2:3");
                maxItems("image_urls", 7);
            }
            case "grok_video3_pro" -> {
                absent("duration", "grok_video3_pro has a fixed 10 s");
                oneOf("aspect_ratio", "16:9");
                oneOf("resolution", "720p");
            }
            case "grok_video3_max" -> {
                intOneOf("duration", 6, 10, 12, 16, 20, 30);
                oneOf("aspect_ratio", "16:9", "9:16", "1:1");
                maxItems("image_urls", 5);
                publicUrls("image_urls");
            }
            default -> { // grok_video3_stable
                intOneOf("duration", 6, 10);
                oneOf("aspect_ratio", "16:9", "9:16", "3:2", "2:3", "1:1");
                maxItems("image_urls", 7);
                publicUrls("image_urls");
            }
        }
    }
}
