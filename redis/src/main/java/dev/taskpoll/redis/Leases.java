package dev.taskpoll.redis;

import dev.taskpoll.TaskRef;
import dev.taskpoll.spi.TaskStore;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * This instance's shard leases, and the tasks they bring. Every {@code renewEvery}, one cycle: a heartbeat (which
 * tells how many instances are alive: those that beat within their own last two renewals, {@link #liveWindow()}),
 * the held leases renewed (a lease that could not be renewed is lost: its tasks are released at once; so is one whose
 * last renewal this instance heard of is older than the lease less half a renewal, Redis answering or not), more leases
 * taken while
 * this instance holds fewer than its share ({@code ceil(shards / instances)}), and leases above its share plus one
 * given back cleanly (a newcomer gets them); a shard nobody has held for a lease is taken whatever the share
 * ({@link #OVERDUE_HOLD}). A shard taken brings
 * its open tasks to {@link #adopted()}, read outside the cycle ({@value #LOADS} shards at a time), so that taking a
 * dead instance's twenty shards takes one cycle, not one read of each shard's tasks after another, and a long read
 * never delays a renewal; if its last holder did not give it back cleanly (it died), their next poll is planned
 * within the next few seconds rather than on their grid, so that failover costs the lease, not a period more.
 * Every {@code scanEvery}, the held shards' versions are read: a shard whose version moved (another instance recorded
 * a task in it) brings its new tasks too, and so does one whose members could not be read when it was taken; a task
 * whose record could not be read (Redis restarting, a command timed out) is read again at each scan until it is
 * adopted or its shard is lost. Runs on the store's scheduler; nothing blocks.
 */
final class Leases {

    private static final Logger log = Loggers.getLogger(Leases.class);
    /** How many shards just taken have their tasks read at once. */
    static final int LOADS = 4;
    /**
     * Shards without a holder for a whole lease are taken by whoever sees them, whatever its share: an instance
     * counted live that does not take its share (starting slowly, stuck, or killed before it took any) would
     * otherwise leave them unpolled until it is counted out, or for ever while it beats. They are kept for this many
     * cycles (30 s at the defaults) before the share rule gives extras back, so that a taker that never comes costs a
     * lease of every two and a half, not every other cycle.
     */
    static final int OVERDUE_HOLD = 6;

    private final RedisStoreOptions options;
    private final Keys keys;
    /** The tasks' connection: shard members, task records, versions. */
    private final RedisReactiveCommands<String, String> redis;
    /** The lease cycle's own: heartbeats, renewals, takes and give-backs, never behind the tasks' traffic. */
    private final RedisReactiveCommands<String, String> control;
    /** Every shard's lease key, then every shard's free-since key: the keys of {@link Scripts#OVERDUE}, built once. */
    private final String[] overdueKeys;
    /** shard -> the lease's holder value ({@code instance|token}) this instance holds. */
    final Map<Integer, String> held = new ConcurrentHashMap<>();
    /**
     * shard -> until when this instance may act for it: the time its last successful take or renewal was sent, plus the
     * lease, less half a renewal. Redis counts the lease from when it ran the script, later than that, so past this
     * time another instance may hold the shard: its tasks are released here, whether or not Redis could be asked (an
     * instance cut off from Redis would otherwise poll them beside their new holder for as long as the cut lasted).
     */
    private final Map<Integer, Validity> validUntil = new ConcurrentHashMap<>();

    /**
     * A lease's local validity, by two clocks: the scheduler's (what tests move; the wall clock by default) and the
     * JVM's monotonic one, so that a wall clock stepped back (NTP, a VM's clock corrected) does not stretch a lease
     * Redis has already expired on its own clock. Passed when either says so.
     */
    private record Validity(long untilMillis, long untilNanos) {
        boolean passed(long nowMillis, long nowNanos) {
            return untilMillis < nowMillis || nowNanos - untilNanos > 0;
        }
    }
    /**
     * Members whose capture runs here (the hold confirmed before it, its end not recorded yet): a shard holding one is
     * given back last when this instance holds more than its share, since its new holder would capture it again from
     * the record while this one's capture runs on (and has its records refused).
     */
    private final Set<String> capturing = ConcurrentHashMap.newKeySet();
    /** shard -> the members of it tracked here. */
    final Map<Integer, Set<String>> known = new ConcurrentHashMap<>();
    /** shard -> its version when its members were last read whole. */
    private final Map<Integer, Long> versions = new ConcurrentHashMap<>();
    /** member -> whether its shard was taken cleanly: a task of a held shard whose record could not be read yet. */
    private final Map<String, Boolean> unread = new ConcurrentHashMap<>();
    /** Tasks read to be tracked here, each with the take of its shard that read it (see {@link #adopted()}). */
    private final Sinks.Many<Adoption> adopted = Sinks.many().unicast().onBackpressureBuffer();
    /** Adoptions emitted so far, delivered or waiting for the tracker (tests). */
    final java.util.concurrent.atomic.AtomicInteger adoptionsEmitted = new java.util.concurrent.atomic.AtomicInteger();
    private final Sinks.Many<TaskRef> released = Sinks.many().unicast().onBackpressureBuffer();
    /** Shards just taken whose tasks are to be read (by {@link #load}), outside the cycle. */
    private final Sinks.Many<Taken> toLoad = Sinks.many().unicast().onBackpressureBuffer();
    /** Shards taken whose first read is queued or running: the scans leave them to it. */
    private final Set<Integer> loading = ConcurrentHashMap.newKeySet();
    /** Shards taken from an instance that did not give them back, until their tasks were read whole once. */
    private final Set<Integer> unclean = ConcurrentHashMap.newKeySet();
    private volatile int live = 1;
    /** Lease cycles since overdue shards were last taken here (cycles run one at a time). */
    private int cyclesSinceOverdue = OVERDUE_HOLD;
    private Disposable cycle;
    private Disposable scan;
    private Disposable loads;
    private Disposable expiry;

    Leases(RedisStoreOptions options, Keys keys, RedisReactiveCommands<String, String> redis,
           RedisReactiveCommands<String, String> control) {
        this.options = options;
        this.keys = keys;
        this.redis = redis;
        this.control = control;
        this.overdueKeys = new String[2 * options.shards()];
        for (int s = 0; s < options.shards(); s++) {
            overdueKeys[s] = keys.lease(s);
            overdueKeys[options.shards() + s] = keys.freeSince(s);
        }
    }

    void start() {
        loads = toLoad.asFlux().flatMap(this::load, LOADS).subscribe();
        cycle = Flux.interval(java.time.Duration.ZERO, options.renewEvery(), options.scheduler())
                .onBackpressureDrop()
                .concatMap(t -> cycle().onErrorResume(e -> {
                    log.warn("task store redis {}: lease cycle failed ({}); the leases held stay held until they"
                            + " expire", options.where(), RedisStore.describe(e));
                    return Mono.empty();
                }), 1)
                .subscribe();
        java.time.Duration check = options.renewEvery().dividedBy(4);
        expiry = Flux.interval(check, check, options.scheduler()).subscribe(t -> expireLocally());
        scan = Flux.interval(options.scanEvery(), options.scanEvery(), options.scheduler())
                .onBackpressureDrop()
                .concatMap(t -> scanHeld().onErrorResume(e -> {
                    log.debug("task store redis {}: a scan of the held shards failed ({}); the next one reads them",
                            options.where(), RedisStore.describe(e));
                    return Mono.empty();
                }), 1)
                .subscribe();
    }

    /**
     * The tasks read to be tracked here, as they are delivered: one whose shard is no longer held under the take that
     * read it (given back or lost since, perhaps taken again) is dropped there, at delivery. The tracker subscribes
     * when it starts, after reading the cadence's models, and releases reach it on a stream of their own: a shard
     * taken, then given back (a newcomer's share) before that subscription would otherwise reach it as the release
     * first and the adoption after, and leave the task polled here beside its new holder; and one taken again since
     * would hand it a record older than its new take's.
     */
    Flux<TaskStore.Tracked> adopted() {
        return adopted.asFlux().filter(a -> a.holder().equals(held.get(a.shard()))).map(Adoption::tracked);
    }

    /** A task's record read to be tracked here, under the take of its shard whose holder value is {@code holder}. */
    private record Adoption(TaskStore.Tracked tracked, int shard, String holder) {
    }

    Flux<TaskRef> released() {
        return released.asFlux();
    }

    boolean holds(String member) {
        return held.containsKey(keys.shard(member));
    }

    /**
     * Whether this instance may act for {@code member} now: its shard held here and the lease's local validity (see
     * {@link #validUntil}) not passed. Tighter than {@link #holds}, which stays true until {@link #expireLocally} or a
     * refused renewal releases the shard: after a pause longer than the lease (a stopped process, a long GC pause),
     * every overdue timer fires at once on waking, the polls' as soon as the expiry check's.
     */
    boolean mayAct(String member) {
        int s = keys.shard(member);
        Validity until = validUntil.get(s);
        return until != null && !until.passed(now(), System.nanoTime()) && held.containsKey(s);
    }

    /** A task recorded here in a shard held here: it is tracked here already. */
    void recordedHere(String member) {
        int s = keys.shard(member);
        if (held.containsKey(s)) {
            known.computeIfAbsent(s, k -> ConcurrentHashMap.newKeySet()).add(member);
        }
    }

    /** A capture of {@code member} starts here (its hold confirmed). */
    void capturing(String member) {
        capturing.add(member);
    }

    void ended(String member) {
        capturing.remove(member);
        Set<String> k = known.get(keys.shard(member));
        if (k != null) {
            k.remove(member);
        }
    }

    int live() {
        return live;
    }

    // ---- the cycle

    private Mono<Void> cycle() {
        return heartbeat().then(Mono.defer(this::renew)).then(Mono.defer(this::rebalance));
    }

    private Mono<Void> heartbeat() {
        return control.<List<Object>>eval(Scripts.HEARTBEAT, ScriptOutputType.MULTI, new String[] {keys.instances()},
                        options.instanceId(), String.valueOf(liveWindow().toMillis()))
                .collectList()
                .doOnNext(r -> {
                    List<?> flat = flatten(r);
                    live = Math.max(1, ((Number) flat.get(0)).intValue());
                })
                .then();
    }

    /**
     * An instance is counted live while its last heartbeat is younger than two of its own renewals (at most its lease;
     * each heartbeat carries it, so that instances with different leases count each other right): one that
     * died drops out of the count before its leases expire, so the survivors' shares already cover its shards when
     * they come free and one cycle takes them all. An instance too slow to beat in time only makes the others' shares
     * larger for a while: they can take no shard whose lease it still holds, and give back the extra ones once it is
     * counted again.
     */
    java.time.Duration liveWindow() {
        java.time.Duration twoRenewals = options.renewEvery().multipliedBy(2);
        return twoRenewals.compareTo(options.lease()) < 0 ? twoRenewals : options.lease();
    }

    private long now() {
        return options.scheduler().now(java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Until when a lease taken or renewed by a script sent at {@code sent} (the scheduler's ms) and {@code sentNanos}
     * ({@link System#nanoTime}) may be acted on here.
     */
    private Validity validFrom(long sent, long sentNanos) {
        long valid = options.lease().toMillis() - options.renewEvery().toMillis() / 2;
        return new Validity(sent + valid, sentNanos + valid * 1_000_000L);
    }

    /** Releases here every shard whose lease may have run out in Redis without a renewal this instance heard of. */
    private void expireLocally() {
        long now = now();
        long nowNanos = System.nanoTime();
        List<Integer> expired = null; // (made when a lease ran out: this runs at every renewal)
        for (Map.Entry<Integer, Validity> e : validUntil.entrySet()) {
            String holder = held.get(e.getKey());
            if (e.getValue().passed(now, nowNanos) && holder != null) {
                if (expired == null) {
                    expired = new ArrayList<>();
                }
                expired.add(e.getKey());
                loseLocally(e.getKey());
                giveBackLate(e.getKey(), holder);
            }
        }
        if (expired != null) { // one line for all: a paused process wakes with every lease run out (64 lines)
            log.warn("task store redis {}: {} could not be renewed in time (Redis did not answer in time, or this"
                    + " process was paused); {} tasks are released here", options.where(), leasesOf(expired),
                    expired.size() == 1 ? "its" : "their");
        }
    }

    /** "the lease of shard 3", or "the leases of 2 shards [3, 7]" (sorted): for one log line about many shards. */
    private static String leasesOf(List<Integer> shards) {
        shards.sort(null);
        return shards.size() == 1 ? "the lease of shard " + shards.get(0)
                : "the leases of " + shards.size() + " shards " + shards;
    }

    private Mono<Void> renew() {
        if (held.isEmpty()) {
            return Mono.empty();
        }
        long sent = now();
        long sentNanos = System.nanoTime();
        List<Integer> shards = new ArrayList<>(held.keySet());
        String[] leaseKeys = shards.stream().map(keys::lease).toArray(String[]::new);
        String[] args = new String[shards.size() + 1];
        args[0] = String.valueOf(options.lease().toMillis());
        for (int i = 0; i < shards.size(); i++) {
            args[i + 1] = held.get(shards.get(i));
        }
        return control.<List<Object>>eval(Scripts.RENEW, ScriptOutputType.MULTI, leaseKeys, args).collectList()
                .doOnNext(r -> {
                    List<?> flat = flatten(r);
                    List<Integer> lost = null; // (made when one was lost: one line for all, as in expireLocally)
                    for (int i = 0; i < shards.size(); i++) {
                        int shard = shards.get(i);
                        if (((Number) flat.get(i)).longValue() == 0) {
                            if (lost == null) {
                                lost = new ArrayList<>();
                            }
                            lost.add(shard);
                            loseLocally(shard);
                        } else if (args[i + 1].equals(held.get(shard))) { // still held here as renewed
                            // (only if still there: released meanwhile by the expiry check, it must stay released)
                            validUntil.computeIfPresent(shard, (k, v) -> validFrom(sent, sentNanos));
                        } else if (!held.containsKey(shard)) { // released here meanwhile, renewed there: give it back
                            giveBackLate(shard, args[i + 1]);
                        }
                    }
                    if (lost != null) {
                        boolean one = lost.size() == 1;
                        log.warn("task store redis {}: {} {} lost (held too long without renewal, so another"
                                + " instance may hold {} now); {} tasks are released here", options.where(),
                                leasesOf(lost), one ? "was" : "were", one ? "it" : "them", one ? "its" : "their");
                    }
                })
                .then();
    }

    /**
     * Takes the shards nobody has held for a lease (see {@link #OVERDUE_HOLD}), then free shards up to this
     * instance's share; gives back those above it plus one, unless it took overdue ones within the last
     * {@link #OVERDUE_HOLD} cycles.
     */
    private Mono<Void> rebalance() {
        return control.<List<Object>>eval(Scripts.OVERDUE, ScriptOutputType.MULTI, overdueKeys,
                        String.valueOf(options.lease().toMillis()))
                .collectList()
                .flatMap(r -> {
                    List<Integer> late = flatten(r).stream().map(o -> ((Number) o).intValue()).toList();
                    cyclesSinceOverdue++;
                    if (late.isEmpty()) {
                        return Mono.<Void>empty();
                    }
                    cyclesSinceOverdue = 0;
                    log.info("task store redis {}: shards {} have had no holder for a lease (an instance counted live"
                            + " is not taking its share): taken here", options.where(), late);
                    return Flux.fromIterable(late).concatMap(this::acquire, 1).then();
                })
                .then(Mono.defer(this::balance));
    }

    /** Takes free shards up to this instance's share; gives back those above it plus one. */
    private Mono<Void> balance() {
        int share = (options.shards() + live - 1) / live;
        int have = held.size();
        if (have > share + 1) {
            if (cyclesSinceOverdue < OVERDUE_HOLD) {
                return Mono.empty(); // kept a while: whoever should take them did not within a lease
            }
            // the shards with a capture running here last (see capturing)
            Set<Integer> busy = new java.util.HashSet<>();
            for (String m : capturing) {
                busy.add(keys.shard(m));
            }
            List<Integer> mine = new ArrayList<>(held.keySet());
            mine.sort(java.util.Comparator.comparing(busy::contains));
            List<Integer> extra = mine.subList(0, have - share);
            return Flux.fromIterable(List.copyOf(extra)).concatMap(this::giveBack).then();
        }
        if (have >= share) {
            return Mono.empty();
        }
        int start = ThreadLocalRandom.current().nextInt(options.shards());
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < options.shards(); i++) {
            int s = (start + i) % options.shards();
            if (!held.containsKey(s)) {
                order.add(s);
            }
        }
        int[] wanted = {share - have};
        return Flux.fromIterable(order).concatMap(s -> wanted[0] <= 0 ? Mono.empty() : acquire(s).doOnNext(ok -> {
            if (ok) {
                wanted[0]--;
            }
        }), 1).then();
    }

    private Mono<Boolean> acquire(int s) {
        long sent = now();
        long sentNanos = System.nanoTime();
        return control.<List<Object>>eval(Scripts.ACQUIRE, ScriptOutputType.MULTI,
                        new String[] {keys.lease(s), keys.fence(s), keys.released(s)}, options.instanceId(),
                        String.valueOf(options.lease().toMillis()))
                .collectList()
                .flatMap(r -> {
                    List<?> flat = flatten(r);
                    long token = ((Number) flat.get(0)).longValue();
                    if (token == 0) {
                        return Mono.just(false);
                    }
                    boolean clean = ((Number) flat.get(1)).longValue() == 1;
                    validUntil.put(s, validFrom(sent, sentNanos));
                    held.put(s, options.instanceId() + "|" + token);
                    known.put(s, ConcurrentHashMap.newKeySet());
                    if (!clean) {
                        unclean.add(s);
                    }
                    loading.add(s);
                    log.info("task store redis {}: shard {} taken (token {}{})", options.where(), s, token,
                            clean ? "" : ", from an instance that did not give it back");
                    toLoad.emitNext(new Taken(s, System.nanoTime()),
                            Sinks.EmitFailureHandler.busyLooping(java.time.Duration.ofSeconds(1)));
                    return Mono.just(true);
                });
    }

    /** A shard just taken, and when ({@link System#nanoTime()}), waiting in {@link #toLoad} for its read. */
    private record Taken(int shard, long at) {
    }

    /**
     * The open tasks of a shard just taken, to adopt. The shard's version is noted only once its members were read:
     * until then the scans read it again (as taken, cleanly or not); a task whose record could not be read is retried
     * by the scans (see {@link #emit}). Never fails.
     */
    private Mono<Void> load(Taken t) {
        int s = t.shard();
        if (!held.containsKey(s)) {
            loading.remove(s);
            return Mono.empty();
        }
        long began = System.nanoTime();
        return redis.get(keys.shardVersion(s)).defaultIfEmpty("0")
                .flatMap(v -> readShard(s, Long.parseLong(v), !unclean.contains(s)))
                .doOnSuccess(x -> log.info("task store redis {}: shard {} read, its open tasks handed to the tracker"
                        + " {} ms after the take (the read waited {} ms for its turn)", options.where(), s,
                        (System.nanoTime() - t.at()) / 1_000_000, (began - t.at()) / 1_000_000))
                .onErrorResume(e -> {
                    log.debug("task store redis {}: the tasks of shard {} could not be read ({}); the next scan reads"
                            + " them", options.where(), s, RedisStore.describe(e));
                    return Mono.empty();
                })
                .doFinally(x -> loading.remove(s));
    }

    /**
     * Every member of shard {@code s} (at {@code version}) adopted, unless known or ended; the version is noted once
     * the members were read whole, and forgotten if they could not be (the scans read the shard again).
     */
    private Mono<Void> readShard(int s, long version, boolean clean) {
        return members(s).flatMap(list -> Flux.fromIterable(list).flatMap(m -> emit(s, m, clean), 32).then()
                        .doOnSuccess(x -> noteRead(s, version)))
                .doOnError(e -> versions.remove(s));
    }

    /**
     * A shard's members read whole before any command is sent for them: Lettuce reads a connection no faster than a
     * reply's subscriber asks, so commands sent while a long reply is still being consumed on the same connection
     * would wait behind it (and time out).
     */
    private Mono<List<String>> members(int s) {
        return redis.smembers(keys.shardSet(s)).collectList();
    }

    private void noteRead(int s, long version) {
        if (held.containsKey(s)) {
            versions.put(s, version);
            unclean.remove(s);
        }
    }

    /**
     * Adopts one member of a held shard, unless it is tracked here already or has ended. A record that cannot be read
     * (Redis unreachable or restarting) is not lost: the member is noted in {@link #unread} and read again at the next
     * scans, while its shard is held here. Never fails.
     */
    private Mono<Void> emit(int s, String member, boolean clean) {
        Set<String> k = known.get(s);
        if (k == null || !k.add(member)) {
            return Mono.empty();
        }
        return redis.hgetall(keys.task(member)).collectList().doOnNext(kvs -> {
            unread.remove(member);
            Map<String, String> h = Records.hash(kvs);
            String holder = held.get(s);
            if (h.isEmpty() || h.containsKey("ended_at") || holder == null || known.get(s) != k) {
                return; // ended; or the shard was given back since this read began (and perhaps taken again)
            }
            long firstDue = Records.num(h, "first_due");
            if (!clean) {
                // its holder died: poll it within the next few seconds (spread), not at its next grid point
                long spread = Math.min(5_000, Records.num(h, "period"));
                firstDue = options.scheduler().now(java.util.concurrent.TimeUnit.MILLISECONDS)
                        + (long) (ThreadLocalRandom.current().nextDouble() * spread);
            }
            adopted.emitNext(new Adoption(Records.tracked(Keys.split(member)[1], h, firstDue), s, holder),
                    Sinks.EmitFailureHandler.busyLooping(java.time.Duration.ofSeconds(1)));
            adoptionsEmitted.incrementAndGet();
        }).then().onErrorResume(e -> {
            k.remove(member);
            if (unread.put(member, clean) == null) {
                log.warn("task store redis {}: task '{}' of shard {} could not be read to be tracked here ({});"
                        + " read again at the next scan", options.where(), Keys.split(member)[1], s,
                        RedisStore.describe(e));
            }
            return Mono.empty();
        });
    }

    /**
     * Every {@code scanEvery}: the members whose records could not be read, again; then the held shards' versions,
     * and the members of those whose version moved (another instance recorded a task in them) or was never read
     * whole.
     */
    private Mono<Void> scanHeld() {
        List<Integer> shards = new ArrayList<>(held.keySet());
        if (shards.isEmpty()) {
            return Mono.empty();
        }
        Mono<Void> retry = Flux.fromIterable(List.copyOf(unread.entrySet()))
                .filter(e -> {
                    boolean mine = held.containsKey(keys.shard(e.getKey()));
                    if (!mine) {
                        unread.remove(e.getKey()); // whoever holds its shard now reads it when it takes it
                    }
                    return mine;
                })
                .flatMap(e -> emit(keys.shard(e.getKey()), e.getKey(), e.getValue()), 32)
                .then();
        return retry.then(redis.mget(shards.stream().map(keys::shardVersion).toArray(String[]::new)).collectList())
                .flatMapMany(values -> {
                    List<long[]> moved = new ArrayList<>();
                    for (int i = 0; i < shards.size(); i++) {
                        long v = values.get(i).hasValue() ? Long.parseLong(values.get(i).getValue()) : 0;
                        Long seen = versions.get(shards.get(i));
                        if ((seen == null || seen != v) && !loading.contains(shards.get(i))) {
                            moved.add(new long[] {shards.get(i), v});
                        }
                    }
                    return Flux.fromIterable(moved);
                })
                .concatMap(sv -> readShard((int) sv[0], sv[1], !unclean.contains((int) sv[0])))
                .then();
    }

    /** Gives a shard back: its tasks are released here first, then the lease, cleanly. */
    private Mono<Void> giveBack(int s) {
        String holder = held.get(s);
        loseLocally(s);
        if (holder == null) {
            return Mono.empty();
        }
        log.info("task store redis {}: shard {} given back (this instance holds more than its share)",
                options.where(), s);
        return control.eval(Scripts.RELEASE, ScriptOutputType.INTEGER, new String[] {keys.lease(s), keys.released(s)},
                holder).then();
    }

    /**
     * Gives back in Redis, if Redis answers and {@code holder} still holds it there, a lease released here by its own
     * count: else it stays locked until it expires there, and nobody (this instance included) may take it meanwhile.
     * Best effort: the lease expires anyway.
     */
    private void giveBackLate(int s, String holder) {
        control.eval(Scripts.RELEASE, ScriptOutputType.INTEGER, new String[] {keys.lease(s), keys.released(s)}, holder)
                .subscribe(null, e -> log.debug("task store redis {}: shard {} could not be given back ({}); its lease"
                        + " expires by itself", options.where(), s, RedisStore.describe(e)));
    }

    /** Stops tracking a shard's tasks here (released: followed from now on). */
    private void loseLocally(int s) {
        held.remove(s);
        validUntil.remove(s);
        versions.remove(s);
        unclean.remove(s);
        capturing.removeIf(m -> keys.shard(m) == s); // (their ends, refused here now, would not clear them)
        Set<String> members = known.remove(s);
        if (members == null) {
            return;
        }
        for (String m : members) {
            released.emitNext(Keys.ref(m), Sinks.EmitFailureHandler.busyLooping(java.time.Duration.ofSeconds(1)));
        }
    }

    /** Stops the cycle and the scans (the leases expire by themselves). */
    void stop() {
        if (loads != null) {
            loads.dispose();
        }
        if (cycle != null) {
            cycle.dispose();
        }
        if (scan != null) {
            scan.dispose();
        }
        if (expiry != null) {
            expiry.dispose();
        }
    }

    /** Gives every held lease back (closing): the others take the tasks over on their next cycle, on their grid. */
    Mono<Void> close() {
        stop();
        Map<Integer, String> copy = Map.copyOf(held);
        held.clear();
        validUntil.clear();
        known.clear();
        return Flux.fromIterable(copy.entrySet())
                .flatMap(e -> control.eval(Scripts.RELEASE, ScriptOutputType.INTEGER,
                        new String[] {keys.lease(e.getKey()), keys.released(e.getKey())}, e.getValue()), 16)
                .then();
    }

    /** The flat list of a MULTI reply, whether Lettuce gave it as one list or element by element. */
    static List<?> flatten(List<?> r) {
        if (r.size() == 1 && r.get(0) instanceof List<?> inner) {
            return inner;
        }
        return r;
    }
}
