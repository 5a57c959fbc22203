package dev.taskpoll.catalog;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One generation to submit: the family, the model and the body, checked against the documented rules when built.
 *
 * <pre>{@code
 * GenerationRequest r = GenerationRequest.sora("openAiSora2Plus", "a cat on a skateboard")
 *         .duration(8).size("1280x720").build();      // InvalidRequestException if a rule is broken
 * }</pre>
 *
 * <p>Each family has an entry point ({@link #sora}, {@link #veo}, ... {@link #task}); the builder's typed setters
 * write the family's documented field names ({@code aspect_ratio}, {@code generateAudio} for Seedance 2.0 but
 * {@code generate_audio} for Seedance 1.5, ...), and a setter the family does not document is refused.
 * {@link Builder#param(String, Object)} sends any other field as it is (still checked where a rule knows it).
 * {@link #toString()} names the fields, never their values.
 */
public final class GenerationRequest {

    private final Family family;
    private final String model;
    private final Map<String, Object> body;

    /** Body fields that carry reference media: their presence is part of a request's {@link #shape()}. */
    private static final List<String> REFERENCE_FIELDS = List.of("image_urls", "input_reference", "first_image",
            "last_image", "referenceImages", "referenceVideos", "referenceAudios", "image_url", "image");

    private GenerationRequest(Family family, String model, Map<String, Object> body) {
        this.family = family;
        this.model = model;
        this.body = body;
    }

    /**
     * The family.
     *
     * @return the family
     */
    public Family family() {
        return family;
    }

    /**
     * The model.
     *
     * @return the model
     */
    public String model() {
        return model;
    }

    /**
     * The JSON body, {@code model} included: strings, numbers, booleans, lists and maps; unmodifiable.
     *
     * @return the body
     */
    public Map<String, Object> body() {
        return body;
    }

    /**
     * The fields of the body its family's documentation does not list (set with {@link Builder#param}, sent as they
     * are), in the body's order: what a caller may want to say it sent unchecked. For the generic dialect, the fields
     * beside {@code input} and {@code callback_url} (the input itself is free).
     *
     * @return the undocumented fields; empty when every field is documented
     */
    public List<String> undocumentedFields() {
        return RequestValidator.undocumented(family, body);
    }

    @Override
    public String toString() {
        return "GenerationRequest[" + family + " " + model + ", fields=" + body.keySet() + "]";
    }

    /**
     * What, besides the model, changes how long this generation takes: the clip's duration ({@code duration} or
     * {@code seconds}), its resolution ({@code resolution}, {@code size}, {@code quality}), reference media (images,
     * videos or audio given as input) and generated audio, read from the body (and from the generic dialect's
     * {@code input}). A learned cadence keeps one model per model and shape. For example
     * {@code "duration=8,resolution=1080p,refs"}; null when the request sets none of them.
     *
     * @return the shape, or null
     */
    public @Nullable String shape() {
        return shapeOf(body);
    }

    /**
     * The shape of a request body as {@link #shape()} reads it (for a body kept elsewhere, such as a task store's).
     *
     * @param body the request body
     * @return the shape, or null
     */
    public static @Nullable String shapeOf(Map<String, ?> body) {
        Map<String, ?> from = body;
        if (body.get("input") instanceof Map<?, ?> input) { // the generic dialect: its parameters under input
            Map<String, Object> merged = new LinkedHashMap<>();
            input.forEach((k, v) -> merged.put(String.valueOf(k), v));
            body.forEach(merged::putIfAbsent);
            from = merged;
        }
        StringBuilder out = new StringBuilder();
        shapePart(out, "duration", first(from, "duration", "seconds"));
        shapePart(out, "resolution", first(from, "resolution", "size"));
        shapePart(out, "quality", from.get("quality"));
        boolean refs = false;
        for (String k : REFERENCE_FIELDS) {
            Object v = from.get(k);
            refs |= v != null && !(v instanceof java.util.Collection<?> c && c.isEmpty());
        }
        if (from.get("content") instanceof List<?> content) { // Seedance 1.5: images as content items
            for (Object item : content) {
                refs |= item instanceof Map<?, ?> m && "image_url".equals(m.get("type"));
            }
        }
        if (refs) {
            out.append(out.length() == 0 ? "" : ",").append("refs");
        }
        if (Boolean.TRUE.equals(first(from, "generate_audio", "generateAudio"))) {
            out.append(out.length() == 0 ? "" : ",").append("audio");
        }
        return out.length() == 0 ? null : out.toString();
    }

    private static @Nullable Object first(Map<String, ?> m, String a, String b) {
        Object v = m.get(a);
        return v != null ? v : m.get(b);
    }

    private static void shapePart(StringBuilder out, String name, @Nullable Object value) {
        if (value == null || value instanceof Map<?, ?> || value instanceof java.util.Collection<?>) {
            return;
        }
        String v = String.valueOf(value).strip();
        if (v.isEmpty()) {
            return;
        }
        StringBuilder clean = new StringBuilder(); // short and printable: it becomes part of a model's key
        for (int i = 0; i < v.length() && clean.length() < 24; i++) {
            char ch = v.charAt(i);
            clean.append(Character.isLetterOrDigit(ch) || ch == '.' || ch == '-' || ch == '_' ? ch : '_');
        }
        out.append(out.length() == 0 ? "" : ",").append(name).append('=').append(clean);
    }

    /**
     * A Sora request.
     *
     * @param model  the model
     * @param prompt the prompt
     * @return a builder
     */
    public static Builder sora(String model, String prompt) {
        return builder(Family.SORA, model).prompt(prompt);
    }

    /**
     * A VEO request.
     *
     * @param model  the model
     * @param prompt the prompt
     * @return a builder
     */
    public static Builder veo(String model, String prompt) {
        return builder(Family.VEO, model).prompt(prompt);
    }

    /**
     * Seedance 1.5: the prompt becomes the {@code content} array's text item; add images with {@link Builder#image}.
     *
     * @param model  the model
     * @param prompt the prompt
     * @return a builder
     */
    public static Builder seedance15(String model, String prompt) {
        return builder(Family.SEEDANCE_1_5, model).prompt(prompt);
    }

    /**
     * A Seedance 2.0 request.
     *
     * @param model  the model
     * @param prompt the prompt
     * @return a builder
     */
    public static Builder seedance20(String model, String prompt) {
        return builder(Family.SEEDANCE_2_0, model).prompt(prompt);
    }

    /**
     * A Vidu request.
     *
     * @param model  the model
     * @param prompt the prompt
     * @return a builder
     */
    public static Builder vidu(String model, String prompt) {
        return builder(Family.VIDU, model).prompt(prompt);
    }

    /**
     * A Grok request.
     *
     * @param model  the model
     * @param prompt the prompt
     * @return a builder
     */
    public static Builder grok(String model, String prompt) {
        return builder(Family.GROK, model).prompt(prompt);
    }

    /**
     * A StarVideos request.
     *
     * @param model  the model
     * @param prompt the prompt
     * @return a builder
     */
    public static Builder starVideos(String model, String prompt) {
        return builder(Family.STARVIDEOS, model).prompt(prompt);
    }

    /**
     * The Videos family: {@code duration} is required.
     *
     * @param model    the model
     * @param prompt   the prompt
     * @param duration length in seconds
     * @return a builder
     */
    public static Builder videos(String model, String prompt, int duration) {
        return builder(Family.VIDEOS, model).prompt(prompt).duration(duration);
    }

    /**
     * An SD2 Manxue request.
     *
     * @param model  the model
     * @param prompt the prompt
     * @return a builder
     */
    public static Builder sd2Manxue(String model, String prompt) {
        return builder(Family.SD2_MANXUE, model).prompt(prompt);
    }

    /**
     * A Nano Banana request.
     *
     * @param model  the model
     * @param prompt the prompt
     * @return a builder
     */
    public static Builder nanoBanana(String model, String prompt) {
        return builder(Family.NANO_BANANA, model).prompt(prompt);
    }

    /**
     * A GPT Image 2 request.
     *
     * @param model  the model
     * @param prompt the prompt
     * @return a builder
     */
    public static Builder gptImage2(String model, String prompt) {
        return builder(Family.GPT_IMAGE_2, model).prompt(prompt);
    }

    /**
     * The generic task dialect: {@code model} and the model-specific {@code input} object.
     *
     * @param model the model; any non-blank name
     * @param input the {@code input} object
     * @return a builder
     */
    public static Builder task(String model, Map<String, ?> input) {
        return builder(Family.GENERIC_TASK, model).input(input);
    }

    /**
     * A request of any family, with no field set yet.
     *
     * @param family the family
     * @param model  the model
     * @return a builder
     */
    public static Builder builder(Family family, String model) {
        return new Builder(Objects.requireNonNull(family, "family"), Objects.requireNonNull(model, "model"));
    }

    /** Collects fields; {@link #build()} validates. Not thread-safe. */
    public static final class Builder {
        private final Family family;
        private final String model;
        private final Map<String, Object> fields = new LinkedHashMap<>();
        private final Set<String> typed = new LinkedHashSet<>();
        private final List<Object> content = new ArrayList<>();

        private Builder(Family family, String model) {
            this.family = family;
            this.model = model;
        }

        /**
         * The prompt ({@code content[]} text item for Seedance 1.5; {@code input.prompt} for the generic dialect).
         *
         * @param prompt the prompt
         * @return this builder
         */
        public Builder prompt(String prompt) {
            Objects.requireNonNull(prompt, "prompt");
            if (family == Family.SEEDANCE_1_5) {
                content.add(0, Map.of("type", "text", "text", prompt));
                typed.add("content");
                return this;
            }
            if (family == Family.GENERIC_TASK) {
                Map<String, Object> input = new LinkedHashMap<>(inputMap());
                input.put("prompt", prompt);
                fields.put("input", input);
                typed.add("input");
                return this;
            }
            return typed("prompt", prompt);
        }

        /**
         * Length in seconds ({@code duration}).
         *
         * @param seconds the length
         * @return this builder
         */
        public Builder duration(int seconds) {
            return typed("duration", seconds);
        }

        /**
         * Sora's alternative to {@code duration}.
         *
         * @param seconds the length
         * @return this builder
         */
        public Builder seconds(int seconds) {
            return typed("seconds", seconds);
        }

        /**
         * {@code aspect_ratio}, e.g. {@code 16:9}.
         *
         * @param ratio the aspect ratio
         * @return this builder
         */
        public Builder aspectRatio(String ratio) {
            return typed("aspect_ratio", ratio);
        }

        /**
         * {@code size}: pixels for Sora ({@code 1280x720}), an aspect ratio for Nano Banana.
         *
         * @param size the size
         * @return this builder
         */
        public Builder size(String size) {
            return typed("size", size);
        }

        /**
         * {@code ratio}, e.g. {@code 16:9} or {@code adaptive}.
         *
         * @param ratio the ratio
         * @return this builder
         */
        public Builder ratio(String ratio) {
            return typed("ratio", ratio);
        }

        /**
         * {@code resolution}, e.g. {@code 720p} or {@code 2k}.
         *
         * @param resolution the resolution
         * @return this builder
         */
        public Builder resolution(String resolution) {
            return typed("resolution", resolution);
        }

        /**
         * GPT Image 2's {@code quality}: low, medium or high.
         *
         * @param quality the quality
         * @return this builder
         */
        public Builder quality(String quality) {
            return typed("quality", quality);
        }

        /**
         * {@code image_urls}: reference images.
         *
         * @param urls the images' URLs
         * @return this builder
         */
        public Builder imageUrls(String... urls) {
            return typed("image_urls", List.of(urls));
        }

        /**
         * {@code input_reference}: Sora and VEO reference images.
         *
         * @param urls the images' URLs
         * @return this builder
         */
        public Builder inputReference(String... urls) {
            return typed("input_reference", List.of(urls));
        }

        /**
         * {@code first_image}: a URL or {@code asset://id}.
         *
         * @param url the image
         * @return this builder
         */
        public Builder firstImage(String url) {
            return typed("first_image", url);
        }

        /**
         * {@code last_image}; needs a first image.
         *
         * @param url the image
         * @return this builder
         */
        public Builder lastImage(String url) {
            return typed("last_image", url);
        }

        /**
         * {@code referenceImages}: reference images.
         *
         * @param urls the images' URLs
         * @return this builder
         */
        public Builder referenceImages(String... urls) {
            return typed("referenceImages", List.of(urls));
        }

        /**
         * {@code referenceVideos}: reference videos.
         *
         * @param urls the videos' URLs
         * @return this builder
         */
        public Builder referenceVideos(String... urls) {
            return typed("referenceVideos", List.of(urls));
        }

        /**
         * {@code referenceAudios}: reference audio.
         *
         * @param urls the audio files' URLs
         * @return this builder
         */
        public Builder referenceAudios(String... urls) {
            return typed("referenceAudios", List.of(urls));
        }

        /**
         * Audio on or off: {@code generate_audio} for Seedance 1.5, {@code generateAudio} for Seedance 2.0.
         *
         * @param on true for audio
         * @return this builder
         */
        public Builder generateAudio(boolean on) {
            return typed(family == Family.SEEDANCE_1_5 ? "generate_audio" : "generateAudio", on);
        }

        /**
         * A Seedance 1.5 image item: {@code role} first_frame, last_frame or reference_image (null: first frame).
         *
         * @param url  the image's URL
         * @param role its role, or null for the first frame
         * @return this builder
         */
        public Builder image(String url, @Nullable String role) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("type", "image_url");
            item.put("image_url", Map.of("url", Objects.requireNonNull(url, "url")));
            if (role != null) {
                item.put("role", role);
            }
            content.add(item);
            typed.add("content");
            return this;
        }

        /**
         * The generic dialect's model-specific {@code input} object.
         *
         * @param input the fields to add to {@code input}
         * @return this builder
         */
        public Builder input(Map<String, ?> input) {
            Map<String, Object> merged = new LinkedHashMap<>(inputMap());
            merged.putAll(Objects.requireNonNull(input, "input"));
            fields.put("input", merged);
            typed.add("input");
            return this;
        }

        /**
         * The generic dialect's {@code callback_url}.
         *
         * @param url the callback URL
         * @return this builder
         */
        public Builder callbackUrl(String url) {
            return typed("callback_url", url);
        }

        /**
         * Any field, sent as it is: for parameters the documentation does not list. A JSON value: a string, number,
         * boolean, list, map or {@code null}. Documented rules still apply to documented names.
         *
         * @param name  the field's name; not {@code model}
         * @param value its JSON value
         * @return this builder
         */
        public Builder param(String name, @Nullable Object value) {
            Objects.requireNonNull(name, "name");
            if (name.equals("model")) {
                throw new IllegalArgumentException("param: set the model through builder(family, model)");
            }
            fields.put(name, value);
            typed.remove(name);
            return this;
        }

        /**
         * The request, validated against the documented rules of its family.
         *
         * @return the request
         * @throws dev.taskpoll.InvalidRequestException naming the field, the value and the rule; nothing is sent
         */
        public GenerationRequest build() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("model", model);
            if (!content.isEmpty()) {
                body.put("content", List.copyOf(content));
            }
            body.putAll(fields);
            RequestValidator.validate(family, model, body, typed);
            return new GenerationRequest(family, model, Collections.unmodifiableMap(body));
        }

        private Builder typed(String field, Object value) {
            fields.put(field, value);
            typed.add(field);
            return this;
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> inputMap() {
            Object in = fields.get("input");
            return in instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        }
    }

}
