package dev.taskpoll.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.ParameterRules;

/**
 * The families, their models and each model's documented parameters with their rules, as one JSON array: what
 * {@code taskpoll families --json} prints and the dashboard's {@code GET /families} serves (its form offers each
 * model's parameters from it). Each family: {@code name} (the command line's spelling), {@code kind} (VIDEO, IMAGE,
 * ANY), {@code dialect}, {@code period} and {@code deadline} (the default poll policy, ISO-8601), {@code models}, and
 * {@code parameters}: model -> list of {@code {field, rules, choices, required}}.
 */
public final class FamilyCatalog {

    private FamilyCatalog() {
    }

    public static ArrayNode json(ObjectMapper json) {
        ArrayNode list = json.createArrayNode();
        FamilyNames.generations().forEach((name, f) -> {
            ObjectNode n = list.addObject().put("name", name).put("kind", f.resultKind().name())
                    .put("dialect", f.dialect().name().toLowerCase(java.util.Locale.ROOT))
                    .put("period", f.defaultPolicy().period().toString())
                    .put("deadline", f.defaultPolicy().deadline().toString());
            f.models().forEach(n.putArray("models")::add);
            ObjectNode byModel = n.putObject("parameters");
            for (String model : f.models()) {
                ArrayNode ps = byModel.putArray(model);
                for (ParameterRules p : f.parameters(model)) {
                    ObjectNode o = ps.addObject().put("field", p.field()).put("required", p.required());
                    p.rules().forEach(o.putArray("rules")::add);
                    p.choices().forEach(o.putArray("choices")::add);
                }
            }
        });
        return list;
    }

    /** The family's parameters for {@code model} as aligned text lines (field, then its rules), for a terminal. */
    public static java.util.List<String> lines(Family family, String model) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (ParameterRules p : family.parameters(model)) {
            out.add(String.format("%-16s %s", p.field(), p.rules().isEmpty() ? "(documented; no rule of its own)"
                    : String.join("; ", p.rules())));
        }
        return out;
    }
}
