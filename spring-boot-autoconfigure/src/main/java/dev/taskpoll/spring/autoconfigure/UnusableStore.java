package dev.taskpoll.spring.autoconfigure;

import dev.taskpoll.StoredFile;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskStoreException;
import dev.taskpoll.spi.TaskStore;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The store of an application whose {@code taskpoll.store.path} could not be opened (a read-only directory, a file
 * another process tracks, a file that is not a taskpoll store): every call fails with the reason, so the application
 * starts, its {@code taskpoll} health is DOWN and says why, and every submit fails before anything is sent (its
 * intent cannot be recorded), rather than generations being paid for without a record. Durable, so that the client
 * treats it as the store it stands for.
 */
final class UnusableStore implements TaskStore {

    private final String reason;

    UnusableStore(String reason) {
        this.reason = reason;
    }

    private <T> Mono<T> fail() {
        return Mono.error(() -> new TaskStoreException(reason));
    }

    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public Mono<Long> intent(Intent intent) {
        return fail();
    }

    @Override
    public Mono<Void> submitted(long intentId, Tracked task) {
        return fail();
    }

    @Override
    public Mono<Void> notCreated(long intentId, String why) {
        return fail();
    }

    @Override
    public Mono<Tracked> started(Tracked task) {
        return fail();
    }

    @Override
    public Mono<Void> status(TaskRef task, TaskStatus status) {
        return fail();
    }

    @Override
    public Mono<Void> captured(TaskRef task, StoredFile file) {
        return fail();
    }

    @Override
    public Mono<Void> ended(TaskRef task, Ending ending) {
        return fail();
    }

    @Override
    public Flux<Tracked> open() {
        return Flux.error(() -> new TaskStoreException(reason));
    }

    @Override
    public Flux<TaskRecord> tasks(TaskRecord.@Nullable Phase phase) {
        return Flux.error(() -> new TaskStoreException(reason));
    }

    @Override
    public Mono<TaskRecord> task(String id) {
        return fail();
    }

    @Override
    public void close() {
        // nothing was opened
    }

    @Override
    public String toString() {
        return "unusable store (" + reason + ")";
    }
}
