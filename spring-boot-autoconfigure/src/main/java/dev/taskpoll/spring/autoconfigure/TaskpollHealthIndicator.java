package dev.taskpoll.spring.autoconfigure;

import dev.taskpoll.ApiStatusException;
import dev.taskpoll.FleetStats;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.catalog.Family;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import reactor.core.publisher.Mono;

/**
 * The {@code taskpoll} health component: DOWN when the API refused the key (401 or 403 to a status request for a task
 * that does not exist, asked at most once a minute: one request of the key's quota) or the task store cannot be read;
 * OUT_OF_SERVICE while the fleet's circuit is open; else UP. Details: active tasks, the budget's rate, requests in
 * flight, the circuit. A transport failure of the probe is not DOWN (the API may be briefly unreachable; tracking
 * retries): it is a detail, and so is a probe not answered within 5 s (a pool busy with polls); one probe at a time,
 * shared by the health requests that come while it runs. The store is given 5 s to answer (else DOWN). Nothing here
 * blocks. {@code management.health.taskpoll.enabled=false} turns the component off.
 */
public final class TaskpollHealthIndicator implements ReactiveHealthIndicator {

    /** The id asked about: no task has it, so a valid key gets 404. */
    static final String PROBE = "taskpoll-health-probe";
    private static final Duration PROBE_EVERY = Duration.ofMinutes(1);
    private static final Duration STORE_WAIT = Duration.ofSeconds(5);
    private static final Duration PROBE_WAIT = Duration.ofSeconds(5);

    private final TaskpollClient client;
    /** The last probe started: its answer, or the request in flight, shared by the health requests meanwhile. */
    private final AtomicReference<Started> last = new AtomicReference<>();

    private record Probe(Optional<String> keyProblem, Optional<String> note) {
    }

    private record Started(long atMillis, Mono<Probe> probe) {
    }

    TaskpollHealthIndicator(TaskpollClient client) {
        this.client = client;
    }

    @Override
    public Mono<Health> health() {
        // bounded: a store that waits for an unreachable Redis would otherwise hold the health endpoint
        Mono<Optional<String>> store = client.task(PROBE).map(r -> Optional.<String>empty())
                .defaultIfEmpty(Optional.empty())
                .timeout(STORE_WAIT)
                .onErrorResume(e -> Mono.just(Optional.of(e instanceof java.util.concurrent.TimeoutException
                        ? "the task store did not answer within " + STORE_WAIT.toSeconds() + " s"
                        : "the task store cannot be read: " + e.getMessage())));
        return Mono.zip(store, probe()).map(t -> {
            FleetStats f = client.tracker().stats(); // when asked, not when the Mono was made
            Health.Builder b = t.getT1().isPresent() || t.getT2().keyProblem().isPresent() ? Health.down()
                    : "OPEN".equals(f.circuitState()) ? Health.status(Status.OUT_OF_SERVICE) : Health.up();
            b.withDetail("activeTasks", f.activeTasks()).withDetail("rate", f.currentRate())
                    .withDetail("inFlight", f.inFlight()).withDetail("circuit", f.circuitState());
            t.getT1().ifPresent(p -> b.withDetail("store", p));
            t.getT2().keyProblem().ifPresent(p -> b.withDetail("api", p));
            t.getT2().note().ifPresent(p -> b.withDetail("api", p));
            return b.build();
        });
    }

    /** The API's answer to the key, asked at most once per minute (else the last answer, or the probe in flight). */
    private Mono<Probe> probe() {
        long now = client.options().trackerOptions().clock().millis();
        Started p = last.get();
        if (p != null && now - p.atMillis() < PROBE_EVERY.toMillis()) {
            return p.probe();
        }
        Mono<Probe> probe = client.status(TaskRef.of(PROBE, Family.VEO))
                .timeout(PROBE_WAIT) // real time, as a health request waits
                .map(s -> new Probe(Optional.empty(), Optional.empty()))
                .onErrorResume(e -> Mono.just(e instanceof ApiStatusException a
                        && (a.httpStatus() == 401 || a.httpStatus() == 403)
                        ? new Probe(Optional.of("the API refused the key (HTTP " + a.httpStatus() + ")"),
                        Optional.empty())
                        : e instanceof ApiStatusException a404 && a404.httpStatus() == 404
                        ? new Probe(Optional.empty(), Optional.empty())
                        : e instanceof java.util.concurrent.TimeoutException
                        ? new Probe(Optional.empty(), Optional.of("the last probe had no answer within "
                        + PROBE_WAIT.toSeconds() + " s"))
                        : new Probe(Optional.empty(), Optional.of("the last probe failed: " + e.getMessage()))))
                .cache();
        Started started = new Started(now, probe);
        if (last.compareAndSet(p, started)) {
            return probe;
        }
        Started other = last.get(); // another health request started one at the same moment: that one
        return other != null ? other.probe() : probe;
    }
}
