package dev.taskpoll.micrometer;

import dev.taskpoll.InvalidRequestException;
import dev.taskpoll.Submission;
import dev.taskpoll.SubmitOutcomeUnknownException;
import dev.taskpoll.SubmitRejectedException;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskTimeoutException;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.catalog.GenerationRequest;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

/**
 * A client's submits and trackings as Micrometer observations, so that a trace shows a generation end to end and
 * the observation handlers (timers, spans) see each one. Call the client through this class where you want them
 * observed; it adds nothing to the client itself.
 *
 * <ul>
 *   <li>{@code taskpoll.submit}: one create call, from subscription to its answer. Low-cardinality keys
 *       {@code family}, {@code model} and {@code outcome} ({@code accepted}, {@code rejected} (the API refused it),
 *       {@code invalid} (refused before sending), {@code unknown} (sent, answer lost: the task may exist),
 *       {@code error}, or {@code unsubscribed}); high-cardinality {@code task.id} once known. The {@code model} of
 *       the first {@link dev.taskpoll.ModelStats#MODELS_KEPT} models observed is their name, of later ones
 *       {@code (other models)}: what a service's callers name stays a bounded set of values.</li>
 *   <li>{@code taskpoll.task}: one task's tracking, from subscription to its end. Keys {@code family}, {@code model},
 *       {@code outcome} ({@code completed}, {@code failed}, {@code cancelled}, {@code timeout} (its deadline
 *       passed), {@code error}, or {@code unsubscribed} (the subscriber left first)) and {@code task.id}; an event
 *       {@code taskpoll.status.<state>} for every status it emits.</li>
 * </ul>
 *
 * <p>Each observation's parent is the one current in the subscriber's Reactor context
 * ({@code ObservationThreadLocalAccessor.KEY}, what Spring WebFlux and Reactor's {@code Micrometer.observation} put
 * there), so both appear under the request that made them. Micrometer is an optional dependency of taskpoll; this
 * class needs {@code micrometer-observation} (which {@code micrometer-core} brings).
 */
public final class TaskpollObservations {

    /**
     * Where Reactor's context carries the current observation: the value of Micrometer's
     * {@code ObservationThreadLocalAccessor.KEY}, written out so that this class does not need the
     * context-propagation library that declares it.
     */
    static final String CONTEXT_KEY = "micrometer.observation";

    private final TaskpollClient client;
    private final ObservationRegistry registry;
    /** The models observed under their own name: at most {@link dev.taskpoll.ModelStats#MODELS_KEPT}. */
    private final java.util.Set<String> models = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Observations of {@code client}'s submits and trackings.
     *
     * @param client   the client
     * @param registry where the observations go
     */
    public TaskpollObservations(TaskpollClient client, ObservationRegistry registry) {
        this.client = Objects.requireNonNull(client, "client");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * {@link TaskpollClient#submit(GenerationRequest)}, observed as {@code taskpoll.submit}.
     *
     * @param request the generation to submit
     * @return the accepted task
     */
    public Mono<Submission> submit(GenerationRequest request) {
        Objects.requireNonNull(request, "request");
        return Mono.deferContextual(ctx -> {
            Observation o = start("taskpoll.submit", request.family().name(), request.model(), ctx);
            AtomicBoolean ended = new AtomicBoolean();
            return client.submit(request)
                    .doOnNext(s -> o.highCardinalityKeyValue("task.id", s.taskId()))
                    .doOnSuccess(s -> end(o, ended, "accepted", null))
                    .doOnError(e -> end(o, ended, submitOutcome(e), e))
                    .doOnCancel(() -> end(o, ended, "unsubscribed", null))
                    .contextWrite(c -> c.put(CONTEXT_KEY, o));
        });
    }

    /**
     * {@link TaskpollClient#track(Submission)}, observed as {@code taskpoll.task}.
     *
     * @param submission the create call's answer
     * @return the task's statuses
     */
    public Flux<TaskStatus> track(Submission submission) {
        Objects.requireNonNull(submission, "submission");
        return Flux.deferContextual(ctx -> {
            Observation o = start("taskpoll.task", submission.family().name(), submission.model(), ctx)
                    .highCardinalityKeyValue("task.id", submission.taskId());
            AtomicBoolean ended = new AtomicBoolean();
            return client.track(submission)
                    .doOnNext(st -> {
                        o.event(Observation.Event.of("taskpoll.status." + lower(st.state().name())));
                        if (st.state().isTerminal()) {
                            end(o, ended, lower(st.state().name()), null);
                        }
                    })
                    .doOnComplete(() -> end(o, ended, "error", null)) // ended without a terminal status
                    .doOnError(e -> end(o, ended, e instanceof TaskTimeoutException ? "timeout" : "error", e))
                    .doOnCancel(() -> end(o, ended, "unsubscribed", null))
                    .contextWrite(c -> c.put(CONTEXT_KEY, o));
        });
    }

    /**
     * Both: {@link #submit} then {@link #track}, two observations under the subscriber's current one.
     *
     * @param request the generation to submit
     * @return its statuses, the first carrying the task id
     */
    public Flux<TaskStatus> submitAndTrack(GenerationRequest request) {
        return submit(request).flatMapMany(this::track);
    }

    private Observation start(String name, String family, String model, ContextView ctx) {
        Observation parent = ctx.getOrDefault(CONTEXT_KEY, null);
        Observation o = Observation.createNotStarted(name, registry)
                .lowCardinalityKeyValue("family", family)
                .lowCardinalityKeyValue("model", bounded(model));
        if (parent != null) {
            o.parentObservation(parent);
        }
        return o.start();
    }

    /**
     * The model as a low-cardinality value: its name for the first {@link dev.taskpoll.ModelStats#MODELS_KEPT} models
     * observed, {@link dev.taskpoll.ModelStats#OTHER_MODELS} after them (the generic dialect takes any model name: a
     * service passing on its callers' made a timer per name without end).
     */
    private String bounded(String model) {
        if (models.contains(model)) {
            return model;
        }
        if (models.size() >= dev.taskpoll.ModelStats.MODELS_KEPT) {
            return dev.taskpoll.ModelStats.OTHER_MODELS;
        }
        models.add(model);
        return model;
    }

    private static void end(Observation o, AtomicBoolean ended, String outcome, @Nullable Throwable error) {
        if (ended.compareAndSet(false, true)) {
            o.lowCardinalityKeyValue("outcome", outcome);
            if (error != null) {
                o.error(error);
            }
            o.stop();
        }
    }

    private static String submitOutcome(Throwable e) {
        if (e instanceof InvalidRequestException) {
            return "invalid";
        }
        if (e instanceof SubmitRejectedException) {
            return "rejected";
        }
        return e instanceof SubmitOutcomeUnknownException ? "unknown" : "error";
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
