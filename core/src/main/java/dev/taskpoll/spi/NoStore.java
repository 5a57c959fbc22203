package dev.taskpoll.spi;

import dev.taskpoll.StoredFile;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskStatus;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@link TaskStore#none()}: every write succeeds at once and keeps nothing. */
final class NoStore implements TaskStore {

    static final NoStore INSTANCE = new NoStore();
    private static final Mono<Long> NO_INTENT = Mono.just(0L);

    private NoStore() {
    }

    @Override
    public boolean durable() {
        return false;
    }

    @Override
    public Mono<Long> intent(Intent intent) {
        return NO_INTENT;
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

    @Override
    public String toString() {
        return "TaskStore.none()";
    }
}
