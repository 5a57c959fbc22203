package dev.taskpoll.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The documented request rules of every create endpoint, as the simulator enforces them (400 with the first
 * violated rule). Written from the API fact sheet (sections 5 and 6) and kept apart from the client's own
 * validation on purpose: the simulator is the oracle the client is tested against.
 *
 * <p>Where the mirrors disagree, the simulator accepts the union of what the current pages allow (e.g. every Videos
 * ratio listed on any page) and the documented examples themselves (Nano Banana's example sends
 * {@code nano-banana-2} with {@code 2k}, so {@code 2k} is not refused for it).
 */
final class RequestRules {

    private static final Map<String, List<Rule>> RULES = Map.ofEntries(
            Map.entry("sora", List.of(
                    models("openAiSora2Plus", "openAiSora2Pro"), text("prompt"),
                    oneOf("size", "720x1280", "1280x720"), oneOf("aspect_ratio", "16:9", "9:16"),
                    exclusive("size", "aspect_ratio"), exclusive("duration", "seconds"),
                    intOneOf("duration", 4, 8, 12), intOneOf("seconds", 4, 8, 12),
                    exclusive("input_reference", "image_urls"), maxItems("input_reference", 1),
                    maxItems("image_urls", 1))),
            Map.entry("veo", List.of(
                    models("veo_3_1_fast", "veo_3_1_pro", "veo_3_1_pro_stable", "veo_3_1_fast_stable"),
                    text("prompt"), oneOfIgnoringCase("resolution", "720p", "1080p", "4K"),
                    whenModel(m -> !m.equals("veo_3_1_fast") && !m.equals("veo_3_1_pro"),
                            notValue("resolution", "4k", "4K is only for veo_3_1_fast and veo_3_1_pro")),
                    oneOf("aspect_ratio", "16:9", "9:16"), exclusive("input_reference", "image_urls"),
                    maxItems("input_reference", 3), maxItems("image_urls", 3),
                    whenModel(m -> m.equals("veo_3_1_fast_stable"), absent("input_reference",
                            "veo_3_1_fast_stable takes no reference images")),
                    whenModel(m -> m.equals("veo_3_1_fast_stable"), absent("image_urls",
                            "veo_3_1_fast_stable takes no reference images")),
                    exclusiveGroups(List.of("first_image", "last_image"), List.of("input_reference", "image_urls")),
                    requires("last_image", "first_image"))),
            Map.entry("seedance", List.of(
                    models("seedance_1_5_pro_480p", "seedance_1_5_pro_720p", "seedance_1_5_pro_1080p"),
                    Seedance15::content,
                    oneOf("ratio", "16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive"),
                    intRangeOr("duration", 4, 12, -1), bool("generate_audio"))),
            Map.entry("seedance2", List.of(
                    models("seedance_2_0", "seedance_2_0_fast", "seedance_2_0_pro", "seedance_2_0_fast_pro"),
                    text("prompt"), intRange("duration", 4, 15),
                    whenModel(m -> m.equals("seedance_2_0") || m.equals("seedance_2_0_fast"),
                            minItems("referenceVideos", 1)),
                    exclusiveGroups(List.of("first_image"),
                            List.of("referenceImages", "referenceVideos", "referenceAudios")),
                    requires("last_image", "first_image"), bool("generateAudio"))),
            Map.entry("vidu", List.of(
                    models("viduq3-pro", "viduq3-turbo"), text("prompt"), numberRange("duration", 1, 16),
                    oneOf("aspect_ratio", "16:9", "9:16", "1:1", "4:3", "3:4"),
                    oneOf("resolution", "540p", "720p", "1080p"), requires("last_image", "first_image"))),
            Map.entry("grok", List.of(
                    models("grok_video3", "grok_video3_pro", "grok_video3_max", "grok_video3_stable"),
                    text("prompt"), oneOf("resolution", "480p", "720p"),
                    whenModel(m -> m.equals("grok_video3"), intRange("duration", 6, 30)),
                    whenModel(m -> m.equals("grok_video3"), oneOf("aspect_ratio", "16:9", "9:16", "1:1", "3:2", "2:3")),
                    whenModel(m -> m.equals("grok_video3"), maxItems("image_urls", 7)),
                    whenModel(m -> m.equals("grok_video3_pro"), absent("duration", "grok_video3_pro has a fixed 10 s")),
                    whenModel(m -> m.equals("grok_video3_pro"), oneOf("aspect_ratio", "16:9")),
                    whenModel(m -> m.equals("grok_video3_pro"), oneOf("resolution", "720p")),
                    whenModel(m -> m.equals("grok_video3_max"), intOneOf("duration", 6, 10, 12, 16, 20, 30)),
                    whenModel(m -> m.equals("grok_video3_max"), oneOf("aspect_ratio", "16:9", "9:16", "1:1")),
                    whenModel(m -> m.equals("grok_video3_max"), maxItems("image_urls", 5)),
                    whenModel(m -> m.equals("grok_video3_max"), publicUrlsOnly("image_urls")),
                    whenModel(m -> m.equals("grok_video3_stable"), intOneOf("duration", 6, 10)),
                    whenModel(m -> m.equals("grok_video3_stable"),
                            oneOf("aspect_ratio", "16:9", "9:16", "3:2", "2:3", "1:1")),
                    whenModel(m -> m.equals("grok_video3_stable"), maxItems("image_urls", 7)),
                    whenModel(m -> m.equals("grok_video3_stable"), publicUrlsOnly("image_urls")))),
            Map.entry("starvideos", List.of(
                    models("starvideos_o3"), text("prompt"), intRange("duration", 3, 15),
                    oneOf("ratio", "9:16", "1:1", "16:9"), maxItems("referenceImages", 7),
                    whenBody(body -> body.has("referenceVideos"), maxItems("referenceImages", 4)),
                    together("first_image", "last_image"))),
            Map.entry("videos", List.of(
                    models("videos", "videos_fast", "videos_stable", "videos_stable_fast"), text("prompt"),
                    whenModel(m -> m.equals("videos") || m.equals("videos_fast"), maxLength("prompt", 1500)),
                    whenModel(m -> m.startsWith("videos_stable"), maxLength("prompt", 5000)),
                    requiredInt("duration", 4, 15),
                    oneOf("ratio", "21:9", "16:9", "4:3", "1:1", "3:4", "9:16"), oneOf("resolution", "720p"),
                    together("first_image", "last_image"), requires("lastFrameImage", "image"),
                    exclusiveGroups(List.of("image", "lastFrameImage", "first_image", "last_image"),
                            List.of("referenceImages", "referenceVideos")))),
            Map.entry("sd2_manxue", List.of(
                    models("sd2_manxue_720p", "sd2_manxue_1080p", "sd2_manxue_2k", "sd2_manxue_4k",
                            "sd2_manxue_fast_720p", "sd2_manxue_fast_1080p", "sd2_manxue_video_720p",
                            "sd2_manxue_video_1080p", "sd2_manxue_video_2k", "sd2_manxue_video_4k",
                            "sd2_manxue_video_fast_720p", "sd2_manxue_video_fast_1080p"),
                    text("prompt"), intRange("duration", 4, 15),
                    oneOf("ratio", "16:9", "21:9", "4:3", "1:1", "3:4", "9:16"),
                    whenBody(body -> body.has("referenceVideos") && !body.path("model").asText().contains("_video_"),
                            body -> "model: '" + body.path("model").asText()
                                    + "' cannot take referenceVideos; use an sd2_manxue_video_* model"),
                    noConflict("first_image", "image"), noConflict("last_image", "lastFrameImage"),
                    requiresAny(List.of("last_image", "lastFrameImage"), List.of("first_image", "image")),
                    exclusiveGroups(List.of("first_image", "image", "last_image", "lastFrameImage"),
                            List.of("referenceImages", "referenceVideos", "referenceAudios")),
                    maxItems("referenceImages", 9), maxItems("referenceVideos", 3), maxItems("referenceAudios", 3))),
            Map.entry("banana", List.of(
                    models("nano-banana", "nano-banana-2", "nano-banana-pro", "nano-banana-2-stable",
                            "nano-banana-pro-stable"),
                    text("prompt"), oneOf("resolution", "1k", "2k", "4k"),
                    whenModel(m -> !m.contains("pro"), notValue("resolution", "4k", "4k is only for the -pro models")),
                    oneOf("size", "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "5:4", "4:5", "21:9"),
                    maxItems("image_urls", 6))),
            Map.entry("image2", List.of(
                    models("gpt-image-2", "gpt-image-2-r"), text("prompt"), oneOf("quality", "low", "medium", "high"),
                    oneOf("ratio", "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "5:4", "4:5", "2:1", "1:2",
                            "21:9", "9:21"),
                    oneOf("resolution", "1k", "2k", "4k"), requires("resolution", "ratio"),
                    exclusive("resolution", "size"),
                    whenModel(m -> m.equals("gpt-image-2-r"), oneOf("resolution", "1k")),
                    whenModel(m -> m.equals("gpt-image-2"), maxItems("image_urls", 6)),
                    whenModel(m -> m.equals("gpt-image-2-r"), maxItems("image_urls", 16)))),
            Map.entry("task", List.of(
                    body -> body.path("model").isTextual() && !body.path("model").asText().isBlank() ? null
                            : "model: is required (a non-empty string)",
                    body -> body.path("input").isObject() ? null : "input: is required (a JSON object)",
                    body -> !body.has("callback_url") || body.get("callback_url").asText().matches("https?://.+")
                            ? null : "callback_url: '" + body.get("callback_url").asText()
                            + "' must be an http(s) URL")));

    private RequestRules() {
    }

    /** The first rule {@code body} breaks for {@code family}, as "field: value ... rule", or null when valid. */
    static @Nullable String check(SimFamily family, @Nullable JsonNode body) {
        if (body == null || !body.isObject()) {
            return "request body must be a JSON object";
        }
        for (Rule r : RULES.getOrDefault(family.name(), List.of())) {
            String problem = r.check(body);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    @FunctionalInterface
    interface Rule {
        @Nullable String check(JsonNode body);
    }

    // ---- rule makers ----

    private static Rule models(String... allowed) {
        Set<String> set = Set.of(allowed);
        return body -> {
            JsonNode m = body.get("model");
            if (m == null || !m.isTextual() || m.asText().isBlank()) {
                return "model: is required; one of " + Arrays.toString(allowed);
            }
            return set.contains(m.asText()) ? null
                    : "model: '" + m.asText() + "' is not one of " + Arrays.toString(allowed);
        };
    }

    private static Rule text(String field) {
        return body -> body.path(field).isTextual() && !body.path(field).asText().isBlank() ? null
                : field + ": is required (a non-empty string)";
    }

    private static Rule maxLength(String field, int max) {
        return body -> body.path(field).asText().length() <= max ? null
                : field + ": " + body.path(field).asText().length() + " characters; at most " + max;
    }

    private static Rule oneOf(String field, String... allowed) {
        Set<String> set = Set.of(allowed);
        return body -> {
            JsonNode v = body.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            return v.isTextual() && set.contains(v.asText()) ? null
                    : field + ": '" + v.asText() + "' is not one of " + Arrays.toString(allowed);
        };
    }

    private static Rule oneOfIgnoringCase(String field, String... allowed) {
        return body -> {
            JsonNode v = body.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            for (String a : allowed) {
                if (a.equalsIgnoreCase(v.asText())) {
                    return null;
                }
            }
            return field + ": '" + v.asText() + "' is not one of " + Arrays.toString(allowed) + " (any case)";
        };
    }

    private static Rule notValue(String field, String value, String why) {
        return body -> body.path(field).asText().equalsIgnoreCase(value)
                ? field + ": '" + body.path(field).asText() + "' is not allowed: " + why : null;
    }

    private static Rule absent(String field, String why) {
        return body -> body.has(field) ? field + ": must not be sent: " + why : null;
    }

    private static Rule intOneOf(String field, int... allowed) {
        return body -> {
            JsonNode v = body.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            if (v.isIntegralNumber()) {
                for (int a : allowed) {
                    if (v.asInt() == a) {
                        return null;
                    }
                }
            }
            return field + ": " + v + " is not one of " + Arrays.toString(allowed);
        };
    }

    private static Rule intRange(String field, int min, int max) {
        return body -> {
            JsonNode v = body.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            return v.isIntegralNumber() && v.asInt() >= min && v.asInt() <= max ? null
                    : field + ": " + v + " must be an integer from " + min + " to " + max;
        };
    }

    private static Rule requiredInt(String field, int min, int max) {
        Rule range = intRange(field, min, max);
        return body -> body.has(field) ? range.check(body) : field + ": is required (an integer from " + min
                + " to " + max + ")";
    }

    private static Rule intRangeOr(String field, int min, int max, int special) {
        Rule range = intRange(field, min, max);
        return body -> body.path(field).isIntegralNumber() && body.get(field).asInt() == special ? null
                : range.check(body) == null ? null
                : field + ": " + body.get(field) + " must be an integer from " + min + " to " + max + ", or "
                + special;
    }

    private static Rule numberRange(String field, double min, double max) {
        return body -> {
            JsonNode v = body.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            return v.isNumber() && v.asDouble() >= min && v.asDouble() <= max ? null
                    : field + ": " + v + " must be a number from " + min + " to " + max;
        };
    }

    private static Rule bool(String field) {
        return body -> !body.has(field) || body.get(field).isBoolean() ? null
                : field + ": " + body.get(field) + " must be true or false";
    }

    private static Rule maxItems(String field, int max) {
        return body -> {
            JsonNode v = body.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isArray()) {
                return field + ": must be an array";
            }
            return v.size() <= max ? null : field + ": " + v.size() + " items; at most " + max;
        };
    }

    private static Rule minItems(String field, int min) {
        return body -> body.path(field).isArray() && body.get(field).size() >= min ? null
                : field + ": at least " + min + " required for model '" + body.path("model").asText() + "'";
    }

    private static Rule publicUrlsOnly(String field) {
        return body -> {
            for (JsonNode u : body.path(field)) {
                if (!u.asText().startsWith("http://") && !u.asText().startsWith("https://")) {
                    return field + ": public URLs only (no base64) for model '" + body.path("model").asText() + "'";
                }
            }
            return null;
        };
    }

    private static Rule exclusive(String a, String b) {
        return body -> body.has(a) && body.has(b) ? a + ", " + b + ": send only one of the two" : null;
    }

    private static Rule exclusiveGroups(List<String> first, List<String> second) {
        return body -> {
            String x = firstPresent(body, first);
            String y = firstPresent(body, second);
            return x != null && y != null ? x + ", " + y + ": frame mode and reference mode cannot be combined" : null;
        };
    }

    private static Rule requires(String field, String needed) {
        return body -> body.has(field) && !body.has(needed) ? field + ": requires " + needed : null;
    }

    private static Rule requiresAny(List<String> fields, List<String> needed) {
        return body -> {
            String f = firstPresent(body, fields);
            return f != null && firstPresent(body, needed) == null ? f + ": requires one of " + needed : null;
        };
    }

    private static Rule together(String a, String b) {
        return body -> body.has(a) != body.has(b) ? a + ", " + b + ": must be sent together" : null;
    }

    private static Rule noConflict(String current, String legacy) {
        return body -> body.has(current) && body.has(legacy) && !body.get(current).equals(body.get(legacy))
                ? current + ", " + legacy + ": parameter conflict (the current and the legacy field differ)" : null;
    }

    private static Rule whenModel(Predicate<String> model, Rule rule) {
        return body -> model.test(body.path("model").asText()) ? rule.check(body) : null;
    }

    private static Rule whenBody(Predicate<JsonNode> condition, Rule rule) {
        return body -> condition.test(body) ? rule.check(body) : null;
    }

    private static @Nullable String firstPresent(JsonNode body, List<String> fields) {
        for (String f : fields) {
            if (body.has(f)) {
                return f;
            }
        }
        return null;
    }

    /** Seedance 1.5's typed {@code content} array. */
    private static final class Seedance15 {
        private static final Set<String> ROLES = Set.of("first_frame", "last_frame", "reference_image");

        static @Nullable String content(JsonNode body) {
            JsonNode content = body.get("content");
            if (content == null || !content.isArray()) {
                return "content: is required (an array of typed items with at least one text item)";
            }
            int texts = 0;
            List<String> refs = new ArrayList<>();
            for (JsonNode item : content) {
                String type = item.path("type").asText();
                if (type.equals("text")) {
                    if (item.path("text").asText().isBlank()) {
                        return "content[].text: must not be empty";
                    }
                    texts++;
                } else if (type.equals("image_url")) {
                    if (!item.path("image_url").path("url").isTextual()) {
                        return "content[].image_url.url: is required for an image item";
                    }
                    String role = item.path("role").asText("first_frame").toLowerCase(Locale.ROOT);
                    if (!ROLES.contains(role)) {
                        return "content[].role: '" + role + "' is not one of " + ROLES;
                    }
                    if (role.equals("reference_image")) {
                        refs.add(role);
                    }
                } else {
                    return "content[].type: '" + type + "' is not one of [text, image_url]";
                }
            }
            if (texts == 0) {
                return "content: must hold at least one text item";
            }
            return refs.size() > 4 ? "content: " + refs.size() + " reference_image items; 1 to 4 allowed" : null;
        }
    }
}
