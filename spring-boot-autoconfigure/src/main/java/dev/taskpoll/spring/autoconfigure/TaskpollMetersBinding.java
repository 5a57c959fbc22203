package dev.taskpoll.spring.autoconfigure;

import dev.taskpoll.TaskpollClient;
import dev.taskpoll.micrometer.TaskpollMeters;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The client's {@link TaskpollMeters} (tagged {@code client=taskpoll}), bound to the application's registry once
 * (this holder is not a {@code MeterBinder}, so Spring Boot does not bind it a second time); closed with the context.
 */
public final class TaskpollMetersBinding implements AutoCloseable {

    private final TaskpollMeters meters;

    private TaskpollMetersBinding(TaskpollMeters meters) {
        this.meters = meters;
    }

    static TaskpollMetersBinding bind(TaskpollClient client, MeterRegistry registry) {
        TaskpollMeters meters = new TaskpollMeters(client, "taskpoll");
        meters.bindTo(registry);
        return new TaskpollMetersBinding(meters);
    }

    @Override
    public void close() {
        meters.close();
    }
}
