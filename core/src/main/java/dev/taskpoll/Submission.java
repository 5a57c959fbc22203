package dev.taskpoll;

import dev.taskpoll.catalog.Family;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A task the API accepted: its id (for the Videos and SD2 Manxue families, the {@code projectId}), family and model,
 * and the status the create call answered with ({@code queued}; for the envelope families, which answer with no
 * status, a {@link TaskState#QUEUED} status whose raw string is {@code "submitted"}), and the poll policy the client
 * tracks it with (the family's default unless the client's {@link TrackerOptions} override it).
 *
 * @param taskId the task id (for the Videos and SD2 Manxue families, the {@code projectId})
 * @param family the family
 * @param model  the model
 * @param status the status the create call answered with
 * @param policy the poll policy the client tracks it with
 * @param shape  the request's shape ({@link dev.taskpoll.catalog.GenerationRequest#shape()}), or null when it has none
 */
public record Submission(String taskId, Family family, String model, TaskStatus status, PollPolicy policy,
        @Nullable String shape) {

    /**
     * A task the API accepted; every component is required.
     *
     * @param taskId the task id
     * @param family the family
     * @param model  the model
     * @param status the status the create call answered with
     * @param policy the poll policy the client tracks it with
     * @param shape  the request's shape, or null
     */
    public Submission {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(policy, "policy");
    }

    /**
     * A task the API accepted, its request's shape unknown.
     *
     * @param taskId the task id
     * @param family the family
     * @param model  the model
     * @param status the status the create call answered with
     * @param policy the poll policy the client tracks it with
     */
    public Submission(String taskId, Family family, String model, TaskStatus status, PollPolicy policy) {
        this(taskId, family, model, status, policy, null);
    }

    /**
     * The same task, tracked with {@code newPolicy} (for {@link TaskpollClient#track(Submission)}).
     *
     * @param newPolicy the policy to track it with
     * @return the same task with {@code newPolicy}
     */
    public Submission withPolicy(PollPolicy newPolicy) {
        return new Submission(taskId, family, model, status, newPolicy, shape);
    }

    /**
     * The task to track: its id, family, model and shape.
     *
     * @return the task's reference
     */
    public TaskRef ref() {
        return new TaskRef(taskId, family, model, null, shape);
    }
}
