package dev.taskpoll;

import dev.taskpoll.catalog.TaskKind;
import org.jspecify.annotations.Nullable;

/**
 * A request broke a documented rule; nothing was sent. The message names the field, the value and the rule.
 */
public class InvalidRequestException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    /** The field the rule concerns. */
    private final String field;

    /**
     * A request of {@code family} broke the rule on {@code field}.
     *
     * @param family  the family or asset library of the request
     * @param field   the field the rule concerns
     * @param problem the value and the rule it breaks
     */
    public InvalidRequestException(TaskKind family, String field, String problem) {
        super(family + " request: " + field + ": " + problem, null, null, null);
        this.field = field;
    }

    private InvalidRequestException(String message, String field, @Nullable TaskStatus lastStatus) {
        super(message, null, lastStatus, null);
        this.field = field;
    }

    /**
     * The field the rule concerns (for rules on two fields, both, comma-separated).
     *
     * @return the field, or both fields comma-separated
     */
    public String field() {
        return field;
    }

    @Override
    public InvalidRequestException withLastStatus(@Nullable TaskStatus status) {
        return new InvalidRequestException(getMessage(), field, status);
    }
}
