package dev.taskpoll.bench;

import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.PollerFlux;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.TaskStore;
import dev.taskpoll.testkit.SimTime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import software.amazon.awssdk.core.waiters.AsyncWaiter;
import software.amazon.awssdk.core.waiters.WaiterAcceptor;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.retries.api.BackoffStrategy;

/**
 * What scenarios A and C track tasks with: taskpoll, or a peer as its documentation has users write it. The peers
 * share one poll function (a Reactor Netty GET on a 256-connection pool and a Jackson parse, the same as the bare loop
 * of scenario B), so what differs between them is the engine around it, except for the naive loop, which is written
 * the way a user without a library would (the JDK's blocking HTTP client and {@code Thread.sleep}).
 */
interface Engines extends AutoCloseable {

    ObjectMapper JSON = new ObjectMapper();

    String name();

    /** Tracks one task until it is final; {@code onEnd} runs once: true when final, false when tracking failed. */
    void track(String id, Consumer<Boolean> onEnd);

    /** Status requests sent so far. */
    long polls();

    @Override
    void close();

    /** An engine from its parts. */
    static Engines of(String name, java.util.function.BiConsumer<String, Consumer<Boolean>> track,
                      java.util.function.LongSupplier polls, Runnable close) {
        return new Engines() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void track(String id, Consumer<Boolean> onEnd) {
                track.accept(id, onEnd);
            }

            @Override
            public long polls() {
                return polls.getAsLong();
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }

    /** Final by the same reading of the status string as taskpoll's ({@link TaskState#fromRaw}). */
    static boolean terminal(String status) {
        return TaskState.fromRaw(status).isTerminal();
    }

    static String status(byte[] body) {
        try {
            JsonNode n = JSON.readTree(body);
            return n.path("status").asText("");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** taskpoll with its defaults for the family (30 s for VEO), on time accelerated like the simulator's. */
    static Engines taskpoll(SimProcess sim, SimTime time) {
        return taskpoll("taskpoll", ScaleScenario.client(sim, time, PollPolicy.of(Bench.PERIOD,
                Duration.ofMinutes(30))));
    }

    /** As above, told HTTP/1.1 only ({@code http2(false)}), as the peers' poll function is. */
    static Engines taskpollHttp11(SimProcess sim, SimTime time) {
        return taskpoll("taskpoll, HTTP/1.1", ScaleScenario.client(sim, time, PollPolicy.of(Bench.PERIOD,
                Duration.ofMinutes(30)), TaskStore.none(), false, false));
    }

    private static Engines taskpoll(String name, TaskpollClient client) {
        return of(name, (id, onEnd) -> client.track(TaskRef.of(id, Family.VEO))
                        .subscribe(null, e -> onEnd.accept(false), () -> onEnd.accept(true)),
                () -> client.tracker().stats().requestsSent(), () -> {
                    System.err.println("taskpoll at the row's end: " + client.tracker().stats());
                    client.close();
                });
    }

    /** taskpoll as above, with the embedded task store in {@code file} (every task durable, every change recorded). */
    static Engines taskpollStored(SimProcess sim, SimTime time, java.nio.file.Path file) {
        return taskpollStored(sim, time, file, null);
    }

    /** As above, the store's commit delay set ({@code null}: the store's default). */
    static Engines taskpollStored(SimProcess sim, SimTime time, java.nio.file.Path file,
            @org.jspecify.annotations.Nullable Duration commitDelay) {
        dev.taskpoll.sqlite.SqliteStoreOptions.Builder options = dev.taskpoll.sqlite.SqliteStoreOptions.builder()
                .resume(false);
        if (commitDelay != null) {
            options.commitDelay(commitDelay);
        }
        dev.taskpoll.sqlite.SqliteStore store = dev.taskpoll.sqlite.SqliteStore.open(file, options.build());
        TaskpollClient client = ScaleScenario.client(sim, time, PollPolicy.of(Bench.PERIOD, Duration.ofMinutes(30)),
                store);
        String name = commitDelay == null
                ? "taskpoll + store (commit delay " + dev.taskpoll.sqlite.SqliteStoreOptions.DEFAULT_COMMIT_DELAY_MS
                        + " ms, its default)"
                : "taskpoll + store, commit delay " + commitDelay.toMillis() + " ms";
        return of(name, (id, onEnd) -> client.track(TaskRef.of(id, Family.VEO))
                        .subscribe(null, e -> onEnd.accept(false), () -> onEnd.accept(true)),
                () -> client.tracker().stats().requestsSent(), () -> {
                    long[] c = store.commitCounts();
                    System.err.printf(java.util.Locale.ROOT, "store: %d commits, %d writes (%.1f per commit)%n",
                            c[0], c[1], c[1] / Math.max(1.0, c[0]));
                    client.close();
                });
    }

    /** The poll function the Reactor-based peers share. */
    final class PollFunction implements AutoCloseable {
        final AtomicLong polls = new AtomicLong();
        private final ConnectionProvider pool = ConnectionProvider.builder("peer").maxConnections(256)
                .pendingAcquireMaxCount(-1).build();
        private final HttpClient http;

        PollFunction(SimProcess sim) {
            http = sim.trusting(HttpClient.create(pool)).baseUrl(sim.baseUrl)
                    .headers(h -> h.set("Authorization", "Bearer " + SimProcess.KEY).set("Accept", "application/json"));
        }

        Mono<String> poll(String id) {
            return http.get().uri("/v1/result/" + id).responseSingle((res, body) -> body.asByteArray().map(b -> {
                polls.incrementAndGet();
                if (res.status().code() != 200) {
                    throw new IllegalStateException("HTTP " + res.status().code());
                }
                return status(b);
            }));
        }

        @Override
        public void close() {
            pool.disposeLater().block();
        }
    }

    /**
     * azure-core's {@code PollerFlux}, as Azure SDK clients use it: a poll every {@code interval} (real time) after
     * the previous answer, ending at a completed state.
     */
    static Engines azure(SimProcess sim, Duration interval) {
        PollFunction fn = new PollFunction(sim);
        return of("azure-core PollerFlux 1.61.0", (id, onEnd) -> new PollerFlux<String, String>(interval,
                        ctx -> Mono.just("submitted"),
                        ctx -> fn.poll(id).map(s -> new PollResponse<>(terminal(s)
                                ? (TaskState.fromRaw(s) == TaskState.COMPLETED ? LongRunningOperationStatus.SUCCESSFULLY_COMPLETED
                                        : LongRunningOperationStatus.FAILED)
                                : LongRunningOperationStatus.IN_PROGRESS, s)),
                        (ctx, r) -> Mono.empty(),
                        ctx -> Mono.just(ctx.getLatestResponse().getValue()))
                        .subscribe(null, e -> onEnd.accept(false), () -> onEnd.accept(true)),
                fn.polls::get, fn::close);
    }

    /**
     * The AWS SDK v2's generic {@code AsyncWaiter} (what generated service waiters are built on): the same async GET,
     * a fixed delay of {@code interval} between attempts, a scheduled executor of two threads (one per core).
     */
    static Engines aws(SimProcess sim, Duration interval) {
        PollFunction fn = new PollFunction(sim);
        ScheduledExecutorService exec = Executors.newScheduledThreadPool(2);
        AsyncWaiter<String> waiter = AsyncWaiter.builder(String.class)
                .acceptors(List.of(WaiterAcceptor.successOnResponseAcceptor(Engines::terminal),
                        WaiterAcceptor.retryOnResponseAcceptor(s -> !terminal(s)),
                        WaiterAcceptor.retryOnExceptionAcceptor(e -> true)))
                .overrideConfiguration(WaiterOverrideConfiguration.builder().maxAttempts(10_000)
                        .backoffStrategyV2(BackoffStrategy.fixedDelayWithoutJitter(interval))
                        .waitTimeout(Duration.ofHours(1)).build())
                .scheduledExecutorService(exec)
                .build();
        return of("AWS SDK v2 AsyncWaiter 2.57.8", (id, onEnd) -> waiter.runAsync(() -> fn.poll(id).toFuture())
                        .whenComplete((r, e) -> onEnd.accept(e == null && r.matched().response().isPresent())),
                fn.polls::get, () -> {
                    exec.shutdownNow();
                    fn.close();
                });
    }

    /** A platform thread per task: the JDK's HTTP client, blocking, then {@code Thread.sleep(interval)}. */
    static Engines naive(SimProcess sim, Duration interval) {
        java.net.http.HttpClient.Builder b = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1);
        if (sim.authority != null) {
            b.sslContext(sim.sslContext());
        }
        java.net.http.HttpClient http = b.build();
        AtomicLong polls = new AtomicLong();
        ThreadGroup group = new ThreadGroup("naive");
        return of("thread per task (java.net.http + sleep)", (id, onEnd) -> {
            HttpRequest get = HttpRequest.newBuilder(URI.create(sim.baseUrl + "/v1/result/" + id))
                    .header("Authorization", "Bearer " + SimProcess.KEY).build();
            Thread t = new Thread(group, () -> {
                try {
                    for (;;) {
                        Thread.sleep(interval.toMillis());
                        HttpResponse<byte[]> res = http.send(get, HttpResponse.BodyHandlers.ofByteArray());
                        polls.incrementAndGet();
                        if (res.statusCode() == 200 && terminal(status(res.body()))) {
                            onEnd.accept(true);
                            return;
                        }
                    }
                } catch (Exception e) { // interrupted at close, or the request failed: this task is lost
                    onEnd.accept(false);
                }
            }, "naive-" + id);
            t.setDaemon(true);
            t.start(); // an OutOfMemoryError here (no more native threads) is the harness's to report
        }, polls::get, group::interrupt);
    }
}
