package dev.taskpoll.examples;

import dev.taskpoll.catalog.Family;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The families one can submit a generation to (every one but the asset libraries), by the names users type on the
 * command line and in the dashboard's JSON: lower case, {@code -} for {@code _} ({@code nano-banana},
 * {@code generic-task}); parsing takes any case and either separator.
 */
public final class FamilyNames {

    private static final Map<String, Family> GENERATIONS;

    static {
        Map<String, Family> names = new LinkedHashMap<>();
        for (Family f : Family.values()) {
            names.put(name(f), f);
        }
        GENERATIONS = Collections.unmodifiableMap(names);
    }

    private FamilyNames() {
    }

    /** Name to family, in the catalogue's order. */
    public static Map<String, Family> generations() {
        return GENERATIONS;
    }

    /** {@code NANO_BANANA} -> {@code nano-banana}. */
    public static String name(Family family) {
        return family.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * For each field of {@code request} its family's documentation does not list, {@code <prefix><field>: not a
     * documented parameter of <family> <model>; sent as it is}: what the command line and the dashboard say of them.
     */
    public static java.util.List<String> undocumented(dev.taskpoll.catalog.GenerationRequest request, String prefix) {
        return request.undocumentedFields().stream().map(f -> prefix + f + ": not a documented parameter of "
                + name(request.family()) + " " + request.model() + "; sent as it is").toList();
    }

    /** The generation family {@code text} names, if any. */
    public static Optional<Family> parse(String text) {
        return Family.ofName(text);
    }
}
