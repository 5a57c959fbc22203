package dev.taskpoll.examples.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskpoll.Submission;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.capture.CaptureEvent;
import dev.taskpoll.capture.ResultCapture;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.examples.StatusJson;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The dashboard's generations: each submitted task is tracked once, its statuses and stored results kept as a replay
 * of Server-Sent Events, so any number of browsers (and late ones) see the whole story. At most {@code maxTasks}
 * are kept; beyond that the oldest finished ones are forgotten (their files stay on disk).
 */
final class Generations implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One generation as the dashboard knows it. */
    static final class Entry {
        final String id;
        final String family;
        final String model;
        final Sinks.Many<ServerSentEvent<String>> events = Sinks.many().replay().all();
        final Map<String, CaptureEvent.Stored> files = new ConcurrentHashMap<>();
        volatile TaskStatus last;
        volatile boolean finished;
        volatile @Nullable Disposable tracking;

        Entry(Submission s) {
            this.id = s.taskId();
            this.family = s.family().name();
            this.model = s.model();
            this.last = s.status();
        }

        ObjectNode summary() {
            ObjectNode n = JSON.createObjectNode().put("id", id).put("family", family).put("model", model)
                    .put("state", last.state().name()).put("status", last.rawStatus())
                    .put("events", "/generations/" + id + "/events");
            n.put("finished", finished);
            return n;
        }
    }

    private final TaskpollClient client;
    private final ResultCapture capture;
    private final int maxTasks;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(); // guarded by this

    Generations(TaskpollClient client, ResultCapture capture, int maxTasks) {
        this.client = client;
        this.capture = capture;
        if (maxTasks < 1) {
            throw new IllegalArgumentException("taskpoll.max-tasks: " + maxTasks + " must be at least 1");
        }
        this.maxTasks = maxTasks;
    }

    /** Submits, then tracks and captures in the background; the entry is there before the Mono completes. */
    Mono<Entry> submit(GenerationRequest request) {
        return client.submit(request).map(submission -> {
            Entry entry = new Entry(submission);
            synchronized (this) {
                entries.put(entry.id, entry);
                evict();
            }
            entry.tracking = capture.attach(client.track(submission))
                    .map(e -> {
                        if (e instanceof TaskStatus s) {
                            entry.last = s;
                            return event("status", StatusJson.line(s));
                        }
                        return captureEvent(entry, (CaptureEvent) e);
                    })
                    .onErrorResume(e -> Mono.just(event("problem", JSON.createObjectNode()
                            .put("id", entry.id).put("message", String.valueOf(e.getMessage())).toString())))
                    .concatWith(Mono.fromSupplier(() -> event("end", "{\"id\":\"" + entry.id + "\"}")))
                    .doFinally(sig -> {
                        entry.finished = true;
                        entry.events.tryEmitComplete();
                    })
                    .subscribe(entry.events::tryEmitNext);
            return entry;
        });
    }

    Optional<Entry> get(String id) {
        synchronized (this) {
            return Optional.ofNullable(entries.get(id));
        }
    }

    List<Entry> list() {
        synchronized (this) {
            return new ArrayList<>(entries.values());
        }
    }

    private void evict() {
        Iterator<Entry> it = entries.values().iterator();
        while (entries.size() > maxTasks && it.hasNext()) {
            if (it.next().finished) {
                it.remove();
            }
        }
    }

    private static ServerSentEvent<String> captureEvent(Entry entry, CaptureEvent e) {
        if (e instanceof CaptureEvent.Stored s) {
            String name = s.path().getFileName().toString();
            entry.files.put(name, s);
            return event("stored", JSON.createObjectNode().put("id", s.taskId()).put("index", s.index())
                    .put("url", "/results/" + s.taskId() + "/" + name).put("size", s.size())
                    .put("sha256", s.sha256()).put("contentType", s.contentType()).toString());
        }
        if (e instanceof CaptureEvent.Failed f) {
            return event("problem", JSON.createObjectNode().put("id", f.taskId())
                    .put("message", String.valueOf(f.failure().getMessage())).toString());
        }
        CaptureEvent.ExpiryWarning w = (CaptureEvent.ExpiryWarning) e;
        return event("problem", JSON.createObjectNode().put("id", w.taskId())
                .put("message", "results expire at " + w.expiresAt() + " and are not stored yet").toString());
    }

    private static ServerSentEvent<String> event(String name, String data) {
        return ServerSentEvent.<String>builder().event(name).data(data).build();
    }

    @Override
    public void close() {
        for (Entry e : list()) {
            Disposable d = e.tracking;
            if (d != null) {
                d.dispose();
            }
        }
    }
}
