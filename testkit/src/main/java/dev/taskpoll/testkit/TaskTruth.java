package dev.taskpoll.testkit;

import java.time.Instant;
import java.util.List;

/**
 * The ground truth of one simulated task: when it entered each status, how it ended, and every poll it received.
 *
 * @param id           the task id
 * @param family       the simulator's family name (sora, veo, seedance, seedance2, vidu, grok, starvideos, videos,
 *                     sd2_manxue, banana, image2, task)
 * @param model        the model requested
 * @param createdAt    when it was created (queued)
 * @param processingAt when it started processing
 * @param finishedAt   when it reached its terminal status
 * @param outcome      its terminal status
 * @param polls        when each status query for it arrived, in order
 */
public record TaskTruth(String id, String family, String model, Instant createdAt, Instant processingAt,
                        Instant finishedAt, SimOutcome outcome, List<Instant> polls) {

    /** Polls that arrived after the task had finished: at most the one that noticed it is useful. */
    public long pollsAfterFinish() {
        return polls.stream().filter(p -> !p.isBefore(finishedAt)).count();
    }
}
