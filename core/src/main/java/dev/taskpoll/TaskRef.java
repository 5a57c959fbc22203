package dev.taskpoll;

import dev.taskpoll.catalog.AssetLibrary;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.TaskKind;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A task to track: its id, its kind (a generation {@link Family} or an {@link AssetLibrary}, which picks the dialect
 * and the default poll policy), its model when known (which picks a per-model policy and cadence, and tags its
 * metrics) and, optionally, a policy of its own.
 *
 * <pre>{@code
 * TaskRef.of("video_123", Family.VEO, "veo_3_1_fast")   // what submit() gives: family and model
 * TaskRef.of("video_123", Family.VEO)                    // model unknown: the family's policy
 * }</pre>
 *
 * @param id     the task id as the provider returned it; 1 to 512 characters, no control characters, not
 *               {@code "."} or {@code ".."}; it is percent-encoded into the status path
 * @param kind   the family or asset library
 * @param model  the model, or {@code null} when unknown; not blank, at most 128 characters
 * @param policy a policy that overrides the tracker's for this task, or {@code null}
 * @param shape  the request's shape ({@code "duration=8,resolution=1080p"}), or {@code null} when unknown; not blank,
 *               at most 128 characters
 */
public record TaskRef(String id, TaskKind kind, @Nullable String model, @Nullable PollPolicy policy,
        @Nullable String shape) {

    /** The longest task id accepted. */
    public static final int MAX_ID_LENGTH = 512;
    /** The longest model name accepted. */
    public static final int MAX_MODEL_LENGTH = 128;

    /**
     * A task to track; the id and the model are checked as described above.
     *
     * @param id     the task id; 1 to 512 characters, no control characters, not {@code "."} or {@code ".."}
     * @param kind   the family or asset library
     * @param model  the model, or null; not blank, at most 128 characters
     * @param policy a policy of its own, or null
     * @param shape  the request's shape, or null; not blank, at most 128 characters
     */
    public TaskRef {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
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
        checkName("model", model);
        checkName("shape", shape);
    }

    /** A model or shape: null, or 1 to {@value #MAX_MODEL_LENGTH} characters, not blank, no control character. */
    private static void checkName(String field, @Nullable String value) {
        if (value == null) {
            return;
        }
        if (value.isBlank() || value.length() > MAX_MODEL_LENGTH) {
            throw new IllegalArgumentException(field + ": '" + value + "' must be 1 to " + MAX_MODEL_LENGTH
                    + " characters, not blank");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new IllegalArgumentException(field + ": control character at index " + i + " is not allowed");
            }
        }
    }

    /**
     * A task to track, its request's shape unknown.
     *
     * @param id     the task id; 1 to 512 characters, no control characters, not {@code "."} or {@code ".."}
     * @param kind   the family or asset library
     * @param model  the model, or null; not blank, at most 128 characters
     * @param policy a policy of its own, or null
     */
    public TaskRef(String id, TaskKind kind, @Nullable String model, @Nullable PollPolicy policy) {
        this(id, kind, model, policy, null);
    }

    /**
     * A task tracked with its kind's (or the tracker's) policy; model unknown.
     *
     * @param id   the task id
     * @param kind the family or asset library
     * @return the task
     */
    public static TaskRef of(String id, TaskKind kind) {
        return new TaskRef(id, kind, null, null);
    }

    /**
     * A task of a known model: per-model policies and cadence apply, metrics are tagged with it.
     *
     * @param id    the task id
     * @param kind  the family or asset library
     * @param model the model, or null when unknown
     * @return the task
     */
    public static TaskRef of(String id, TaskKind kind, @Nullable String model) {
        return new TaskRef(id, kind, model, null);
    }

    /**
     * This task with a policy of its own.
     *
     * @param newPolicy the task's own policy
     * @return the same task with {@code newPolicy}
     */
    public TaskRef withPolicy(PollPolicy newPolicy) {
        return new TaskRef(id, kind, model, Objects.requireNonNull(newPolicy, "policy"), shape);
    }

    /**
     * This task with its model known.
     *
     * @param newModel the model, or null when unknown
     * @return the same task with {@code newModel}
     */
    public TaskRef withModel(@Nullable String newModel) {
        return new TaskRef(id, kind, newModel, policy, shape);
    }

    /**
     * This task with its request's shape known (what {@link Submission#ref()} gives).
     *
     * @param newShape the shape, or null when unknown
     * @return the same task with {@code newShape}
     */
    public TaskRef withShape(@Nullable String newShape) {
        return new TaskRef(id, kind, model, policy, newShape);
    }
}
