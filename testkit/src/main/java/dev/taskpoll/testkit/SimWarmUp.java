package dev.taskpoll.testkit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * {@code --warm-up SECONDS}: before the simulator process listens, traffic like a benchmark's (VEO tasks created over
 * HTTP, then polled until they end) runs against a throwaway simulator in the same JVM, so that the JIT has compiled
 * the request paths, the completed-task path (signed result URLs) included, before anything is measured.
 *
 * <p>Why: a benchmark starts a fresh simulator process per run. Without this, its status path was compiled while the
 * first polls were being measured, and its completed-task path when the first tasks completed (seconds into the
 * run), and the polls of those moments were counted late against the client. The throwaway instance has its own
 * port and ledger; the real one starts with none of its tasks.
 */
final class SimWarmUp {

    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern TERMINAL = Pattern.compile("\"status\"\\s*:\\s*\"(completed|failed|cancelled)\"");

    /** What the warm-up did: tasks created, status requests answered, tasks seen ending, and how they ended. */
    record Done(long created, long polls, long ended, long completed, long failed) {
    }

    private SimWarmUp() {
    }

    /**
     * Runs the traffic for {@code length} (real time) and returns what it did. Tasks take 0.1-0.4 s, so that about one
     * status in four is a final one (signed result URL and all), and one in ten fails, so that every outcome's path
     * runs; 256 tasks are in flight at a time, each polled again as soon as it is answered.
     */
    static Done run(Duration length) {
        long until = System.nanoTime() + length.toNanos();
        return run(i -> System.nanoTime() < until, length.plusSeconds(30));
    }

    /**
     * The same traffic, creating task {@code i} while {@code more} says so; waits (at most {@code bound}) until every
     * task created has ended.
     */
    static Done run(IntPredicate more, Duration bound) {
        Simulator sim = Simulator.builder().port(0).apiKey("warm-up").seed(7).failureRate(0.1)
                .generationTime(Duration.ofMillis(100), Duration.ofMillis(400)).build().start();
        ConnectionProvider pool = ConnectionProvider.builder("sim-warm-up").maxConnections(256).build();
        AtomicLong created = new AtomicLong();
        AtomicLong polls = new AtomicLong();
        AtomicLong ended = new AtomicLong();
        AtomicLong completed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        try {
            HttpClient http = HttpClient.create(pool).baseUrl(sim.baseUrl())
                    .headers(h -> h.set("Authorization", "Bearer warm-up").set("Content-Type", "application/json"));
            Flux.range(0, Integer.MAX_VALUE)
                    .takeWhile(more::test)
                    .flatMap(i -> create(http, i).doOnNext(id -> created.incrementAndGet())
                            .flatMap(id -> pollUntilEnd(http, id, polls)).doOnNext(end -> {
                                ended.incrementAndGet();
                                (end.equals("completed") ? completed : failed).incrementAndGet();
                            }), 256)
                    .then()
                    .block(bound);
        } finally {
            pool.dispose();
            sim.close();
        }
        return new Done(created.get(), polls.get(), ended.get(), completed.get(), failed.get());
    }

    private static Mono<String> create(HttpClient http, int i) {
        return http.post().uri("/v1/veo/videos")
                .send(ByteBufFlux.fromString(Mono.just("{\"model\":\"veo_3_1_fast\",\"prompt\":\"warm-up " + i + "\"}")))
                .responseSingle((res, body) -> body.asString().map(s -> {
                    Matcher m = ID.matcher(s);
                    if (res.status().code() != 200 || !m.find()) {
                        throw new IllegalStateException("warm-up create answered " + res.status().code() + ": " + s);
                    }
                    return m.group(1);
                }));
    }

    /** Polls until the task ends; gives its final status string. */
    private static Mono<String> pollUntilEnd(HttpClient http, String id, AtomicLong polls) {
        return http.get().uri("/v1/result/" + id)
                .responseSingle((res, body) -> body.asString().map(s -> {
                    polls.incrementAndGet();
                    Matcher m = TERMINAL.matcher(s);
                    return m.find() ? m.group(1) : "";
                }))
                .repeat() // at once: the point is volume (a method is compiled after ~10,000 calls)
                .takeUntil(end -> !end.isEmpty())
                .filter(end -> !end.isEmpty())
                .next();
    }
}
