package dev.taskpoll;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An option refused when it was set or built: {@link ClientOptions}, {@link ApiKey}, {@link FleetOptions},
 * {@link TrackerOptions.Builder#cadence(String)} and the Redis store's options throw it (the other builders throw a
 * plain {@link IllegalArgumentException} with a message of the same form). Its message is {@code option: problem} (and {@code ; remedy}
 * when there is one), e.g. {@code baseUrl: 'ftp://x' must start with https:// or http://}. Its parts are there for
 * whoever sets options from outside Java and names them otherwise (the command line's {@code --base-url}, the
 * Spring Boot starter's {@code taskpoll.base-url}): {@link #option()} is the option as the builder spells it,
 * {@link #problem()} the rule broken, {@link #remedyOption()} the option the library's {@link #remedy()} points to, so
 * that such a caller can give its own. A secret is never part of it: a refused API key is described by position, a
 * URI's password is left out.
 *
 * <p>It is an {@link IllegalArgumentException}, as Java's builders throw, rather than a {@link TaskpollException}
 * (which is for what goes wrong while tasks are submitted and tracked).
 */
public final class InvalidOptionException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The option refused, as its builder names it. */
    private final String option;
    /** The rule it breaks. */
    private final String problem;
    /** The option the remedy is about, or null. */
    private final @Nullable String remedyOption;
    /** What to do instead, in the library's terms, or null. */
    private final @Nullable String remedy;

    /**
     * A refused option without a remedy beyond its rule.
     *
     * @param option  the option as the builder names it ({@code baseUrl}, {@code fleet.maxRate})
     * @param problem the rule it breaks, with the value when it is not a secret
     */
    public InvalidOptionException(String option, String problem) {
        this(option, problem, null, null);
    }

    /**
     * A refused option and what to do instead, in the library's terms.
     *
     * @param option       the option as the builder names it
     * @param problem      the rule it breaks, with the value when it is not a secret
     * @param remedyOption the option the remedy is about ({@code allowPlainHttp}, {@code apiKey}), or null
     * @param remedy       what to do, naming the library's methods, or null
     */
    public InvalidOptionException(String option, String problem, @Nullable String remedyOption,
                                  @Nullable String remedy) {
        super(format(option, problem, remedy));
        this.option = Objects.requireNonNull(option, "option");
        this.problem = Objects.requireNonNull(problem, "problem");
        this.remedyOption = remedyOption;
        this.remedy = remedy;
    }

    /**
     * This failure's message with the option and the remedy as a caller names them (its flag or property, its own
     * advice): {@code option: problem; remedy}, the form of {@link #getMessage()}.
     *
     * @param option the option's name for the caller
     * @param remedy the caller's remedy, or null for none
     * @return the message
     */
    public String message(String option, @Nullable String remedy) {
        return format(option, problem, remedy);
    }

    private static String format(String option, String problem, @Nullable String remedy) {
        return option + ": " + problem + (remedy == null ? "" : "; " + remedy);
    }

    /**
     * The option refused, as its builder names it: {@code baseUrl}, {@code apiKey}, {@code fleet.maxRate},
     * {@code cadence}...
     *
     * @return the option's name
     */
    public String option() {
        return option;
    }

    /**
     * The rule the value breaks, without the option's name: {@code 'ftp://x' must start with https:// or http://}.
     *
     * @return the problem
     */
    public String problem() {
        return problem;
    }

    /**
     * The option the {@link #remedy()} is about ({@code allowPlainHttp}: use https or allow plain http; {@code apiKey}:
     * the key goes there), for a caller that names its options otherwise; null when there is no remedy.
     *
     * @return the option, or null
     */
    public @Nullable String remedyOption() {
        return remedyOption;
    }

    /**
     * What to do instead, in the library's terms ({@code use https, or allowPlainHttp(true)}), or null.
     *
     * @return the remedy, or null
     */
    public @Nullable String remedy() {
        return remedy;
    }
}
