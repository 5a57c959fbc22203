package dev.taskpoll.bench;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.FleetOptions;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.redis.RedisStore;
import dev.taskpoll.redis.RedisStoreOptions;
import dev.taskpoll.testkit.ExitHook;
import dev.taskpoll.testkit.RedisServer;
import dev.taskpoll.testkit.SimTime;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Scenario G: cluster mode on Redis. G1, scenario A's row with the embedded store and with 1, 2 and 3 instances on
 * one Redis (each instance a client with its own {@link RedisStore} and connections, all in this JVM, so that CPU per
 * poll counts every instance's work; Redis's own CPU and commands from its {@code INFO}). G2, failover: three
 * instances, one of them a separate JVM killed with {@code SIGKILL}; the time from the kill to each orphaned task's
 * next poll, from the simulator's ledger.
 */
final class ClusterScenario {

    private final Path simulatorJar;
    private final StringBuilder report;
    private final ScaleScenario scale;

    ClusterScenario(Path simulatorJar, StringBuilder report, ScaleScenario scale) {
        this.simulatorJar = simulatorJar;
        this.report = report;
        this.scale = scale;
    }

    void run(int n) throws Exception {
        report.append("### G. Cluster mode on Redis\n\n");
        String why = RedisServer.missing();
        if (why != null) {
            report.append("Not run: ").append(why).append(".\n\n");
            return;
        }
        String parts = System.getProperty("bench.cluster.parts", "1,2");
        if (parts.contains("1")) {
            rows(n);
        }
        if (parts.contains("2")) {
            failover(3_000);
        }
    }

    /** Redis's figures: commands served (all kinds) and its CPU, from {@code INFO}. */
    record RedisFigures(long commands, double cpuSeconds, Map<String, Long> byCommand) {

        private static final java.util.regex.Pattern CALLS = java.util.regex.Pattern.compile("[:,]calls=(\\d+)");

