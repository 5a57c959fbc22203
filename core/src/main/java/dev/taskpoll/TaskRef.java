package dev.taskpoll;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A task to track: its id, its family (which picks the dialect and the default poll policy) and, optionally, a
 * policy of its own.
 *
 * @param id     the task id as the provider returned it; 1 to 512 characters, no control characters, not
 *               {@code "."} or {@code ".."}; it is percent-encoded into the status path
 * @param family the model family
 * @param policy a policy that overrides the tracker's for this task, or {@code null}
 */
public record TaskRef(String id, Family family, @Nullable PollPolicy policy) {

    /** The longest task id accepted. */
    public static final int MAX_ID_LENGTH = 512;

    public TaskRef {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(family, "family");
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException("id: length " + id.length() + " must be between 1 and "
                    + MAX_ID_LENGTH);
        }
        if (id.equals(".") || id.equals("..")) {
            throw new IllegalArgumentException("id: '" + id + "' is not a task id");
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                throw new IllegalArgumentException("id: control character at index " + i + " is not allowed");
            }
        }
    }

    /** A task tracked with its family's (or the tracker's) policy. */
    public static TaskRef of(String id, Family family) {
        return new TaskRef(id, family, null);
    }

    /** This task with a policy of its own. */
    public TaskRef withPolicy(PollPolicy newPolicy) {
        return new TaskRef(id, family, Objects.requireNonNull(newPolicy, "policy"));
    }
}
