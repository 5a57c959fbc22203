package dev.taskpoll.catalog;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How long a generation typically takes, as the documentation says (API fact sheet, section 7), or a plain guess
 * where it says nothing ({@link #documented()} false). A learned cadence starts from it (its prior) and leaves it
 * behind as completions are observed.
 *
 * @param min        the short end
 * @param max        the long end
 * @param documented whether the documentation gives this range (else: "a few minutes", or nothing)
 */
public record GenerationTime(Duration min, Duration max, boolean documented) {

    /**
     * A range; {@code min} must be at least 0 and below {@code max}.
     *
     * @param min        the short end
     * @param max        the long end
     * @param documented whether the documentation gives this range
     */
    public GenerationTime {
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(max, "max");
        if (min.isNegative() || max.compareTo(min) <= 0) {
            throw new IllegalArgumentException("generationTime: [" + min + ", " + max + "] must be 0 <= min < max");
        }
    }

    private static final Map<String, GenerationTime> BY_MODEL = Map.of(
            "seedance_1_5_pro_720p", documented(2, 5),
            "seedance_1_5_pro_480p", documented(2, 5),
            "seedance_1_5_pro_1080p", documented(3, 8),
            "viduq3-turbo", documented(2, 4),
            "viduq3-pro", documented(3, 6));

    private static GenerationTime documented(int minMinutes, int maxMinutes) {
        return new GenerationTime(Duration.ofMinutes(minMinutes), Duration.ofMinutes(maxMinutes), true);
    }

    /**
     * The range for a task of {@code kind} and {@code model} (null: unknown model): Sora and VEO 2-5 min, Seedance 1.5
     * 2-5 min (1080p 3-8), Vidu turbo 2-4 min and pro 3-6 min (documented); other video families 2-5 min, images
     * 5-30 s, the generic dialect 30 s to 10 min, asset audits 5-60 s (guesses).
     *
     * @param kind  the family or asset library
     * @param model the model, or null when unknown
     * @return the range
     */
    public static GenerationTime of(TaskKind kind, @org.jspecify.annotations.Nullable String model) {
        GenerationTime m = model == null ? null : BY_MODEL.get(model);
        if (m != null) {
            return m;
        }
        if (kind instanceof AssetLibrary) {
            return new GenerationTime(Duration.ofSeconds(5), Duration.ofSeconds(60), false);
        }
        Family f = (Family) kind;
        switch (f) {
            case SORA:
            case VEO:
            case SEEDANCE_1_5:
                return documented(2, 5);
            case VIDU:
                return documented(2, 4);
            case NANO_BANANA:
            case GPT_IMAGE_2:
                return new GenerationTime(Duration.ofSeconds(5), Duration.ofSeconds(30), false);
            case GENERIC_TASK:
                return new GenerationTime(Duration.ofSeconds(30), Duration.ofMinutes(10), false);
            default:
                return new GenerationTime(Duration.ofMinutes(2), Duration.ofMinutes(5), false);
        }
    }
}
