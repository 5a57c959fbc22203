package dev.taskpoll.sqlite;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskpoll.ClientOptions;
import dev.taskpoll.FleetOptions;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.capture.CaptureOptions;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The child JVM of {@link KillIT}: a client with the embedded store that submits a plan of N generations (prompts
 * {@code kill-test <i>} over six families), each at most once across restarts (an index with an intent in the store,
 * answered or in doubt, is never submitted again), tracks every task to its end and stores the results. It prints
 * {@code S <i>} for each answered submit, {@code W <i>} for a submit still unanswered after a second, {@code E <id>}
 * for each task that ends, and exits 0 once every index was attempted and no task is open.
 *
 * <p>{@code java -cp ... dev.taskpoll.sqlite.KillWorker BASE_URL KEY STORE OUT N}
 */
public final class KillWorker {

    static final List<Family> FAMILIES = List.of(Family.VEO, Family.SORA, Family.SEEDANCE_2_0, Family.NANO_BANANA,
            Family.GPT_IMAGE_2, Family.GENERIC_TASK);
    static final String PROMPT = "kill-test ";
    private static final ObjectMapper JSON = new ObjectMapper();

    private KillWorker() {
    }

    static GenerationRequest request(int i) {
        Family f = FAMILIES.get(i % FAMILIES.size());
        String prompt = PROMPT + i;
        if (f == Family.GENERIC_TASK) {
            return GenerationRequest.task(f.models().get(0), Map.of("prompt", prompt)).build();
        }
        return GenerationRequest.builder(f, f.models().get(0)).prompt(prompt).build();
    }

    /** The plan index of a recorded request, or -1. */
    static int index(String requestJson) {
        try {
            var n = JSON.readTree(requestJson);
            String p = n.path("prompt").isTextual() ? n.get("prompt").asText()
                    : n.path("input").path("prompt").asText("");
            return p.startsWith(PROMPT) ? Integer.parseInt(p.substring(PROMPT.length())) : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    public static void main(String[] args) throws Exception {
        String baseUrl = args[0];
        String key = args[1];
        Path store = Path.of(args[2]);
        Path out = Path.of(args[3]);
        int n = Integer.parseInt(args[4]);
        // real time against a simulator 120x faster: the grid of 200 ms (the learned cadence would wait for the docs'
        // 2-5 minutes in real time, not knowing the simulator's acceleration)
        TrackerOptions.Builder tracker = TrackerOptions.builder().fixedGrid().store(SqliteStore.open(store))
                .fleet(FleetOptions.ofMaxRate(5_000));
        for (Family f : FAMILIES) {
            tracker.policy(f, PollPolicy.of(Duration.ofMillis(200), Duration.ofMinutes(10)));
        }
        TaskpollClient client = TaskpollClient.create(ClientOptions.builder().baseUrl(baseUrl).apiKey(key)
                .responseTimeout(Duration.ofSeconds(3)) // a create answered late is in doubt after 3 s
                .trackerOptions(tracker.build())
                .capture(CaptureOptions.builder(out).allowPlainHttpOnLoopback(true).build())
                .build());
        client.events().subscribe(e -> {
            if (e instanceof TaskStatus s && s.isTerminal()) {
                System.out.println("E " + s.taskId());
            }
        });
        Set<Integer> attempted = new HashSet<>();
        for (TaskRecord r : client.tasks(null).collectList().block(Duration.ofMinutes(1))) {
            if (r.request() != null) {
                attempted.add(index(r.request()));
            }
        }
        AtomicInteger answered = new AtomicInteger();
        Flux.range(0, n).filter(i -> !attempted.contains(i))
                .flatMap(i -> {
                    reactor.core.Disposable waiting = Mono.delay(Duration.ofSeconds(1))
                            .subscribe(t -> System.out.println("W " + i));
                    return client.submit(request(i))
                            .doOnNext(s -> System.out.println("S " + i))
                            .doFinally(sig -> waiting.dispose())
                            .onErrorResume(e -> {
                                System.out.println("X " + i + " " + e.getClass().getSimpleName());
                                return Mono.empty();
                            });
                }, 16)
                .doOnNext(s -> answered.incrementAndGet())
                .blockLast(Duration.ofMinutes(5));
        long until = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < until) {
            Long open = client.tasks(TaskRecord.Phase.OPEN).count().block(Duration.ofMinutes(1));
            if (open != null && open == 0) {
                System.out.println("DONE " + answered.get());
                client.close();
                System.exit(0);
            }
            Thread.sleep(100);
        }
        System.out.println("TIMEOUT");
        System.exit(3);
    }
}
