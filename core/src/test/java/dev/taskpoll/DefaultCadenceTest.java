package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.cadence.LearnedCadence;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.Cadence;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The learned cadence is the default; the fixed grid is one builder call away and a given cadence wins. */
class DefaultCadenceTest {

    @Test
    void theDefaultIsTheLearnedCadenceAndFixedGridOrACadenceGivenReplaceIt() {
        assertThat(TrackerOptions.defaults().cadence()).isInstanceOf(LearnedCadence.class);
        Cadence fixed = TrackerOptions.builder().fixedGrid().build().cadence();
        assertThat(fixed).isNotInstanceOf(LearnedCadence.class);
        assertThat(fixed.getClass().getSimpleName()).isEqualTo("FixedGrid");
        LearnedCadence mine = LearnedCadence.create(dev.taskpoll.cadence.CadenceOptions.defaults());
        assertThat(TrackerOptions.builder().fixedGrid().cadence(mine).build().cadence()).isSameAs(mine);
        assertThat(TrackerOptions.builder().cadence(mine).fixedGrid().build().cadence().getClass().getSimpleName())
                .isEqualTo("FixedGrid");
        // a derived variant keeps the choice
        assertThat(TrackerOptions.builder().fixedGrid().build().mutate().build().cadence().getClass().getSimpleName())
                .isEqualTo("FixedGrid");
        assertThat(TrackerOptions.defaults().mutate().build().cadence()).isInstanceOf(LearnedCadence.class);
    }

    /**
     * With the defaults, a VEO task (2-5 min in the docs) is not polled at 30 s, 60 s, 90 s as the grid would: its
     * first poll waits for the model's early edge; with {@code fixedGrid()} the same task polls every 30 s.
     */
    @Test
    void byDefaultAVeoTaskIsFirstPolledNearItsModelsEarlyEdgeNotOnTheThirtySecondGrid() {
        assertThat(pollTimes(TrackerOptions.builder())).first().satisfies(t -> assertThat(t).isGreaterThan(90_000));
        assertThat(pollTimes(TrackerOptions.builder().fixedGrid().phaseSpread(0)))
                .startsWith(30_000L, 60_000L, 90_000L, 120_000L);
    }

    private static List<Long> pollTimes(TrackerOptions.Builder options) {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        List<Long> polls = new CopyOnWriteArrayList<>();
        TaskTracker tracker = TaskTracker.create(Map.of(Dialect.OPC, id -> Mono.fromSupplier(() -> {
            long now = vts.now(TimeUnit.MILLISECONDS);
            polls.add(now);
            boolean done = now >= 200_000;
            return new TaskStatus(id, done ? TaskState.COMPLETED : TaskState.PROCESSING,
                    done ? "completed" : "processing", "veo_3_1_fast", null,
                    done ? List.of("https://cdn.example/v.mp4") : List.of(), null, null, null, Instant.EPOCH);
        })), options.scheduler(vts).fleet(FleetOptions.disabled()).build());
        try {
            tracker.track(TaskRef.of("v1", Family.VEO, "veo_3_1_fast")).subscribe();
            vts.advanceTimeBy(Duration.ofMinutes(6));
            assertThat(polls).as("the task was polled until it completed").isNotEmpty();
            assertThat(polls.get(polls.size() - 1)).isGreaterThanOrEqualTo(200_000);
            return polls;
        } finally {
            tracker.close();
        }
    }
}
