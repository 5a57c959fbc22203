package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.testkit.SimOutcome;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import dev.taskpoll.testkit.TaskTruth;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * 10,000 tasks of every family tracked at once against the simulator over HTTP, through the shared fleet budget,
 * on time 30 times faster than real
 * (a 30 s poll period is 1 real second; tasks take 2-8 simulated minutes, images 5-30 s). Every task's final
 * status must equal the simulator's truth, every task must emit exactly one terminal status, and the JVM's live
 * thread count must stay below 2 x cores + 10 the whole time.
 */
class TenThousandTasksIT {

    private static final int TASKS = 10_000;
    private static final double SCALE = 30;


    /**
     * Deadlines are tested exactly on virtual time (TaskTrackerTest); here they only must not fire because the
     * machine stalled: at 30x, a 10 s stall of a loaded CI machine is 5 simulated minutes, an image's whole default
     * deadline. Periods stay the families' defaults.
     */
    private static TrackerOptions.Builder generousDeadlines(TrackerOptions.Builder b) {
        b.fleet(FleetOptions.defaults()); // the (opt-in) shared budget must not change any outcome
        for (Family f : Family.values()) {
            b.policy(f, f.defaultPolicy().withDeadline(Duration.ofHours(3)));
        }
        return b;
    }

    @Test
    void everyTaskEndsOnceWithTheServersTruthOnAFewThreads() {
        SimTime time = SimTime.accelerated(SCALE);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int threadLimit = 2 * Runtime.getRuntime().availableProcessors() + 10;
        AtomicInteger maxThreads = new AtomicInteger();
        Map<String, String> threadNames = new ConcurrentHashMap<>();

        try (Simulator sim = Simulator.builder().time(time).failureRate(0.05).seed(42).build().start();
             TaskpollClient client = TaskpollClient.create(ClientOptions.builder()
                     .baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                     .trackerOptions(generousDeadlines(TrackerOptions.builder().scheduler(time.scheduler())).build())
                     .build())) {
            List<TaskRef> refs = new ArrayList<>(TASKS);
            Family[] families = Family.generations().toArray(new Family[0]);
            for (int i = 0; i < TASKS; i++) {
                Family f = families[i % families.length];
                refs.add(TaskRef.of(sim.createTask(f.createPath(), f.models().get(0)), f));
            }
            Disposable sampler = Flux.interval(Duration.ofMillis(50), Schedulers.parallel())
                    .subscribe(t -> {
                        maxThreads.accumulateAndGet(threads.getThreadCount(), Math::max);
                        Thread.getAllStackTraces().keySet().forEach(th -> threadNames.put(th.getName(), ""));
                    });
            Map<String, List<TaskStatus>> emitted = new ConcurrentHashMap<>();
            Map<String, Throwable> errors = new ConcurrentHashMap<>();

            Flux.fromIterable(refs)
                    .flatMap(ref -> client.track(ref)
                            .collectList()
                            .doOnNext(list -> emitted.put(ref.id(), list))
                            .onErrorResume(e -> {
                                errors.put(ref.id(), e);
                                return reactor.core.publisher.Mono.empty();
                            }), TASKS)
                    .blockLast(Duration.ofMinutes(3));
            sampler.dispose();

            assertThat(errors).as("tracking errors").isEmpty();
            assertThat(emitted).hasSize(TASKS);
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
            assertThat(failed).as("the simulator's 5% failures were seen").isBetween(TASKS / 40, TASKS / 10);
            assertThat(client.tracker().activeTasks()).isZero();
            System.out.printf("10k IT: %d requests (%.1f per task; the simulator saw %d), max live threads %d"
                            + " (limit %d): %s%n",
                    client.tracker().requestsSent(), client.tracker().requestsSent() / (double) TASKS,
                    sim.statusQueries(),
                    maxThreads.get(), threadLimit,
                    threadNames.keySet().stream().sorted().collect(Collectors.joining(", ")));
            assertThat(maxThreads.get()).as("live threads").isLessThan(threadLimit);
        }
    }
}
