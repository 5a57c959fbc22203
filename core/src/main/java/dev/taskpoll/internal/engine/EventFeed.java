package dev.taskpoll.internal.engine;

import dev.taskpoll.TaskEvent;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * Every event of every task of a tracker, for whoever subscribes now ({@code TaskpollClient.events()}): hot, each
 * subscriber buffered on its own. Costs nothing while nobody subscribes: publishers check {@link #active()} first.
 */
final class EventFeed {

    private final CopyOnWriteArrayList<FluxSink<TaskEvent>> sinks = new CopyOnWriteArrayList<>();

    boolean active() {
        return !sinks.isEmpty();
    }

    void publish(TaskEvent event) {
        for (FluxSink<TaskEvent> sink : sinks) {
            sink.next(event); // serialised by the sink; buffered until the subscriber asks
        }
    }

    Flux<TaskEvent> flux() {
        return Flux.create(sink -> {
            sinks.add(sink);
            sink.onDispose(() -> sinks.remove(sink));
        }, FluxSink.OverflowStrategy.BUFFER);
    }
}
