package dev.taskpoll.examples.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskpoll.StoredFile;
import dev.taskpoll.Submission;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.capture.CaptureEvent;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.examples.StatusJson;
import java.nio.file.Path;
import java.time.Duration;
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
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The dashboard's generations: each submitted task is tracked once, its statuses and stored results kept as a replay
 * of Server-Sent Events, so any number of browsers (and late ones) see the whole story. The client records every
 * task in its store and stores results itself (its capture), so after a restart the generations it recorded are
 * shown again, the finished ones with their files and the unfinished ones tracked again. At most {@code maxTasks}
 * are kept; beyond that the oldest finished ones are forgotten (their files stay on disk).
 */
final class Generations implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One generation as the dashboard knows it. */
    static final class Entry {
        final String id;
        final String family;
        final String model;
        /** The prompt and the other fields of the request as sent (what a card shows). */
        final @Nullable String prompt;
        final Map<String, Object> params;
        final java.time.Instant submittedAt;
        volatile java.time.@Nullable Instant endedAt;
        volatile @Nullable String error;
        final Sinks.Many<ServerSentEvent<String>> events = Sinks.many().replay().all();
        final Map<String, File> files = new ConcurrentHashMap<>();
        volatile TaskStatus last;
        volatile boolean finished;
        volatile @Nullable Disposable tracking;

        Entry(Submission s, GenerationRequest request, java.time.Instant at) {
            this.id = s.taskId();
            this.family = s.family().name();
            this.model = s.model();
            this.last = s.status();
            this.submittedAt = at;
            this.prompt = promptOf(request.body());
            this.params = paramsOf(request.body());
        }

        /** Adds an event to the replay; serialised, as statuses and capture events come from different threads. */
        synchronized void emit(ServerSentEvent<String> event) {
            events.tryEmitNext(event);
        }

        synchronized void end() {
            finished = true;
            events.tryEmitComplete();
        }

        /** A generation recorded by an earlier run (its last status known). */
        Entry(TaskRecord r) {
            this.id = java.util.Objects.requireNonNull(r.id());
            this.family = r.kind().name();
            this.model = r.model() == null ? "" : r.model();
            this.last = java.util.Objects.requireNonNull(r.last());
            this.submittedAt = r.submittedAt();
            this.endedAt = r.endedAt();
            this.error = r.error();
            Map<String, Object> sent = new LinkedHashMap<>();
            if (r.request() != null) {
                try {
                    sent.putAll(JSON.readValue(r.request(), new com.fasterxml.jackson.core.type.TypeReference<
                            Map<String, Object>>() { }));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    // an unreadable request: the card shows no prompt
                }
            }
            this.prompt = promptOf(sent);
            this.params = paramsOf(sent);
        }

        /** A request's prompt: its own, a generic input's, or a Seedance 1.5 content list's text; null if none. */
        private static @Nullable String promptOf(Map<String, Object> body) {
            if (body.get("prompt") instanceof String p) {
                return p;
            }
            if (body.get("input") instanceof Map<?, ?> input && input.get("prompt") instanceof String p) {
                return p;
            }
            if (body.get("content") instanceof List<?> items) {
                for (Object o : items) {
                    if (o instanceof Map<?, ?> m && "text".equals(m.get("type")) && m.get("text") instanceof String t) {
                        return t;
                    }
                }
            }
            return null;
        }

        /** A request's other fields (a generic input's, for the generic dialect): what a card lists. */
        private static Map<String, Object> paramsOf(Map<String, Object> body) {
            Map<String, Object> rest = new LinkedHashMap<>(body);
            rest.keySet().removeAll(List.of("prompt", "model", "content", "callback_url", "input"));
            if (body.get("input") instanceof Map<?, ?> input) {
                input.forEach((k, v) -> {
                    if (!"prompt".equals(k)) {
                        rest.put(String.valueOf(k), v);
                    }
                });
            }
            return rest;
        }

        ObjectNode summary() {
            ObjectNode n = JSON.createObjectNode().put("id", id).put("family", family).put("model", model)
                    .put("state", last.state().name()).put("status", last.rawStatus())
                    .put("events", "/generations/" + segment(id) + "/events")
                    .put("prompt", prompt).put("submittedAt", submittedAt.toString())
                    .put("endedAt", endedAt == null ? null : endedAt.toString()).put("error", error);
            n.set("params", JSON.valueToTree(params));
            n.put("finished", finished);
            return n;
        }
    }

    /** A stored result the dashboard serves: its recorded path, size and content type. */
    record File(Path path, long size, String contentType) {
    }

    private final TaskpollClient client;
    private final int maxTasks;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(); // guarded by this
    /** The streams of {@link #all()}: each told of a generation as it is added, under the lock that adds it. */
    private final List<FluxSink<Entry>> followers = new ArrayList<>(); // guarded by this
    private final Disposable captures;
    /** Ends every open event stream when the application stops ({@link #endStreams}). */
    private final Sinks.Empty<Void> stopping = Sinks.empty();

    Generations(TaskpollClient client, int maxTasks) {
        this.client = client;
        // the client stores results (ClientOptions.capture) and reports them on its event feed
        this.captures = client.events().subscribe(e -> {
            if (e instanceof CaptureEvent c) {
                Entry entry;
                synchronized (this) {
                    entry = entries.get(c.taskId());
                }
                if (entry != null) {
                    entry.emit(captureEvent(entry, c));
                }
            }
        });
        if (maxTasks < 1) {
            throw new IllegalArgumentException("taskpoll.max-tasks: " + maxTasks + " must be at least 1");
        }
        this.maxTasks = maxTasks;
    }

    /**
     * The generations the store recorded before this start, oldest first: the finished ones with their files, the
     * open ones tracked again (the client resumes them; their cards follow).
     */
    void loadRecorded() {
        List<TaskRecord> recorded;
        try {
            recorded = client.tasks(null).collectList().block(Duration.ofMinutes(1));
        } catch (dev.taskpoll.TaskStoreException e) {
            // the starter's promise: a store that cannot be opened does not stop the application (its health is DOWN
            // and every submit says why); the dashboard starts too, with no earlier generations to show
            reactor.util.Loggers.getLogger(Generations.class).error("dashboard: earlier generations are not shown: "
                    + e.getMessage());
            return;
        }
        if (recorded == null) {
            return;
        }
        for (int i = recorded.size() - 1; i >= 0; i--) {
            TaskRecord r = recorded.get(i);
            if (r.id() == null || r.last() == null) {
                continue; // a submit in doubt: no task to show
            }
            Entry entry = new Entry(r);
            List<ServerSentEvent<String>> stored = new ArrayList<>();
            for (StoredFile f : r.files()) {
                Path p = Path.of(f.path());
                String name = p.getFileName().toString();
                stored.add(stored(entry, f.index(), name, new File(p, f.size(), contentType(name)), f.sha256()));
            }
            add(entry);
            if (r.phase() == TaskRecord.Phase.ENDED) {
                entry.emit(event("status", StatusJson.sharedLine(r.last())));
                stored.forEach(entry::emit);
                if (r.error() != null) {
                    entry.emit(event("problem", JSON.createObjectNode().put("id", entry.id)
                            .put("message", r.error()).toString()));
                }
                entry.emit(event("end", JSON.createObjectNode().put("id", entry.id)
                        .put("endedAt", r.endedAt() == null ? null : r.endedAt().toString()).toString()));
                entry.end();
            } else {
                TaskRef ref = TaskRef.of(entry.id, r.kind(), r.model());
                follow(entry, client.track(ref), ref);
            }
        }
    }

    /**
     * The content type a stored result is served with: from its extension, which capture chose from the types it knows
     * (anything else is {@code .bin}), never the header the result's host sent (a {@code text/html} result would
     * otherwise run as a page of this dashboard). The same live and after a restart.
     */
    static String contentType(String name) {
        int dot = name.lastIndexOf('.');
        return SERVED.getOrDefault(dot < 0 ? "" : name.substring(dot + 1), "application/octet-stream");
    }

    private static final Map<String, String> SERVED = Map.ofEntries(Map.entry("mp4", "video/mp4"),
            Map.entry("webm", "video/webm"), Map.entry("mov", "video/quicktime"), Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"), Map.entry("webp", "image/webp"), Map.entry("gif", "image/gif"),
            Map.entry("mp3", "audio/mpeg"), Map.entry("wav", "audio/wav"), Map.entry("json", "application/json"),
            Map.entry("txt", "text/plain"));

    /**
     * Submits, then tracks in the background (the client stores the results); the entry is there before the Mono
     * completes. The submit runs to its end whoever waits for it: a caller that goes away (a closed tab, a client's
     * timeout) does not take the create call's answer with it, so the generation, paid for, is listed and tracked.
     */
    Mono<Entry> submit(GenerationRequest request) {
        Mono<Entry> submitted = client.submit(request).map(submission -> {
            Entry entry = new Entry(submission, request, client.options().trackerOptions().clock().instant());
            add(entry);
            follow(entry, client.track(submission), submission.ref());
            return entry;
        }).cache();
        submitted.subscribe(null, e -> { }); // its error is the caller's answer (the route's 400 or 502), if any
        return submitted;
    }

    private void follow(Entry entry, Flux<TaskStatus> statuses, TaskRef ref) {
            entry.tracking = statuses
                    .concatMapIterable(s -> {
                        entry.last = s;
                        ServerSentEvent<String> status = event("status", StatusJson.sharedLine(s));
                        // with a learned cadence: when the task is expected to end, from now (seconds)
                        return s.isTerminal() ? List.of(status) : client.tracker().expectedEnd(ref)
                                .map(e -> List.of(status, event("expected", JSON.createObjectNode().put("id", entry.id)
                                        .put("median", e.median().toSeconds()).put("low", e.low().toSeconds())
                                        .put("high", e.high().toSeconds()).toString())))
                                .orElse(List.of(status));
                    })
                    .onErrorResume(e -> {
                        entry.error = String.valueOf(e.getMessage());
                        return Mono.just(event("problem", JSON.createObjectNode()
                                .put("id", entry.id).put("message", entry.error).toString()));
                    })
                    .concatWith(Mono.fromSupplier(() -> {
                        entry.endedAt = client.options().trackerOptions().clock().instant();
                        return event("end", JSON.createObjectNode().put("id", entry.id)
                                .put("endedAt", entry.endedAt.toString()).toString());
                    }))
                    .doFinally(sig -> entry.end())
                    .subscribe(entry::emit);
    }

    /** The fleet now, for the dashboard's panel. */
    ObjectNode fleet() {
        dev.taskpoll.FleetStats f = client.tracker().stats();
        return JSON.createObjectNode().put("activeTasks", f.activeTasks()).put("rate", f.currentRate())
                .put("inFlight", f.inFlight()).put("throttled", f.throttled()).put("retries", f.retries())
                .put("requests", f.requestsSent()).put("circuit", f.circuitState()).put("pausedMillis",
                        f.pausedMillis()).put("waiting", f.waiting());
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

    private synchronized void add(Entry entry) {
        entries.put(entry.id, entry);
        evict();
        followers.forEach(f -> f.next(entry));
    }

    /**
     * Every generation's events on one stream, for a page that shows them all: a browser keeps at most six connections
     * to a host over HTTP/1.1, so a stream per card would leave the seventh card, and then the page's own requests,
     * waiting. For each generation, the ones held now and each added later (submitted or loaded), a
     * {@code generation} event (its {@linkplain Entry#summary() summary}) then its own events, replayed from the
     * first; every event's data names its generation ({@code id}). Never completes (generations keep coming).
     */
    Flux<ServerSentEvent<String>> all() {
        return Flux.<Entry>create(sink -> {
            synchronized (this) {
                // under the lock that adds: each generation is either in the snapshot or told of, never both nor none
                entries.values().forEach(sink::next);
                followers.add(sink);
            }
            sink.onDispose(() -> {
                synchronized (this) {
                    followers.remove(sink);
                }
            });
        }).flatMap(e -> Flux.just(event("generation", e.summary().toString())).concatWith(e.events.asFlux()),
                Integer.MAX_VALUE).takeUntilOther(stopping.asMono());
    }

    /** One generation's events, replayed from the first, until it ends or the application stops. */
    Flux<ServerSentEvent<String>> events(Entry entry) {
        return entry.events.asFlux().takeUntilOther(stopping.asMono());
    }

    /**
     * The application is stopping: every open event stream ends, so that the server's graceful shutdown does not wait
     * for them (an open page held it for its whole 30 s); tracking goes on until the client closes.
     */
    void endStreams() {
        stopping.tryEmitEmpty();
    }

    private void evict() {
        Iterator<Entry> it = entries.values().iterator();
        while (entries.size() > maxTasks && it.hasNext()) {
            if (it.next().finished) {
                it.remove();
            }
        }
    }

    /** A stored result: kept to be served, and its {@code stored} event (the same live and after a restart). */
    private static ServerSentEvent<String> stored(Entry entry, int index, String name, File file, String sha256) {
        entry.files.put(name, file);
        return event("stored", JSON.createObjectNode().put("id", entry.id).put("index", index)
                .put("url", "/results/" + segment(entry.id) + "/" + segment(name)).put("size", file.size())
                .put("sha256", sha256).put("contentType", file.contentType()).toString());
    }

    private static ServerSentEvent<String> captureEvent(Entry entry, CaptureEvent e) {
        if (e instanceof CaptureEvent.Stored s) {
            return stored(entry, s.index(), s.path().getFileName().toString(),
                    new File(s.path(), s.size(), contentType(s.path().getFileName().toString())), s.sha256());
        }
        if (e instanceof CaptureEvent.Failed f) {
            entry.error = String.valueOf(f.failure().getMessage());
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
        captures.dispose();
        for (Entry e : list()) {
            Disposable d = e.tracking;
            if (d != null) {
                d.dispose();
            }
        }
    }

    /** A task id (the provider's) or a file name as one path segment of a link: encoded. */
    static String segment(String value) {
        return org.springframework.web.util.UriUtils.encodePathSegment(value, java.nio.charset.StandardCharsets.UTF_8);
    }
}
