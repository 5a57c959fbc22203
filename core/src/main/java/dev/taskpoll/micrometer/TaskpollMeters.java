package dev.taskpoll.micrometer;

import dev.taskpoll.FleetStats;
import dev.taskpoll.ModelStats;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.spi.Cadence;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import reactor.core.Disposable;

/**
 * The fleet's figures as Micrometer meters, for applications that have Micrometer (an optional dependency of
 * taskpoll: this class is the only one that needs it). In Spring Boot, declare it as a bean and it is bound to the
 * application's registry; elsewhere call {@link #bindTo(MeterRegistry)}.
 *
 * <p>Meters, each tagged {@code client=<name>}: counters {@code taskpoll.requests} (status requests sent, retries
 * included), {@code taskpoll.throttled} (429 answers), {@code taskpoll.retries}; gauges {@code taskpoll.tasks.active},
 * {@code taskpoll.rate} (the shared budget's requests per second), {@code taskpoll.inflight},
 * {@code taskpoll.waiting} (requests waiting for the budget), {@code taskpoll.paused} (ms left of a fleet-wide
 * {@code Retry-After} pause), {@code taskpoll.circuit.open} (1 open, 0.5 half-open, 0 closed),
 * {@code taskpoll.pool.acquired} and {@code taskpoll.pool.pending} (connections). Per model, also tagged
 * {@code family} and {@code model} ({@code unknown} for tasks tracked without one; {@code (other models)} for those
 * beyond the first {@link dev.taskpoll.ModelStats#MODELS_KEPT} a client tracked): counters {@code taskpoll.polls},
 * {@code taskpoll.tasks.started}, {@code taskpoll.tasks.ended} (tagged {@code outcome}: completed, failed, error) and
 * {@code taskpoll.tasks.stalled} (past the learned 99.9th percentile), timers {@code taskpoll.task.duration} (from the
 * start of tracking, the submit, to the terminal status) and {@code taskpoll.poll.latency} (a poll's first request to
 * its answer), a gauge {@code taskpoll.polls.per.task}; with a learning cadence, gauges
 * {@code taskpoll.cadence.median}, {@code taskpoll.cadence.p95} (the learned completion time) and
 * {@code taskpoll.cadence.lag} (the mean detection lag its schedule expects), in seconds, NaN until it has learned
 * something (and for a model the cadence learns in its kind's unnamed model, past its own cap; none for
 * {@code (other models)}); polls per task is also {@code taskpoll.polls} over {@code taskpoll.tasks.ended}. All registered when a model is
 * first tracked. Values are read when the registry asks: nothing is recorded on the poll
 * path but a counter increment.
 */
public final class TaskpollMeters implements MeterBinder, AutoCloseable {

    private final TaskpollClient client;
    private final Tags tags;
    private final List<Disposable> watches = new CopyOnWriteArrayList<>();
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

    /**
     * The meters of {@code client}.
     *
     * @param client the client
     * @param name   the value of the {@code client} tag
     */
    public TaskpollMeters(TaskpollClient client, String name) {
        this.client = Objects.requireNonNull(client, "client");
        this.tags = Tags.of(Tag.of("client", Objects.requireNonNull(name, "name")));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        registries.add(registry);
        counter(registry, "taskpoll.requests", "status requests sent, retries included", s -> s.requestsSent());
        counter(registry, "taskpoll.throttled", "429 answers", s -> s.throttled());
        counter(registry, "taskpoll.retries", "attempts that were retries", s -> s.retries());
        gauge(registry, "taskpoll.tasks.active", "tasks being polled", s -> s.activeTasks());
        gauge(registry, "taskpoll.rate", "the shared budget's rate, requests per second", s -> s.currentRate());
        gauge(registry, "taskpoll.inflight", "requests in flight", s -> s.inFlight());
        gauge(registry, "taskpoll.waiting", "requests waiting for the shared budget", s -> s.waiting());
        gauge(registry, "taskpoll.paused", "ms left of a fleet-wide Retry-After pause", s -> s.pausedMillis());
        gauge(registry, "taskpoll.circuit.open", "1 open, 0.5 half-open, 0 closed", s -> circuit(s.circuitState()));
        Gauge.builder("taskpoll.pool.acquired", client, c -> c.poolStats().acquired()).tags(tags)
                .description("connections carrying a request").register(registry);
        Gauge.builder("taskpoll.pool.pending", client, c -> c.poolStats().pending()).tags(tags)
                .description("requests waiting for a connection").register(registry);
        watches.add(client.tracker().watchModels(m -> bindModel(registry, m)));
    }

