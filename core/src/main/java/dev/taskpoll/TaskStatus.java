package dev.taskpoll;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One observation of a task's status: immutable.
 *
 * <p>{@link #toString()} never prints a result URL in full: result URLs are often signed, so only their scheme,
 * host and path are shown.
 *
 * @param taskId         the provider's task id (for the Videos and SD2 Manxue families, the {@code projectId})
 * @param state          the normalised state
 * @param rawStatus      the provider's status string exactly as received
 * @param model          the model: as the provider reported it, else the one the task was tracked with, if any
 * @param createdAt      when the provider created the task ({@code created}, Unix seconds), when reported
 * @param resultUrls     result URLs ({@code video_url}, {@code image_url} or {@code outputs[]}); empty until completed
 * @param error          the provider's error text, usually present when {@link TaskState#FAILED}
 * @param actualDuration the generated video's length ({@code actualDuration}), when reported
 * @param totalTokens    {@code totalTokens}, documented for Seedance 2.0 and Vidu, when reported
 * @param observedAt     when this status was received, by the tracker's clock
 * @param completedAt    when the provider says the task completed ({@code completed_at}, where a dialect reports it;
 *                       none of GlobalAI's pages documents one), else null
 */
public record TaskStatus(
        String taskId,
        TaskState state,
        String rawStatus,
        @Nullable String model,
        @Nullable Instant createdAt,
        List<String> resultUrls,
        @Nullable String error,
        @Nullable Duration actualDuration,
        @Nullable Long totalTokens,
        Instant observedAt,
        @Nullable Instant completedAt) implements TaskEvent {

    /**
     * A status without a provider completion time.
     *
     * @param taskId         the provider's task id
     * @param state          the normalised state
     * @param rawStatus      the provider's status string exactly as received
     * @param model          the model, or null
     * @param createdAt      when the provider created the task, or null
     * @param resultUrls     result URLs; empty until completed
     * @param error          the provider's error text, or null
     * @param actualDuration the generated video's length, or null
     * @param totalTokens    the token count, or null
     * @param observedAt     when this status was received, by the tracker's clock
     */
    public TaskStatus(String taskId, TaskState state, String rawStatus, @Nullable String model,
                      @Nullable Instant createdAt, List<String> resultUrls, @Nullable String error,
                      @Nullable Duration actualDuration, @Nullable Long totalTokens, Instant observedAt) {
        this(taskId, state, rawStatus, model, createdAt, resultUrls, error, actualDuration, totalTokens, observedAt,
                null);
    }

    /**
     * A status; the result URLs are copied.
     *
     * @param taskId         the provider's task id
     * @param state          the normalised state
     * @param rawStatus      the provider's status string exactly as received
     * @param model          the model, or null
     * @param createdAt      when the provider created the task, or null
     * @param resultUrls     result URLs; empty until completed
     * @param error          the provider's error text, or null
     * @param actualDuration the generated video's length, or null
     * @param totalTokens    the token count, or null
     * @param observedAt     when this status was received, by the tracker's clock
     * @param completedAt    when the provider says the task completed, or null
     */
    public TaskStatus {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(rawStatus, "rawStatus");
        resultUrls = List.copyOf(resultUrls);
        Objects.requireNonNull(observedAt, "observedAt");
    }

    /**
     * Whether this status ends the task: completed, failed or cancelled.
     *
     * @return whether it is terminal
     */
    public boolean isTerminal() {
        return state.isTerminal();
    }

    /**
     * Whether this status says something different from {@code previous}: another state, raw status, result URLs,
     * error, duration or token count. The observation time does not count.
     *
     * @param previous the status seen before, or null
     * @return whether it differs (true when {@code previous} is null)
     */
    public boolean differsFrom(@Nullable TaskStatus previous) {
        return previous == null
                || state != previous.state
                || !rawStatus.equals(previous.rawStatus)
                || !resultUrls.equals(previous.resultUrls)
                || !Objects.equals(error, previous.error)
                || !Objects.equals(actualDuration, previous.actualDuration)
                || !Objects.equals(totalTokens, previous.totalTokens)
                || !Objects.equals(model, previous.model);
    }

    /**
     * This status with {@code newModel} as its model.
     *
     * @param newModel the model, or null
     * @return the new status
     */
    public TaskStatus withModel(@Nullable String newModel) {
        return new TaskStatus(taskId, state, rawStatus, newModel, createdAt, resultUrls, error, actualDuration,
                totalTokens, observedAt, completedAt);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("TaskStatus[")
                .append("taskId=").append(taskId)
                .append(", state=").append(state)
                .append(", rawStatus=").append(rawStatus);
        if (model != null) {
            sb.append(", model=").append(model);
        }
        if (!resultUrls.isEmpty()) {
            sb.append(", resultUrls=[");
            for (int i = 0; i < resultUrls.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(redact(resultUrls.get(i)));
            }
            sb.append(']');
        }
        if (error != null) {
            sb.append(", error=").append(error);
        }
        return sb.append(", observedAt=").append(observedAt).append(']').toString();
    }

    /** A URL without its query string, fragment and user info; "(unparseable URL)" when it is not a URI. */
    static String redact(String url) {
        try {
            URI u = URI.create(url);
            if (u.getHost() == null) {
                return "(URL without host)";
            }
            return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "")
                    + (u.getRawPath() == null ? "" : u.getRawPath())
                    + (u.getRawQuery() != null ? "?…" : "");
        } catch (IllegalArgumentException e) {
            return "(unparseable URL)";
        }
    }
}
