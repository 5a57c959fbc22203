package dev.taskpoll.bench;

import dev.taskpoll.FleetOptions;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskTracker;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.internal.budget.FleetBudget;
import dev.taskpoll.internal.engine.SharedTimer;
import dev.taskpoll.internal.http.Json;
import dev.taskpoll.internal.http.StatusDecoder;
import dev.taskpoll.spi.PollBudget;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Scenario E: the hot paths, in isolation (JMH). {@code decodeStatus}: a 200-byte OPC status body to a
 * {@code TaskStatus}. {@code scheduleAndCancel}: one entry into a shared timer already holding 100,000 (a due-time
 * bucket insert) and out again. {@code pollAndTransition}: one whole poll of one tracked task on virtual time with a
 * synchronous source (timer fire, poll subscription, status comparison, emission to the subscriber, next slot).
 * {@code budgetAdmitAndRelease}: one request's way through the fleet budget (token, in-flight place, circuit
 * permission, the answer recorded).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
public class HotPaths {

    private static final byte[] BODY = ("{\"id\":\"vgen_0123456789abcdef\",\"object\":\"video\",\"model\":"
            + "\"veo_3_1_fast\",\"status\":\"processing\",\"progress\":42,\"created\":1761635478,"
            + "\"video_url\":null,\"error\":null,\"seconds\":\"8\",\"size\":\"1280x720\"}")
            .getBytes(StandardCharsets.UTF_8);

    private StatusDecoder decoder;
    private Instant now;

    private VirtualTimeScheduler timerClock;
    private SharedTimer timer;
    private long due;

    private FleetBudget budget;

    private VirtualTimeScheduler vts;
    private Disposable tracking;
    private final AtomicLong tokens = new AtomicLong();

    @Setup(Level.Trial)
    public void setUp() {
        decoder = new StatusDecoder(Json.newMapper(1 << 20));
        now = Instant.now();

        timerClock = VirtualTimeScheduler.create();
        timer = new SharedTimer(timerClock, 1);
        for (int i = 0; i < 100_000; i++) {
            timer.schedule(() -> { }, 1_000 + (i * 30_000L / 100_000));
        }
        due = 1_000;
        budget = new FleetBudget(FleetOptions.ofMaxRate(1_000_000_000), timer,
                java.time.Clock.systemUTC());

        vts = VirtualTimeScheduler.create();
        // a status that differs from the last at every poll (the token count moves), so each poll is a transition
        TaskTracker tracker = TaskTracker.create(Map.of(Dialect.OPC, id -> Mono.fromSupplier(() -> new TaskStatus(id,
                        TaskState.PROCESSING, "processing", "veo_3_1_fast", null, List.of(), null, null,
                        tokens.incrementAndGet(), Instant.EPOCH))),
                TrackerOptions.builder().fixedGrid().scheduler(vts).phaseSpread(0).fleet(FleetOptions.disabled())
                        .policy(Family.VEO, PollPolicy.of(Duration.ofSeconds(30), Duration.ofDays(3650))).build());
        tracking = tracker.track(TaskRef.of("t", Family.VEO)).subscribe();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tracking.dispose();
        vts.dispose();
        timerClock.dispose();
    }

    @Benchmark
    public TaskStatus decodeStatus() {
        return decoder.decode("vgen_0123456789abcdef", BODY, now);
    }

    @Benchmark
    public void scheduleAndCancel(Blackhole bh) {
        due = due >= 31_000 ? 1_000 : due + 7;
        Disposable d = timer.schedule(() -> { }, due);
        d.dispose();
        bh.consume(d);
    }

    /** One request through the fleet budget: admitted (rate, in-flight, circuit), answered, released. */
    @Benchmark
    public void budgetAdmitAndRelease() {
        budget.admit().subscribe(ticket -> ticket.done(PollBudget.Outcome.ANSWERED));
    }

    @Benchmark
    public long pollAndTransition() {
        vts.advanceTimeBy(Duration.ofSeconds(30));
        return tokens.get();
    }
}