    /** The per-model meters, registered when a model is first tracked (or at bind time for those already seen). */
    private void bindModel(MeterRegistry registry, ModelStats.Live m) {
        Tags t = tags.and("family", m.kind().name()).and("model", m.model() == null ? "unknown" : m.model());
        FunctionCounter.builder("taskpoll.polls", m, x -> x.snapshot().polls()).tags(t)
                .description("polls sent for tasks of this model (retries not counted)").register(registry);
        FunctionCounter.builder("taskpoll.tasks.started", m, x -> x.snapshot().started()).tags(t)
                .description("tasks of this model whose tracking started").register(registry);
        FunctionCounter.builder("taskpoll.tasks.ended", m, x -> x.snapshot().completed()).tags(t.and("outcome",
                "completed")).description("tasks of this model that ended").register(registry);
        FunctionCounter.builder("taskpoll.tasks.ended", m, x -> x.snapshot().failed()).tags(t.and("outcome",
                "failed")).description("tasks of this model that ended").register(registry);
        FunctionCounter.builder("taskpoll.tasks.ended", m, x -> x.snapshot().errors()).tags(t.and("outcome",
                "error")).description("tasks of this model that ended").register(registry);
        FunctionCounter.builder("taskpoll.tasks.stalled", m, x -> x.snapshot().stalled()).tags(t)
                .description("tasks of this model that ran past its learned 99.9th percentile").register(registry);
        FunctionTimer.builder("taskpoll.task.duration", m, x -> x.snapshot().timedEnds(),
                        x -> x.snapshot().timeToEndMillis(), TimeUnit.MILLISECONDS).tags(t)
                .description("time from the start of tracking (the submit) to the terminal status").register(registry);
        FunctionTimer.builder("taskpoll.poll.latency", m, x -> x.snapshot().answers(),
                        x -> x.snapshot().answerMillis(), TimeUnit.MILLISECONDS).tags(t)
                .description("from a poll's first request to its answer, retries included").register(registry);
        Gauge.builder("taskpoll.polls.per.task", m, x -> x.snapshot().pollsPerEndedTask()).tags(t)
                .description("polls per task ended so far").register(registry);
        if (dev.taskpoll.ModelStats.OTHER_MODELS.equals(m.model())) {
            return; // many models together: no one learned figure (the cadence learns them in its kind's KIND/*)
        }
        String key = m.kind().name() + "/" + (m.model() == null ? "*" : m.model());
        cadenceGauge(registry, t, key, "taskpoll.cadence.median", "learned median completion time, seconds",
                Cadence.Model::median);
        cadenceGauge(registry, t, key, "taskpoll.cadence.p95", "learned 95th percentile of the completion time, seconds",
                Cadence.Model::p95);
        cadenceGauge(registry, t, key, "taskpoll.cadence.lag", "the mean detection lag the schedule expects, seconds",
                Cadence.Model::expectedMeanLag);
    }

    /**
     * A learned figure of one model, read from the cadence when asked; NaN while it has learned nothing of it. A
     * learned cadence keeps a model per request shape ({@code KIND/model/shape}: a duration, a resolution): the figure
     * is that of the model's most observed shape (requests without a shape count as one).
     */
    private void cadenceGauge(MeterRegistry registry, Tags t, String key, String name, String description,
                              java.util.function.Function<Cadence.Model, java.time.Duration> figure) {
        String shaped = key + "/";
        Gauge.builder(name, client, c -> c.tracker().cadenceModels().stream()
                        .filter(x -> x.key().equals(key) || x.key().startsWith(shaped))
                        .max(java.util.Comparator.comparingLong(Cadence.Model::observations))
                        .map(x -> figure.apply(x).toMillis() / 1000.0).orElse(Double.NaN))
                .tags(t).description(description + " (of its most observed request shape)").register(registry);
    }

    /**
     * Stops registering meters for models tracked from now on, and removes this client's meters from the registries it
     * was bound to: a client bound later under the same name gets meters of its own (a registry hands back the meter
     * it holds for the same name and tags, which read the closed client).
     */
    @Override
    public void close() {
        watches.forEach(Disposable::dispose);
        watches.clear();
        for (MeterRegistry registry : registries) {
            registry.getMeters().stream().filter(m -> m.getId().getName().startsWith("taskpoll.")
                            && tags.stream().allMatch(t -> t.getValue().equals(m.getId().getTag(t.getKey()))))
                    .toList().forEach(registry::remove);
        }
        registries.clear();
    }

    static double circuit(String state) {
        switch (state) {
            case "OPEN":
            case "FORCED_OPEN":
                return 1;
            case "HALF_OPEN":
                return 0.5;
            default:
                return 0;
        }
    }

    private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<FleetStats> f) {
        FunctionCounter.builder(name, client, c -> f.applyAsDouble(c.tracker().stats())).tags(tags)
                .description(description).register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<FleetStats> f) {
        Gauge.builder(name, client, c -> f.applyAsDouble(c.tracker().stats())).tags(tags)
                .description(description).register(registry);
    }
}
