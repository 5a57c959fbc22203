package dev.taskpoll.catalog;

import dev.taskpoll.InvalidRequestException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The checks a family's rules are written with: each looks at one or two fields of the request body and throws an
 * {@link InvalidRequestException} naming the field, the value and the rule when it is broken.
 */
abstract class BodyChecks {

    final Family family;
    final String model;
    final Map<String, Object> body;
    /**
     * Describing instead of checking (the body is empty): each check records its rule here, field by field, and
     * {@link #fail} records the problem it would report (a field required, say) instead of throwing.
     */
    private final @Nullable Map<String, Rules> described;

    BodyChecks(Family family, String model, Map<String, Object> body) {
        this(family, model, body, null);
    }

    BodyChecks(Family family, String model, Map<String, Object> body, @Nullable Map<String, Rules> described) {
        this.family = family;
        this.model = model;
        this.body = described == null ? body : Map.of();
        this.described = described;
    }

    /** One field's rules while describing, and the values it may take when they are a closed list. */
    static final class Rules {
        final java.util.List<String> rules = new java.util.ArrayList<>();
        java.util.List<String> choices = List.of();
    }

    /** While describing: records a rule of {@code field} (with its choices, when it is a closed list). */
    boolean noted(String field, String rule, List<String> choices) {
        if (described == null) {
            return false;
        }
        Rules r = described.computeIfAbsent(field, f -> new Rules());
        if (!r.rules.contains(rule)) {
            r.rules.add(rule);
        }
        if (!choices.isEmpty()) {
            r.choices = List.copyOf(choices);
        }
        return true;
    }

    boolean noted(String field, String rule) {
        return noted(field, rule, List.of());
    }

    void fail(String field, String problem) {
        if (!noted(field, problem)) {
            throw new InvalidRequestException(family, field, problem);
        }
    }

    /** A rule written inline: {@code ok} must hold for the field's value when it is sent. */
    void rule(String field, java.util.function.Predicate<Object> ok, String rule) {
        if (noted(field, rule)) {
            return;
        }
        Object v = body.get(field);
        if (v != null && !ok.test(v)) {
            fail(field, v + " must be " + rule);
        }
    }

    @Nullable String string(String field) {
        Object v = body.get(field);
        return v instanceof String s ? s : null;
    }

    void prompt() {
        String p = string("prompt");
        if (p == null || p.isBlank()) {
            fail("prompt", "is required (a non-empty string)");
        }
    }

    void maxLength(String field, int max) {
        if (noted(field, "at most " + max + " characters")) {
            return;
        }
        String s = string(field);
        if (s != null && s.length() > max) {
            fail(field, s.length() + " characters; at most " + max + " for " + model);
        }
    }

    void content() {
        noted("content", "a list of items: {type: text, text} (at least one), {type: image_url, image_url: {url},"
                + " role: first_frame, last_frame or reference_image (at most 4)}");
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

    void oneOf(String field, String... allowed) {
        if (noted(field, "one of " + List.of(allowed), List.of(allowed))) {
            return;
        }
        Object v = body.get(field);
        if (v != null && !List.of(allowed).contains(v)) {
            fail(field, "'" + v + "' is not one of " + List.of(allowed) + (family == Family.GROK || family == Family.VEO
                    || family == Family.GPT_IMAGE_2 ? " for " + model : ""));
        }
    }

    void oneOfIgnoringCase(String field, String... allowed) {
        if (noted(field, "one of " + List.of(allowed) + " (any case)", List.of(allowed))) {
            return;
        }
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

    void intOneOf(String field, int... allowed) {
        if (noted(field, "one of " + java.util.Arrays.toString(allowed), java.util.Arrays.stream(allowed).mapToObj(String::valueOf).toList())) {
            return;
        }
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

    void intRange(String field, int min, int max) {
        if (noted(field, "an integer from " + min + " to " + max)) {
            return;
        }
        Object v = body.get(field);
        if (v != null && !(v instanceof Integer i && i >= min && i <= max)) {
            fail(field, v + " must be an integer from " + min + " to " + max + (family == Family.GROK ? " for " + model : ""));
        }
    }

    void bool(String field) {
        if (noted(field, "true or false", List.of("true", "false"))) {
            return;
        }
        Object v = body.get(field);
        if (v != null && !(v instanceof Boolean)) {
            fail(field, "'" + v + "' must be true or false");
        }
    }

    int items(String field) {
        Object v = body.get(field);
        return v instanceof List<?> l ? l.size() : 0;
    }

    void maxItems(String field, int max) {
        if (noted(field, "a list of at most " + max + " items")) {
            return;
        }
        Object v = body.get(field);
        if (v != null && !(v instanceof List<?>)) {
            fail(field, "must be a list");
        }
        if (items(field) > max) {
            fail(field, items(field) + " items; at most " + max + " for " + model);
        }
    }

    void publicUrls(String field) {
        if (noted(field, "public http(s) URLs only (no base64)")) {
            return;
        }
        if (body.get(field) instanceof List<?> l) {
            for (Object u : l) {
                if (!httpUrl(String.valueOf(u))) {
                    fail(field, "public http(s) URLs only for " + model + " (no base64)");
                }
            }
        }
    }

    void absent(String field, String why) {
        if (noted(field, "must not be sent: " + why)) {
            return;
        }
        if (body.containsKey(field)) {
            fail(field, "must not be sent: " + why);
        }
    }

    void exclusive(String a, String b) {
        if (noted(a, "not together with " + b) & noted(b, "not together with " + a)) {
            return;
        }
        if (body.containsKey(a) && body.containsKey(b)) {
            throw new InvalidRequestException(family, a + ", " + b, "send only one of the two");
        }
    }

    void requires(String field, String needed) {
        if (noted(field, "requires " + needed)) {
            return;
        }
        if (body.containsKey(field) && !body.containsKey(needed)) {
            fail(field, "requires " + needed);
        }
    }

    void together(String a, String b) {
        if (noted(a, "only together with " + b) & noted(b, "only together with " + a)) {
            return;
        }
        if (body.containsKey(a) != body.containsKey(b)) {
            throw new InvalidRequestException(family, a + ", " + b, "must be sent together");
        }
    }

    void conflict(String current, String legacy) {
        if (noted(current, "equal to " + legacy + " when both are sent")) {
            return;
        }
        if (body.containsKey(current) && body.containsKey(legacy)
                && !java.util.Objects.equals(body.get(current), body.get(legacy))) {
            throw new InvalidRequestException(family, current + ", " + legacy,
                    "parameter conflict: the current and the legacy field differ");
        }
    }

    void modes(List<String> frames, List<String> references) {
        if (noted("(mode)", "frames " + frames + " and references " + references + " cannot be combined")) {
            return;
        }
        String f = frames.stream().filter(body::containsKey).findFirst().orElse(null);
        String r = references.stream().filter(body::containsKey).findFirst().orElse(null);
        if (f != null && r != null) {
            throw new InvalidRequestException(family, f + ", " + r,
                    "first/last-frame mode and reference mode cannot be combined");
        }
    }

    static boolean httpUrl(@Nullable String s) {
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
