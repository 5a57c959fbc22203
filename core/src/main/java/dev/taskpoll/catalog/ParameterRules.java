package dev.taskpoll.catalog;

import java.util.List;
import java.util.Objects;

/**
 * What the documentation says of one request field of a family's model: its rules as text ("an integer from 4 to
 * 15", "one of [16:9, 9:16]", "is required (a non-empty string)", "requires first_image"), and the values it takes
 * when they are a closed list (empty otherwise). See {@link Family#parameters(String)}. The field {@code (mode)}
 * holds a rule between fields.
 *
 * @param field   the body field
 * @param rules   its rules, in the order they are checked; empty for a documented field with no rule of its own
 * @param choices the values it takes, when they are a closed list
 */
public record ParameterRules(String field, List<String> rules, List<String> choices) {

    /**
     * A field's rules; the lists are copied.
     *
     * @param field   the body field
     * @param rules   its rules, in the order they are checked
     * @param choices the values it takes, when they are a closed list
     */
    public ParameterRules {
        Objects.requireNonNull(field, "field");
        rules = List.copyOf(rules);
        choices = List.copyOf(choices);
    }

    /**
     * Whether the field must be sent.
     *
     * @return true if it is required
     */
    public boolean required() {
        return rules.stream().anyMatch(r -> r.startsWith("is required") || r.startsWith("at least one is required"));
    }
}
