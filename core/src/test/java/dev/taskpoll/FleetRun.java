package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.catalog.Family;
import dev.taskpoll.testkit.SimOutcome;
import dev.taskpoll.testkit.Simulator;
import dev.taskpoll.testkit.TaskTruth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Creates tasks of every family in the simulator, tracks them all at once, and checks them against its truth. */
final class FleetRun {

    final List<TaskRef> refs = new ArrayList<>();
    final Map<String, List<TaskStatus>> emitted = new ConcurrentHashMap<>();
    final Map<String, Throwable> errors = new ConcurrentHashMap<>();

    /** Deadlines of 3 h: runs check outcomes; deadlines are tested exactly on virtual time (TaskTrackerTest). */
    static TrackerOptions.Builder generousDeadlines(TrackerOptions.Builder b) {
        // the fleet's load as designed: every task on its family's grid (the learned cadence would poll less)
        b.fixedGrid();
        for (Family f : Family.values()) {
            b.policy(f, f.defaultPolicy().withDeadline(Duration.ofHours(3)));
        }
        return b;
    }

    static FleetRun create(Simulator sim, int tasks) {
        FleetRun run = new FleetRun();
        List<Family> families = List.of(Family.values());
        for (int i = 0; i < tasks; i++) {
            Family f = families.get(i % families.size());
            run.refs.add(TaskRef.of(sim.createTask(f.createPath(), f.models().get(0)), f));
        }
        return run;
    }

    FleetRun track(TaskpollClient client, Duration bound) {
        Flux.fromIterable(refs)
                .flatMap(ref -> client.track(ref)
                        .collectList()
                        .doOnNext(list -> emitted.put(ref.id(), list))
                        .onErrorResume(e -> {
                            errors.put(ref.id(), e);
                            return Mono.empty();
                        }), Math.max(1, refs.size()))
                .blockLast(bound);
        return this;
    }

    /** Every task: no error, exactly one terminal status, last, equal to the truth, seen no earlier than it happened. */
    int assertEveryTaskMatchesTheTruth(Simulator sim) {
        errors.values().stream().limit(1).forEach(e -> {
            System.out.println("first tracking error, of " + errors.size() + ":");
            e.printStackTrace(System.out);
        });
        assertThat(errors).as("tracking errors").isEmpty();
        assertThat(emitted).hasSize(refs.size());
        int failed = 0;
        for (TaskRef ref : refs) {
            TaskTruth truth = sim.truth(ref.id()).orElseThrow();
            List<TaskStatus> statuses = emitted.get(ref.id());
            assertThat(statuses.stream().filter(TaskStatus::isTerminal)).as(ref.id()).hasSize(1);
            TaskStatus last = statuses.get(statuses.size() - 1);
            assertThat(last.isTerminal()).as(ref.id()).isTrue();
            assertThat(last.rawStatus()).as(ref.id()).isEqualTo(truth.outcome().raw());
            assertThat(last.observedAt()).as(ref.id() + " cannot be seen finished before it finished")
                    .isAfterOrEqualTo(truth.finishedAt());
            if (truth.outcome() == SimOutcome.COMPLETED) {
                assertThat(last.resultUrls()).as(ref.id()).hasSize(1);
            } else {
                failed++;
            }
            for (int i = 1; i < statuses.size(); i++) {
                assertThat(statuses.get(i).differsFrom(statuses.get(i - 1))).as(ref.id()).isTrue();
            }
        }
        return failed;
    }
}
