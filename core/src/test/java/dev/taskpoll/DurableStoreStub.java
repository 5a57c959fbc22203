package dev.taskpoll;

import dev.taskpoll.spi.TaskStore;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A durable store for the tracker's tests that records nothing: every write completes at once, as a store's would
 * after its commit, and every read finds nothing. Tests override the calls they observe.
 */
abstract class DurableStoreStub implements TaskStore {

    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public Mono<Long> intent(Intent intent) {
        return Mono.just(1L);
    }

    @Override
    public Mono<Void> submitted(long intentId, Tracked task) {
        return Mono.empty();
    }

    @Override
    public Mono<Void> notCreated(long intentId, String reason) {
        return Mono.empty();
    }

    @Override
    public Mono<Tracked> started(Tracked task) {
        return Mono.just(task);
    }

    @Override
    public Mono<Void> status(TaskRef task, TaskStatus status) {
        return Mono.empty();
    }

    @Override
    public Mono<Void> captured(TaskRef task, StoredFile file) {
        return Mono.empty();
    }

    @Override
    public Mono<Void> ended(TaskRef task, Ending ending) {
        return Mono.empty();
    }

    @Override
    public Flux<Tracked> open() {
        return Flux.empty();
    }

    @Override
    public Flux<TaskRecord> tasks(TaskRecord.@Nullable Phase phase) {
        return Flux.empty();
    }

    @Override
    public Mono<TaskRecord> task(String id) {
        return Mono.empty();
    }

    @Override
    public void close() {
    }
}
