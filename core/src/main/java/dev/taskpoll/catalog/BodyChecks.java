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

    BodyChecks(Family family, String model, Map<String, Object> body) {
        this.family = family;
        this.model = model;
        this.body = body;
    }

    void fail(String field, String problem) {
        throw new InvalidRequestException(family, field, problem);
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
        String s = string(field);
        if (s != null && s.length() > max) {
            fail(field, s.length() + " characters; at most " + max + " for " + model);
        }
    }

    void content() {
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
        Object v = body.get(field);
        if (v != null && !List.of(allowed).contains(v)) {
            fail(field, "'" + v + "' is not one of " + List.of(allowed) + (family == Family.GROK || family == Family.VEO
                    || family == Family.GPT_IMAGE_2 ? " for " + model : ""));
        }
    }

    void oneOfIgnoringCase(String field, String... allowed) {
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
        Object v = body.get(field);
        if (v != null && !(v instanceof Integer i && i >= min && i <= max)) {
            fail(field, v + " must be an integer from " + min + " to " + max + (family == Family.GROK ? " for " + model : ""));
        }
    }

    void bool(String field) {
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
        Object v = body.get(field);
        if (v != null && !(v instanceof List<?>)) {
            fail(field, "must be a list");
        }
        if (items(field) > max) {
            fail(field, items(field) + " items; at most " + max + " for " + model);
        }
    }

    void publicUrls(String field) {
        if (body.get(field) instanceof List<?> l) {
            for (Object u : l) {
                if (!httpUrl(String.valueOf(u))) {
                    fail(field, "public http(s) URLs only for " + model + " (no base64)");
                }
            }
        }
    }

    void absent(String field, String why) {
        if (body.containsKey(field)) {
            fail(field, "must not be sent: " + why);
        }
    }

    void exclusive(String a, String b) {
        if (body.containsKey(a) && body.containsKey(b)) {
            throw new InvalidRequestException(family, a + ", " + b, "send only one of the two");
        }
    }

    void requires(String field, String needed) {
        if (body.containsKey(field) && !body.containsKey(needed)) {
            fail(field, "requires " + needed);
        }
    }

    void together(String a, String b) {
        if (body.containsKey(a) != body.containsKey(b)) {
            throw new InvalidRequestException(family, a + ", " + b, "must be sent together");
        }
    }

    void conflict(String current, String legacy) {
        if (body.containsKey(current) && body.containsKey(legacy)
                && !java.util.Objects.equals(body.get(current), body.get(legacy))) {
            throw new InvalidRequestException(family, current + ", " + legacy,
                    "parameter conflict: the current and the legacy field differ");
        }
    }

    void modes(List<String> frames, List<String> references) {
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
