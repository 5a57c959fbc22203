package dev.taskpoll;

import java.time.Duration;

/**
 * A task has run longer than its model's learned 99.9th percentile: unusually late, though not failed (its deadline
 * still decides that). Reported once per task on {@link TaskpollClient#events()}, and counted per model.
 *
 * @param taskId    the task
 * @param running   how long it has been running
 * @param threshold the learned 99.9th percentile it passed
 */
public record TaskStalled(String taskId, Duration running, Duration threshold) implements TaskEvent {
}