        static RedisFigures of(RedisServer redis) {
            RedisClient c = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> conn = c.connect()) {
                Map<String, Long> by = new TreeMap<>();
                long total = 0;
                for (String line : conn.sync().info("commandstats").split("\r?\n")) {
                    if (line.startsWith("cmdstat_")) {
                        String name = line.substring(8, line.indexOf(':'));
                        java.util.regex.Matcher m = CALLS.matcher(line); // not rejected_calls, failed_calls
                        long calls = m.find() ? Long.parseLong(m.group(1)) : 0;
                        by.put(name, calls);
                        total += calls;
                    }
                }
                double cpu = 0;
                for (String line : conn.sync().info("cpu").split("\r?\n")) {
                    if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                        cpu += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
                    }
                }
                return new RedisFigures(total, cpu, by);
            } finally {
                c.shutdown();
            }
        }

        String perPoll(RedisFigures before, long polls) {
            StringBuilder b = new StringBuilder();
            byCommand.forEach((k, v) -> {
                long d = v - before.byCommand.getOrDefault(k, 0L);
                if (d > 0 && !k.equals("info")) {
                    b.append(b.length() == 0 ? "" : ", ").append(k).append(' ')
                            .append(String.format(Locale.ROOT, "%.2f", (double) d / polls));
                }
            });
            return b.toString();
        }
    }

    /** G1: the embedded store's row, then 1, 2 and 3 instances on a fresh Redis each. */
    private void rows(int n) throws Exception {
        double k = ScaleScenario.scaleFor(n);
        report.append("G1. Scenario A's row (N tasks, 30 s period, x").append((int) k).append(
                        ") with the embedded store, then with 1, 2 and 3 instances on one Redis (a fresh redis-server,"
                        + " AOF everysec, each time). The instances are clients in this JVM, each with its own"
                        + " RedisStore (64 shards, lease 15 s; its scan for tasks recorded elsewhere every simulated"
                        + " second, at least 100 ms): CPU per poll is all instances' CPU over all their polls;"
                        + " each task is tracked through instance i mod I and polled by whichever holds its shard (the"
                        + " others follow it). Redis's CPU and commands come from its INFO (cpu, commandstats) before"
                        + " and after the row; Redis runs on the same two cores.\n\n")
                .append(ScaleScenario.SCALE_COLUMNS);
        Path dir = Files.createTempDirectory("taskpoll-bench-cluster");
        // thrown away: the Redis paths compiled before a row is measured
        try (RedisServer warm = RedisServer.start(dir.resolve("warm"))) {
            List<RedisStore> stores = stores(warm.uri(), 2, k);
            scale.scaleRow(n, k, (sim, time) -> cluster(sim, time, stores));
        }
        ScaleScenario.ScaleRow embedded = scale.scaleRow(n, k, (sim, time) -> Engines.taskpollStored(sim, time,
                dir.resolve("tasks.db")));
        report.append(embedded.line());
        StringBuilder notes = new StringBuilder();
        for (int instances = 1; instances <= 3; instances++) {
            try (RedisServer redis = RedisServer.start(dir.resolve("redis-" + instances))) {
                int i = instances;
                RedisFigures before = RedisFigures.of(redis);
                List<RedisStore> stores = stores(redis.uri(), i, k);
                ScaleScenario.ScaleRow row = scale.scaleRow(n, k, (sim, time) -> cluster(sim, time, stores));
                RedisFigures after = RedisFigures.of(redis);
                report.append(row.line());
                double redisCpuPerPoll = (after.cpuSeconds - before.cpuSeconds) * 1e6 / row.polls();
                double commands = (double) (after.commands - before.commands) / row.polls();
                double ceiling = 2e6 / (row.cpuPerPoll() + redisCpuPerPoll);
                notes.append(String.format(Locale.ROOT, "- %d instance%s: %,d polls in %.0f s (**%,.0f polls/s**,"
                                + " what the grid asks); CPU per poll **%.1f us** in the instances (%.2fx the embedded"
                                + " store's %.1f us) + **%.1f us** in Redis; **%.2f Redis commands per poll** (%s);"
                                + " Redis's busiest rate %,.0f commands/s; the two cores would carry about %,.0f"
                                + " polls/s at this cost per poll.%n",
                        i, i == 1 ? "" : "s", row.polls(), row.seconds(), row.polls() / row.seconds(),
                        row.cpuPerPoll(), row.cpuPerPoll() / embedded.cpuPerPoll(), embedded.cpuPerPoll(),
                        redisCpuPerPoll, commands, after.perPoll(before, row.polls()),
                        (after.commands - before.commands) / row.seconds(), ceiling));
                System.err.printf(Locale.ROOT, "G1 %d instances: CPU/poll %.1f us (embedded %.1f), Redis %.1f us,"
                                + " %.2f commands/poll%n", i, row.cpuPerPoll(), embedded.cpuPerPoll(),
                        redisCpuPerPoll, commands);
            }
        }
        report.append('\n').append(notes).append('\n');
    }

    /**
     * The stores of I instances, opened and balanced before the row's tasks are created (balancing takes a few lease
     * cycles of real time, minutes of the row's accelerated time). Their scan for tasks other instances recorded
     * runs every second of simulated time (1 s / k, at least 100 ms), as it would at x1; leases stay in real time.
     */
    private static List<RedisStore> stores(String uri, int instances, double k) {
        List<RedisStore> stores = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            stores.add(RedisStore.open(RedisStoreOptions.builder(uri, SimProcess.KEY).instanceId("bench-" + i)
                    .scanEvery(Duration.ofMillis(Math.max(100, Math.round(1000 / k)))).build()));
        }
        awaitBalanced(stores, instances);
        return stores;
    }

    /** I instances on one Redis, in this JVM: task j tracked through instance j mod I. */
    static Engines cluster(SimProcess sim, SimTime time, List<RedisStore> stores) {
        PollPolicy policy = PollPolicy.of(Bench.PERIOD, Duration.ofMinutes(30));
        int instances = stores.size();
        List<TaskpollClient> clients = new ArrayList<>();
        for (RedisStore store : stores) {
            clients.add(ScaleScenario.client(sim, time, policy, store));
        }
        int[] next = {0};
        return Engines.of("taskpoll + redis x" + instances, (id, onEnd) -> {
            TaskpollClient c = clients.get(next[0]++ % instances);
            c.track(TaskRef.of(id, Family.VEO)).subscribe(null, e -> onEnd.accept(false), () -> onEnd.accept(true));
        }, () -> clients.stream().mapToLong(c -> c.tracker().stats().requestsSent()).sum(),
                () -> clients.forEach(TaskpollClient::close));
    }

    /** Until every instance sees the others and the 64 shards are spread (at most ceil(64 / I) + 1 each). */
    private static void awaitBalanced(List<RedisStore> stores, int instances) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < until) {
            boolean ok = true;
            int held = 0;
            for (RedisStore s : stores) {
                // an instance gives shards back only above its share plus one
                ok &= s.liveInstances() == instances && s.heldShards() <= (64 + instances - 1) / instances + 1;
                held += s.heldShards();
            }
            if (ok && held == 64) {
                return;
            }
            sleep(100);
        }
        throw new IllegalStateException("the shards were not spread over " + instances + " instances in 30 s");
    }

    /**
     * G2: three instances (two here, one a separate JVM), n tasks on a 30 s period in real time; once every shard is
     * held and every task polled, the separate JVM is killed; each of its tasks' next poll is timed from the kill.
     */
    private void failover(int n) throws Exception {
        Path dir = Files.createTempDirectory("taskpoll-bench-failover");
        try (RedisServer redis = RedisServer.start(dir.resolve("redis"));
             SimProcess sim = SimProcess.start(simulatorJar, "--scale", "1", "--generation", "PT10H,PT10H")) {
            List<String> ids = sim.createVeoTasks(n);
            Path jar = Path.of(ClusterScenario.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Process victim = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-cp", jar.toString(), ClusterWorker.class.getName(), redis.uri(), sim.baseUrl)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("victim.log").toFile()).start();
            ExitHook reaper = ExitHook.register("failover-victim-reaper", victim::destroyForcibly); // stopped early
            List<TaskpollClient> survivors = new ArrayList<>();
            List<RedisStore> stores = new ArrayList<>();
            try {
                PollPolicy policy = PollPolicy.of(Bench.PERIOD, Duration.ofHours(2));
                for (int i = 0; i < 2; i++) {
                    stores.add(RedisStore.open(RedisStoreOptions.builder(redis.uri(), SimProcess.KEY)
                            .instanceId("survivor-" + i).build()));
                    survivors.add(ScaleScenario.client(sim, SimTime.realTime(), policy, stores.get(i)));
                }
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                // the victim holds what the survivors do not: at least 19 of the 64 (each holds at most 23)
                while (stores.stream().anyMatch(s -> s.liveInstances() < 3 || s.heldShards() > 23)
                        || stores.stream().mapToInt(RedisStore::heldShards).sum() > 45) {
                    if (System.nanoTime() > until || !victim.isAlive()) {
                        throw new IllegalStateException("the three instances did not share the shards in 60 s; "
                                + "the killed one's log: " + Files.readString(dir.resolve("victim.log")));
                    }
                    sleep(100);
                }
                for (int i = 0; i < n; i++) {
                    survivors.get(i % 2).track(TaskRef.of(ids.get(i), Family.VEO)).subscribe(null, e -> { });
                }
                sleep(Bench.PERIOD.toMillis() + 5_000); // every task polled once by its holder
                List<String> orphans = new ArrayList<>();
                for (String id : ids) {
                    TaskRef ref = TaskRef.of(id, Family.VEO);
                    if (stores.stream().noneMatch(s -> s.holds(ref))) {
                        orphans.add(id);
                    }
                }
                long[] steal0 = HostSteal.sample();
                Instant killed = Instant.now();
                victim.destroyForcibly();
                victim.waitFor(10, TimeUnit.SECONDS);
                sleep(45_000);
                String stolen = HostSteal.percent(steal0, HostSteal.sample());
                SimProcess.Ledger ledger = sim.ledger();
                double[] after = new double[orphans.size()];
                int never = 0;
                for (int i = 0; i < orphans.size(); i++) {
                    Instant first = ledger.pollsOf(orphans.get(i)).stream().filter(t -> t.isAfter(killed)).findFirst()
                            .orElse(null);
                    if (first == null) {
                        never++;
                        after[i] = Double.POSITIVE_INFINITY;
                    } else {
                        after[i] = Duration.between(killed, first).toMillis() / 1e3;
                    }
                }
                Arrays.sort(after);
                long polledBeforeKill = orphans.stream().filter(id -> ledger.pollsOf(id).stream()
                        .anyMatch(t -> t.isBefore(killed))).count();
                report.append(String.format(Locale.ROOT, "G2. Failover: %,d tasks on a 30 s period (real time),"
                                + " three instances on one Redis (64 shards, lease 15 s, renewed every 5 s), one of"
                                + " them a separate JVM killed with SIGKILL once every task had been polled; %,d tasks"
                                + " were its (%,d of them polled by it before the kill). From the kill to each orphan's"
                                + " next poll: **p50 %.1f s, p99 %.1f s**, max %.1f s%s. The bound: the lease (15 s)"
                                + " + one renewal cycle to see it gone (5 s) + the spread of the takeover's first polls"
                                + " (5 s) = 25 s, whatever the period. CPU stolen by the host over those 45 s: %s%%.%n%n",
                        n, orphans.size(), polledBeforeKill, pct(after, 50), pct(after, 99), after[after.length - 1],
                        never == 0 ? "" : String.format(Locale.ROOT, "; %d never polled within 45 s", never), stolen));
                System.err.printf(Locale.ROOT, "G2: %d orphans, p50 %.1f s, p99 %.1f s, max %.1f s, never %d%n",
                        orphans.size(), pct(after, 50), pct(after, 99), after[after.length - 1], never);
            } finally {
                victim.destroyForcibly();
                reaper.close();
                survivors.forEach(TaskpollClient::close);
            }
        }
    }

    private static double pct(double[] sorted, int p) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, sorted.length * p / 100)];
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** G2's instance in its own JVM: tracks its share of the shards until killed. */
    public static final class ClusterWorker {

        private ClusterWorker() {
        }

        public static void main(String[] args) throws InterruptedException {
            TaskpollClient c = TaskpollClient.create(ClientOptions.builder().baseUrl(args[1]).apiKey(SimProcess.KEY)
                    .trackerOptions(TrackerOptions.builder().fixedGrid().fleet(FleetOptions.disabled())
                            .policy(Family.VEO, PollPolicy.of(Bench.PERIOD, Duration.ofHours(2)))
                            .store(RedisStore.open(RedisStoreOptions.builder(args[0], SimProcess.KEY)
                                    .instanceId("victim").build())).build())
                    .build());
            System.out.println("tracking: " + c);
            Thread.currentThread().join();
        }
    }
}
