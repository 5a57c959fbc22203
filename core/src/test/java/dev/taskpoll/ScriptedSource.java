package dev.taskpoll;

import dev.taskpoll.spi.StatusSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A status source that plays a script, one step per request (the last step repeats), and records when each request
 * was made and how many were in flight at once.
 */
final class ScriptedSource implements StatusSource {

    private final Scheduler scheduler;
    private final Deque<Function<String, Mono<TaskStatus>>> steps = new ArrayDeque<>();
    final List<Long> requestTimes = new ArrayList<>();
    /** The task of each request, in the order of {@link #requestTimes}. */
    final List<String> requestIds = new ArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    /** Requests cancelled before they answered. */
    final AtomicInteger cancelled = new AtomicInteger();

    ScriptedSource(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    static TaskStatus status(String id, String raw, Instant at) {
        return new TaskStatus(id, TaskState.fromRaw(raw), raw, "m", null,
                raw.equals("completed") ? List.of("https://cdn.example/" + id + ".mp4?sig=secret") : List.of(),
                raw.equals("failed") ? "content policy" : null, null, null, at);
    }

    ScriptedSource then(String... raws) {
        for (String raw : raws) {
            steps.add(id -> Mono.fromSupplier(() -> status(id, raw, now())));
        }
        return this;
    }

    ScriptedSource thenFail(TaskpollException e) {
        steps.add(id -> Mono.error(e));
        return this;
    }

    /** A request answered with no status at all (a source breaking its contract): a malformed answer. */
    ScriptedSource thenNothing() {
        steps.add(id -> Mono.empty());
        return this;
    }

    ScriptedSource thenSlow(Duration latency, String raw) {
        steps.add(id -> Mono.delay(latency, scheduler).map(x -> status(id, raw, now())));
        return this;
    }

    ScriptedSource then429(String retryAfter) {
        return thenFail(new ApiStatusException("t", 429, retryAfter, null));
    }

    List<Long> requestSeconds() {
        return requestTimes.stream().map(ms -> ms / 1000).toList();
    }

    private Instant now() {
        return Instant.ofEpochMilli(scheduler.now(TimeUnit.MILLISECONDS));
    }

    @Override
    public Mono<TaskStatus> fetch(String taskId) {
        return Mono.defer(() -> {
            synchronized (this) {
                requestTimes.add(scheduler.now(TimeUnit.MILLISECONDS));
                requestIds.add(taskId);
            }
            Function<String, Mono<TaskStatus>> step = steps.size() > 1 ? steps.poll() : steps.peek();
            int n = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(n, Math::max);
            AtomicBoolean answered = new AtomicBoolean();
            return step.apply(taskId)
                    .doOnEach(signal -> answered.set(true))
                    .doOnCancel(() -> {
                        if (!answered.get()) {
                            cancelled.incrementAndGet();
                        }
                    })
                    .doFinally(s -> inFlight.decrementAndGet());
        });
    }
}
