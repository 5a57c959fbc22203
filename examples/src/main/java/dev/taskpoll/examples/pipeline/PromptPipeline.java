package dev.taskpoll.examples.pipeline;

import dev.taskpoll.TaskEvent;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.capture.CaptureEvent;
import dev.taskpoll.capture.ResultCapture;
import dev.taskpoll.catalog.GenerationRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Prompts in, stored results out, from plain Reactor operators: {@code flatMap} with a concurrency bound submits
 * and tracks, {@code concatMap} captures, {@code reduce} sums up. Nothing blocks; at most {@code concurrency}
 * generations are in progress at once; a task that fails or errors is counted, never dropped.
 *
 * <pre>{@code
 * PromptPipeline.Summary s = PromptPipeline.run(client, capture, Flux.fromIterable(prompts),
 *         p -> GenerationRequest.nanoBanana("nano-banana-2", p).build(), 8).block();
 * }</pre>
 */
public final class PromptPipeline {

    private PromptPipeline() {
    }

    /**
     * How one prompt ended: its task id (null only when the submit itself failed), the last status, the files stored,
     * or the error; a task that was created is never reported without its id.
     */
    public record Result(String prompt, @Nullable String taskId, @Nullable TaskStatus last,
                         List<CaptureEvent.Stored> stored, @Nullable Throwable error) {

        /** From the events {@code ResultCapture.attach} gave for one prompt's task; a failed capture is its error. */
        static Result of(String prompt, List<TaskEvent> events) {
            TaskStatus last = null;
            List<CaptureEvent.Stored> stored = new ArrayList<>();
            Throwable error = null;
            for (TaskEvent e : events) {
                if (e instanceof TaskStatus s) {
                    last = s;
                } else if (e instanceof CaptureEvent.Stored s) {
                    stored.add(s);
                } else if (e instanceof CaptureEvent.Failed f) {
                    error = f.failure();
                }
            }
            return new Result(prompt, events.isEmpty() ? null : events.get(0).taskId(), last, List.copyOf(stored),
                    error);
        }

        boolean completed() {
            return error == null && last != null && last.state() == TaskState.COMPLETED;
        }
    }

    /** The pipeline's totals. */
    public record Summary(int prompts, int completed, int failed, int errors, int files, long bytes) {
        static final Summary EMPTY = new Summary(0, 0, 0, 0, 0, 0);

        Summary plus(Result r) {
            boolean failedTask = r.error() == null && !r.completed();
            return new Summary(prompts + 1, completed + (r.completed() ? 1 : 0), failed + (failedTask ? 1 : 0),
                    errors + (r.error() != null ? 1 : 0), files + r.stored().size(),
                    bytes + r.stored().stream().mapToLong(CaptureEvent.Stored::size).sum());
        }
    }

    /** Each prompt's result, in completion order. */
    public static Flux<Result> results(TaskpollClient client, ResultCapture capture, Flux<String> prompts,
                                       Function<String, GenerationRequest> request, int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency: " + concurrency + " must be at least 1");
        }
        return prompts.flatMap(prompt -> {
            AtomicReference<String> id = new AtomicReference<>(); // the first status carries it
            return Flux.defer(() -> capture.attach(client.submitAndTrack(request.apply(prompt))))
                    .doOnNext(e -> id.compareAndSet(null, e.taskId()))
                    .collectList()
                    .map(events -> Result.of(prompt, events))
                    .onErrorResume(e -> Mono.just(new Result(prompt, id.get(), null, List.of(), e)));
        }, concurrency);
    }

    /** The totals, once every prompt has ended. */
    public static Mono<Summary> run(TaskpollClient client, ResultCapture capture, Flux<String> prompts,
                                    Function<String, GenerationRequest> request, int concurrency) {
        return summarize(results(client, capture, prompts, request, concurrency));
    }

    /** The totals of some results. */
    static Mono<Summary> summarize(Flux<Result> results) {
        return results.reduce(Summary.EMPTY, Summary::plus);
    }
}
