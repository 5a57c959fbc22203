package dev.taskpoll.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.test.subscriber.TestSubscriber;

/** The shared output of a poll loop: order, demand, late subscribers, the last one leaving. */
class StatusHubTest {

    private final AtomicInteger lastCancels = new AtomicInteger();
    private final StatusHub hub = new StatusHub() {
        @Override
        void lastSubscriberLeft() {
            lastCancels.incrementAndGet();
        }
    };

    private static TaskStatus status(String raw, TaskState state) {
        return new TaskStatus("t", state, raw, null, null, List.of(), null, null, null, Instant.EPOCH);
    }

    private static StatusHub.Inner join(StatusHub hub, TestSubscriber<TaskStatus> s, StatusHub.Added expected) {
        StatusHub.Inner inner = new StatusHub.Inner(s);
        s.onSubscribe(inner);
        assertThat(hub.add(inner)).isEqualTo(expected);
        return inner;
    }

    @Test
    void statusesWaitForDemandButTheEndDoesNot() {
        TestSubscriber<TaskStatus> s = TestSubscriber.builder().initialRequest(0).build();
        join(hub, s, StatusHub.Added.FIRST);
        hub.next(status("queued", TaskState.QUEUED));
        hub.next(status("processing", TaskState.PROCESSING));
        assertThat(s.getReceivedOnNext()).isEmpty();

        s.request(1);
        assertThat(s.getReceivedOnNext()).extracting(TaskStatus::rawStatus).containsExactly("queued");
        hub.next(status("completed", TaskState.COMPLETED));
        hub.complete();
        assertThat(s.isTerminated()).as("the end waits behind the undelivered statuses").isFalse();

        s.request(2);
        assertThat(s.getReceivedOnNext()).extracting(TaskStatus::rawStatus)
                .containsExactly("queued", "processing", "completed");
        assertThat(s.isTerminatedComplete()).isTrue();
        assertThat(lastCancels).hasValue(0);
    }

    @Test
    void aLateSubscriberGetsTheLatestStatusFirstAndAfterTheEndTheEndToo() {
        TestSubscriber<TaskStatus> first = TestSubscriber.create();
        join(hub, first, StatusHub.Added.FIRST);
        hub.next(status("queued", TaskState.QUEUED));
        hub.next(status("processing", TaskState.PROCESSING));

        TestSubscriber<TaskStatus> second = TestSubscriber.create();
        join(hub, second, StatusHub.Added.MORE);
        assertThat(second.getReceivedOnNext()).extracting(TaskStatus::rawStatus).containsExactly("processing");

        hub.error(new IllegalStateException("boom"));
        TestSubscriber<TaskStatus> third = TestSubscriber.create();
        join(hub, third, StatusHub.Added.MORE);
        for (TestSubscriber<TaskStatus> s : List.of(first, second, third)) {
            assertThat(s.expectTerminalError()).hasMessage("boom");
        }
        assertThat(third.getReceivedOnNext()).extracting(TaskStatus::rawStatus).containsExactly("processing");
        hub.next(status("completed", TaskState.COMPLETED));
        assertThat(first.getReceivedOnNext()).hasSize(2);
    }

    @Test
    void theLastSubscriberLeavingClosesTheHubOnceAndANewOneIsRefused() {
        TestSubscriber<TaskStatus> a = TestSubscriber.create();
        TestSubscriber<TaskStatus> b = TestSubscriber.create();
        join(hub, a, StatusHub.Added.FIRST);
        join(hub, b, StatusHub.Added.MORE);
        a.cancel();
        assertThat(lastCancels).hasValue(0);
        b.cancel();
        b.cancel();
        assertThat(lastCancels).hasValue(1);

        StatusHub.Inner late = new StatusHub.Inner(TestSubscriber.create());
        assertThat(hub.add(late)).isEqualTo(StatusHub.Added.CLOSED);
        hub.next(status("queued", TaskState.QUEUED));
        assertThat(a.getReceivedOnNext()).isEmpty();
    }

    @Test
    void aNonPositiveRequestIsAnErrorAndLeavesTheHub() {
        TestSubscriber<TaskStatus> s = TestSubscriber.builder().initialRequest(0).build();
        StatusHub.Inner inner = join(hub, s, StatusHub.Added.FIRST);
        inner.request(0);
        assertThat(s.expectTerminalError()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be positive");
        assertThat(lastCancels).hasValue(1);
    }
}
