package dev.taskpoll.internal;

import dev.taskpoll.Family;
import dev.taskpoll.InvalidRequestException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The documented request rules (API fact sheet, sections 5-6 and Appendix A), checked before anything is sent. The
 * first broken rule is thrown as an {@link InvalidRequestException} naming the field, the value and the rule.
 * Where the documentation's pages disagree, the union of what current pages allow is accepted, and so are the
 * documentation's own examples.
 */
public final class RequestValidator {

    private static final Map<Family, Set<String>> FIELDS = Map.ofEntries(
            Map.entry(Family.SORA, Set.of("prompt", "duration", "seconds", "size", "aspect_ratio", "input_reference",
                    "image_urls")),
            Map.entry(Family.VEO, Set.of("prompt", "resolution", "aspect_ratio", "input_reference", "image_urls",
                    "first_image", "last_image")),
            Map.entry(Family.SEEDANCE_1_5, Set.of("content", "ratio", "duration", "generate_audio")),
            Map.entry(Family.SEEDANCE_2_0, Set.of("prompt", "duration", "first_image", "last_image", "aspect_ratio",
                    "generateAudio", "referenceImages", "referenceVideos", "referenceAudios")),
            Map.entry(Family.VIDU, Set.of("prompt", "duration", "aspect_ratio", "resolution", "first_image",
                    "last_image")),
            Map.entry(Family.GROK, Set.of("prompt", "duration", "aspect_ratio", "resolution", "image_urls")),
            Map.entry(Family.STARVIDEOS, Set.of("prompt", "duration", "ratio", "referenceImages", "referenceVideos",
                    "first_image", "last_image")),
            Map.entry(Family.VIDEOS, Set.of("prompt", "duration", "ratio", "resolution", "first_image", "last_image",
                    "referenceImages", "referenceVideos", "referenceAudios")),
            Map.entry(Family.SD2_MANXUE, Set.of("prompt", "duration", "ratio", "first_image", "last_image",
                    "referenceImages", "referenceVideos", "referenceAudios")),
            Map.entry(Family.NANO_BANANA, Set.of("prompt", "resolution", "size", "image_urls")),
            Map.entry(Family.GPT_IMAGE_2, Set.of("prompt", "quality", "ratio", "resolution", "size", "image_urls")),
            Map.entry(Family.GENERIC_TASK, Set.of("input", "callback_url")));

    private final Family family;
    private final String model;
    private final Map<String, Object> body;

    private RequestValidator(Family family, String model, Map<String, Object> body) {
        this.family = family;
        this.model = model;
        this.body = body;
    }

    /**
     * @param typed the fields set through typed setters (checked against the family's documented fields); fields
     *              set with {@code param(...)} are not
     */
    public static void validate(Family family, String model, Map<String, Object> body, Set<String> typed) {
        if (family.resultKind() == Family.ResultKind.ASSET) {
            throw new InvalidRequestException(family, "family", "is an asset library: upload with AssetRequest");
        }
        if (model.isBlank()) {
            throw new InvalidRequestException(family, "model", "must not be blank");
        }
        if (!family.supports(model)) {
            throw new InvalidRequestException(family, "model", "'" + model + "' is not one of " + family.models());
        }
        for (String f : typed) {
            if (!FIELDS.get(family).contains(f)) {
                throw new InvalidRequestException(family, f, "is not a documented parameter of " + family
                        + " (documented: " + FIELDS.get(family) + "); use param(...) to send it anyway");
            }
        }
        new RequestValidator(family, model, body).check();
    }

