package dev.taskpoll.testkit;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/**
 * Callbacks of the generic task dialect: a {@code POST} of the task's query body to its {@code callback_url} on every
 * status change (to {@code in_progress}, then to the terminal status), at the simulated time of the change. Faults:
 * a callback may be sent twice, or the {@code in_progress} one held back until after the terminal one.
 *
 * <p>Callbacks go to loopback hosts only (127.0.0.0/8, localhost, [::1]): anything else is recorded as not sent, so
 * a test can never make the simulator send traffic off this machine.
 */
final class SimCallbacks {

    private final SimTime time;
    private final SimBodies bodies;
    private final Random random;
    private final Faults faults;
    private final HttpClient http = HttpClient.create().responseTimeout(Duration.ofSeconds(10));

    SimCallbacks(SimTime time, SimBodies bodies, Random random, Faults faults) {
        this.time = time;
        this.bodies = bodies;
        this.random = random;
        this.faults = faults;
    }

    /**
     * With the {@code early} fault, POSTs the task's first status now, before its create call has been answered
     * (the caller sends the answer once this callback's answer came back, or failed).
     */
    Mono<Void> early(SimTask t) {
        if (t.callbackUrl == null || !loopback(t.callbackUrl) || random.nextDouble() >= faults.callbackEarly()) {
            return Mono.empty();
        }
        long now = time.nowMillis();
        return exchange(t, bodies.generic(t, now, null), t.statusAt(now), "early").then();
    }

    void schedule(SimTask t) {
        if (t.callbackUrl == null) {
            return;
        }
        if (!loopback(t.callbackUrl)) {
            t.recordCallback(new TaskTruth.Callback(Instant.ofEpochMilli(time.nowMillis()), "", 0,
                    "not sent: callbacks go to loopback hosts only"));
            return;
        }
        long now = time.nowMillis();
        boolean reorder = random.nextDouble() < faults.callbackReorder();
        // the in_progress callback, held back past the terminal one when reordered
        long progressAt = reorder ? t.doneAt + 1 : t.processingAt;
        at(progressAt - now, () -> send(t, t.processingAt, reorder ? "reordered" : ""));
        at(t.doneAt - now, () -> send(t, t.doneAt, ""));
    }

    private void at(long delayMillis, Runnable r) {
        time.scheduler().schedule(r, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
    }

    /** Sends the status the task had at {@code asOf}, once or (duplicate fault) twice. */
    private void send(SimTask t, long asOf, String note) {
        byte[] body = bodies.generic(t, asOf, null);
        String status = t.statusAt(asOf);
        post(t, body, status, note);
        if (random.nextDouble() < faults.callbackDuplicate()) {
            post(t, body, status, "duplicate");
        }
    }

    private void post(SimTask t, byte[] body, String status, String note) {
        if (random.nextDouble() < faults.callbackLoss()) {
            t.recordCallback(new TaskTruth.Callback(Instant.ofEpochMilli(time.nowMillis()), status, 0,
                    "lost (simulated fault): not sent"));
            return;
        }
        exchange(t, body, status, note).subscribe();
    }

    private Mono<Integer> exchange(SimTask t, byte[] body, String status, String note) {
        Instant sentAt = Instant.ofEpochMilli(time.nowMillis());
        return http.headers(h -> h.set("Content-Type", "application/json"))
                .post().uri(t.callbackUrl)
                .send(ByteBufFlux.fromInbound(Mono.just(body)))
                .responseSingle((res, content) -> content.then(Mono.just(res.status().code())))
                .onErrorReturn(0)
                .doOnNext(code -> t.recordCallback(new TaskTruth.Callback(sentAt, status, code, note)));
    }

    static boolean loopback(String url) {
        try {
            URI u = URI.create(url);
            String host = u.getHost() == null ? "" : u.getHost().toLowerCase(Locale.ROOT);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https"))
                    && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]")
                    || host.equals("::1"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
