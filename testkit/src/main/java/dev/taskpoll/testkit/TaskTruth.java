package dev.taskpoll.testkit;

import java.time.Instant;
import java.util.List;

/**
 * The ground truth of one simulated task: when it entered each status, how it ended, every status query it received
 * (with what the simulator answered) and every callback sent for it.
 *
 * @param id           the task id
 * @param family       the simulator's family name (sora, veo, seedance, seedance2, vidu, grok, starvideos, videos,
 *                     sd2_manxue, banana, image2, task)
 * @param model        the model requested
 * @param createdAt    when it was created (queued)
 * @param processingAt when it started processing
 * @param finishedAt   when it reached its terminal status
 * @param outcome      its terminal status
 * @param polls        every status query for it, in arrival order
 * @param callbacks    every callback sent for it, in the order sent
 * @param callbackUrl  the {@code callback_url} it was created with (generic dialect), if any
 * @param prompt       the create request's prompt, if it had one (null for tasks made with {@code createTask})
 * @param answeredLate whether its create call was answered only after the configured create delay
 */
public record TaskTruth(String id, String family, String model, Instant createdAt, Instant processingAt,
                        Instant finishedAt, SimOutcome outcome, List<Poll> polls, List<Callback> callbacks,
                        @org.jspecify.annotations.Nullable String callbackUrl,
                        @org.jspecify.annotations.Nullable String prompt, boolean answeredLate) {

    /** One status query: when it arrived and what it got ({@code NONE}: the true status). */
    public record Poll(Instant at, Faults.Kind outcome) {
    }

    /**
     * One callback.
     *
     * @param at         when it was sent
     * @param status     the status it carried
     * @param httpStatus what the receiver answered; 0 when the POST failed or was not sent
     * @param note       "duplicate", "reordered", "not sent: ..." or empty
     */
    public record Callback(Instant at, String status, int httpStatus, String note) {
    }

    /** Queries answered with the true status after the task had finished: the first one noticed it, the rest were wasted. */
    public long pollsAfterFinish() {
        return polls.stream().filter(p -> !p.at().isBefore(finishedAt) && p.outcome() == Faults.Kind.NONE).count();
    }

    /** When the first query answered with the terminal status arrived: the earliest a poller could have noticed. */
    public java.util.Optional<Instant> firstTerminalAnswer() {
        return polls.stream().filter(p -> !p.at().isBefore(finishedAt) && p.outcome() == Faults.Kind.NONE)
                .map(Poll::at).findFirst();
    }
}
