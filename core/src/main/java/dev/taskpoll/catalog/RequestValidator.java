package dev.taskpoll.catalog;

import dev.taskpoll.InvalidRequestException;
import java.util.Map;
import java.util.Set;

/**
 * The documented request rules (API fact sheet, sections 5-6 and Appendix A), checked before anything is sent. The
 * first broken rule is thrown as an {@link InvalidRequestException} naming the field, the value and the rule. This
 * class checks which fields a family documents; {@link FamilyRules} holds each family's rules, written with the
 * checks of {@link BodyChecks}.
 * Where the documentation's pages disagree, the union of what current pages allow is accepted, and so are the
 * documentation's own examples.
 */
final class RequestValidator {

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

    /**
     * The rules {@link #validate} checks for a model, described field by field: the fields with rules first, in the
     * order they are checked, then the other documented fields (no rule of their own), alphabetically.
     */
    static java.util.List<ParameterRules> describe(Family family, String model) {
        if (!family.supports(model)) {
            throw new IllegalArgumentException("model: '" + model + "' is not one of " + family.models());
        }
        Map<String, BodyChecks.Rules> into = new java.util.LinkedHashMap<>();
        FamilyRules.describe(family, model, into);
        java.util.List<ParameterRules> out = new java.util.ArrayList<>();
        into.forEach((field, r) -> out.add(new ParameterRules(field, r.rules, r.choices)));
        FIELDS.get(family).stream().filter(f -> !into.containsKey(f)).sorted()
                .forEach(f -> out.add(new ParameterRules(f, java.util.List.of(), java.util.List.of())));
        return out;
    }

    /** The fields of {@code body} besides {@code model} that {@code family}'s documentation does not list. */
    static java.util.List<String> undocumented(Family family, Map<String, Object> body) {
        return body.keySet().stream().filter(f -> !f.equals("model") && !FIELDS.get(family).contains(f)).toList();
    }

    /**
     * @param typed the fields set through typed setters (checked against the family's documented fields); fields
     *              set with {@code param(...)} are not
     */
    static void validate(Family family, String model, Map<String, Object> body, Set<String> typed) {
        if (model.isBlank()) {
            throw new InvalidRequestException(family, "model", "must not be blank");
        }
        // the task is tracked under its model (TaskRef's rule): a name it refuses would be found out only after the
        // paid create call, with the id in hand and nothing to track it with
        if (model.length() > dev.taskpoll.TaskRef.MAX_MODEL_LENGTH) {
            throw new InvalidRequestException(family, "model", model.length() + " characters; at most "
                    + dev.taskpoll.TaskRef.MAX_MODEL_LENGTH);
        }
        for (int i = 0; i < model.length(); i++) {
            if (Character.isISOControl(model.charAt(i))) {
                throw new InvalidRequestException(family, "model", "control character at index " + i
                        + " is not allowed");
            }
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
        new FamilyRules(family, model, body).check();
    }
}