    private void check() {
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
                if ("4k".equalsIgnoreCase(string("resolution")) && !model.equals("veo_3_1_fast")
                        && !model.equals("veo_3_1_pro")) {
                    fail("resolution", "'" + string("resolution") + "' is only for veo_3_1_fast and veo_3_1_pro");
                }
                oneOf("aspect_ratio", "16:9", "9:16");
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
                Object d = body.get("duration");
                if (d != null && !(d instanceof Integer i && (i == -1 || (i >= 4 && i <= 12)))) {
                    fail("duration", d + " must be an integer from 4 to 12, or -1 (the model picks)");
                }
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
                Object d = body.get("duration");
                if (d != null && !(d instanceof Number n && n.doubleValue() >= 1 && n.doubleValue() <= 16)) {
                    fail("duration", d + " must be a number from 1 to 16");
                }
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
                if (body.containsKey("referenceVideos") && !model.contains("_video_")) {
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
                if ("4k".equals(string("resolution")) && !model.contains("pro")) {
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
                if (body.containsKey("callback_url") && !httpUrl(cb)) {
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

    // ---- checks ----

    private void fail(String field, String problem) {
        throw new InvalidRequestException(family, field, problem);
    }

    private @Nullable String string(String field) {
        Object v = body.get(field);
        return v instanceof String s ? s : null;
    }

    private void prompt() {
        String p = string("prompt");
        if (p == null || p.isBlank()) {
            fail("prompt", "is required (a non-empty string)");
        }
    }

    private void maxLength(String field, int max) {
        String s = string(field);
        if (s != null && s.length() > max) {
            fail(field, s.length() + " characters; at most " + max + " for " + model);
        }
    }

    private void content() {
        Object c = body.get("content");
        if (!(c instanceof List<?> items) || items.isEmpty()) {
            fail("content", "is required: at least one text item (set a prompt)");
            return;
        }
        int texts = 0;
        int references = 0;
        for (Object o : items) {
            Map<?, ?> item = o instanceof Map<?, ?> m ? m : Map.of();
            Object type = item.get("type");
            if ("text".equals(type)) {
                if (!(item.get("text") instanceof String t) || t.isBlank()) {
                    fail("content[].text", "must not be empty");
                }
                texts++;
            } else if ("image_url".equals(type)) {
                Object url = item.get("image_url") instanceof Map<?, ?> img ? img.get("url") : null;
                if (!(url instanceof String u) || u.isBlank()) {
                    fail("content[].image_url.url", "is required for an image item");
                }
                Object role = item.containsKey("role") ? item.get("role") : "first_frame";
                if (!Set.of("first_frame", "last_frame", "reference_image").contains(role)) {
                    fail("content[].role", "'" + role + "' is not one of [first_frame, last_frame, reference_image]");
                }
                if ("reference_image".equals(role)) {
                    references++;
                }
            } else {
                fail("content[].type", "'" + type + "' is not one of [text, image_url]");
            }
        }
        if (texts == 0) {
            fail("content", "must hold at least one text item (set a prompt)");
        }
        if (references > 4) {
            fail("content", references + " reference_image items; 1 to 4 allowed");
        }
    }

    private void oneOf(String field, String... allowed) {
        Object v = body.get(field);
        if (v != null && !List.of(allowed).contains(v)) {
            fail(field, "'" + v + "' is not one of " + List.of(allowed) + (family == Family.GROK || family == Family.VEO
                    || family == Family.GPT_IMAGE_2 ? " for " + model : ""));
        }
    }

    private void oneOfIgnoringCase(String field, String... allowed) {
        Object v = body.get(field);
        if (v == null) {
            return;
        }
        for (String a : allowed) {
            if (a.equalsIgnoreCase(String.valueOf(v))) {
                return;
            }
        }
        fail(field, "'" + v + "' is not one of " + List.of(allowed) + " (any case)");
    }

    private void intOneOf(String field, int... allowed) {
        Object v = body.get(field);
        if (v == null) {
            return;
        }
        for (int a : allowed) {
            if (v instanceof Integer i && i == a) {
                return;
            }
        }
        fail(field, v + " is not one of " + java.util.Arrays.toString(allowed)
                + (family == Family.GROK ? " for " + model : ""));
    }

    private void intRange(String field, int min, int max) {
        Object v = body.get(field);
        if (v != null && !(v instanceof Integer i && i >= min && i <= max)) {
            fail(field, v + " must be an integer from " + min + " to " + max + (family == Family.GROK ? " for " + model : ""));
        }
    }

    private void bool(String field) {
        Object v = body.get(field);
        if (v != null && !(v instanceof Boolean)) {
            fail(field, "'" + v + "' must be true or false");
        }
    }

    private int items(String field) {
        Object v = body.get(field);
        return v instanceof List<?> l ? l.size() : 0;
    }

    private void maxItems(String field, int max) {
        Object v = body.get(field);
        if (v != null && !(v instanceof List<?>)) {
            fail(field, "must be a list");
        }
        if (items(field) > max) {
            fail(field, items(field) + " items; at most " + max + " for " + model);
        }
    }

    private void publicUrls(String field) {
        if (body.get(field) instanceof List<?> l) {
            for (Object u : l) {
                if (!httpUrl(String.valueOf(u))) {
                    fail(field, "public http(s) URLs only for " + model + " (no base64)");
                }
            }
        }
    }

    private void absent(String field, String why) {
        if (body.containsKey(field)) {
            fail(field, "must not be sent: " + why);
        }
    }

    private void exclusive(String a, String b) {
        if (body.containsKey(a) && body.containsKey(b)) {
            throw new InvalidRequestException(family, a + ", " + b, "send only one of the two");
        }
    }

    private void requires(String field, String needed) {
        if (body.containsKey(field) && !body.containsKey(needed)) {
            fail(field, "requires " + needed);
        }
    }

    private void together(String a, String b) {
        if (body.containsKey(a) != body.containsKey(b)) {
            throw new InvalidRequestException(family, a + ", " + b, "must be sent together");
        }
    }

    private void conflict(String current, String legacy) {
        if (body.containsKey(current) && body.containsKey(legacy)
                && !java.util.Objects.equals(body.get(current), body.get(legacy))) {
            throw new InvalidRequestException(family, current + ", " + legacy,
                    "parameter conflict: the current and the legacy field differ");
        }
    }

    private void modes(List<String> frames, List<String> references) {
        String f = frames.stream().filter(body::containsKey).findFirst().orElse(null);
        String r = references.stream().filter(body::containsKey).findFirst().orElse(null);
        if (f != null && r != null) {
            throw new InvalidRequestException(family, f + ", " + r,
                    "first/last-frame mode and reference mode cannot be combined");
        }
    }

    private static boolean httpUrl(@Nullable String s) {
        if (s == null) {
            return false;
        }
        try {
            URI u = URI.create(s);
            return ("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()))
                    && u.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
