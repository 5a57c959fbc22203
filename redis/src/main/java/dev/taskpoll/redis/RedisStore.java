package dev.taskpoll.redis;

import dev.taskpoll.LeaseLostException;
import dev.taskpoll.StoredFile;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskStoreException;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.spi.Cadence;
import dev.taskpoll.spi.FleetShare;
import dev.taskpoll.spi.StatusHints;
import dev.taskpoll.spi.StoreCodec;
import dev.taskpoll.spi.TaskStore;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.retry.Retry;

/**
 * Cluster mode: a {@link TaskStore} on Redis that several instances share. Every instance configured with the same
 * Redis, prefix and API key sees one set of tasks; each task is polled by exactly one instance at a time, the holder
 * of its shard's lease; a dead instance's shards are taken over by the others after their lease ({@link Leases});
 * every write of a tracked task is fenced by the lease ({@link Scripts}), so a stale holder records nothing; what a
 * holder records is published, and the other instances' subscribers follow it ({@link #changes()}).
 *
 * <pre>{@code
 * RedisStore store = RedisStore.open(RedisStoreOptions.builder("redis://:secret@redis:6379", apiKey).build());
 * TaskpollClient client = TaskpollClient.create(ClientOptions.builder().apiKey(apiKey)
 *         .trackerOptions(TrackerOptions.builder().store(store).build()).build());
 * }</pre>
 *
 * <p>Lettuce, reactive: commands bounded by {@code commandTimeout}, at most {@code requestQueue} queued, rejected at
 * once while disconnected. A write that fails because Redis is unreachable, or not ready (it answers {@code LOADING}
 * after a restart, {@code BUSY}, {@code OOM} at its memory limit, {@code MISCONF}, {@code READONLY} during a failover)
 * is tried again (100 ms doubling to 2 s)
 * until Redis answers or the store closes, in order of its retries (a change retried after a later change of the same
 * task is not recorded over it when it was observed before it and does not move the task forward; its end is recorded
 * once, and last); a fenced write refused ({@code LEASELOST}) fails
 * with {@link LeaseLostException}, and the tracker follows the task instead. Reading one task waits for Redis the
 * same way (a capture reads its record first); listing fails at once with the reason.
 */
public final class RedisStore implements TaskStore {

    private static final Logger log = Loggers.getLogger(RedisStore.class);

    private final RedisStoreOptions options;
    private final Keys keys;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final Dispatch dispatch;
    /** The lease cycle's own connection and thread: renewals never queue behind the tasks' reads and writes. */
    private final StatefulRedisConnection<String, String> leaseConnection;
    private final Dispatch leaseDispatch;
    private final RedisReactiveCommands<String, String> redis;
    private final StatefulRedisPubSubConnection<String, String> pubsub;
    private final Leases leases;
    private final RedisHints hints;
    private final Sinks.Many<Change> changes = Sinks.many().multicast().directBestEffort();
    private final Sinks.Empty<Void> closing = Sinks.empty();
    private volatile boolean closed;

    private RedisStore(RedisStoreOptions options, RedisClient client, StatefulRedisConnection<String, String> c,
                       StatefulRedisConnection<String, String> lc,
                       StatefulRedisPubSubConnection<String, String> pubsub) {
        this.options = options;
        this.keys = new Keys(options.namespace(), options.shards());
        this.client = client;
        this.connection = c;
        this.dispatch = new Dispatch(c.reactive(), options.instanceId());
        this.redis = dispatch.commands();
        this.leaseConnection = lc;
        this.leaseDispatch = new Dispatch(lc.reactive(), options.instanceId() + "-leases");
        this.pubsub = pubsub;
        this.leases = new Leases(options, keys, redis, leaseDispatch.commands());
        this.hints = new RedisHints(redis, keys.hints(), this::holds, options.where());
    }

    /**
     * Connects to Redis (blocking: call it at start-up, not on an event loop). A Redis it cannot reach, or that
     * refuses the password, fails at once with a {@link TaskStoreException} naming host and port, never the
     * password.
     */
    public static RedisStore open(RedisStoreOptions options) {
        Objects.requireNonNull(options, "options");
        RedisClient client = RedisClient.create(options.uri());
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(options.requestQueue())
                .timeoutOptions(TimeoutOptions.enabled(options.commandTimeout()))
                .build());
        StatefulRedisConnection<String, String> c = null;
        StatefulRedisConnection<String, String> lc = null;
        StatefulRedisPubSubConnection<String, String> ps = null;
        try {
            c = connect(client);
            c.sync().ping();
            Keys keys = new Keys(options.namespace(), options.shards());
            c.sync().setnx(keys.shardCount(), String.valueOf(options.shards()));
            String used = c.sync().get(keys.shardCount());
            if (!String.valueOf(options.shards()).equals(used)) {
                throw new TaskStoreException("task store redis " + options.where() + ": redis.shards: "
                        + options.shards() + ", but the instances on this Redis (prefix and API key) use " + used
                        + "; every instance must use the same", null, null);
            }
            lc = connect(client);
            ps = client.connectPubSub();
        } catch (RuntimeException e) {
            if (c != null) {
                c.close();
            }
            if (lc != null) {
                lc.close();
            }
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            throw e instanceof TaskStoreException t ? t
                    : new TaskStoreException("task store redis " + options.where() + ": " + describe(e), null, null);
        }
        RedisStore store = new RedisStore(options, client, c, lc, ps);
        store.start();
        return store;
    }

    /**
     * Connects; a connection the server closed during the handshake is tried again twice: Redis refusing a password
     * answers WRONGPASS and closes, and Lettuce sometimes reports the close before the answer (seen once in a fresh
     * clone's CI run), which would name a wrong password "unreachable".
     */
    private static StatefulRedisConnection<String, String> connect(RedisClient client) {
        for (int attempt = 1; ; attempt++) {
            try {
                return client.connect();
            } catch (RedisConnectionException e) {
                if (attempt == 3 || !rootMessage(e).contains("closed prematurely")) {
                    throw e;
                }
            }
        }
    }

    private void start() {
        pubsub.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                if (channel.equals(keys.hints())) {
                    hints.heard(message);
                    return;
                }
                Change ch = Records.change(message, options.instanceId());
                if (ch != null) {
                    changes.tryEmitNext(ch);
                }
            }
        });
        pubsub.reactive().subscribe(keys.changes(), keys.hints()).subscribe(null,
                e -> log.warn("task store redis {}: cannot follow changes ({}); followers read records instead",
                        options.where(), describe(e)));
        if (options.tracking()) {
            leases.start();
            // at opening, then every hour, as the embedded store does
            Flux.interval(Duration.ZERO, Duration.ofHours(1), options.scheduler())
                    .onBackpressureDrop()
                    .concatMap(t -> prune().onErrorResume(e -> {
                        log.warn("task store redis {}: pruning failed ({})", options.where(), describe(e));
                        return Mono.empty();
                    }), 1)
                    .takeUntilOther(closing.asMono())
                    .subscribe();
        }
    }

    /** What went wrong talking to Redis, in words a person can act on; never the password. */
    static String describe(Throwable e) {
        String all = chain(e);
        if (all.contains("WRONGPASS") || all.contains("invalid password") || all.contains("NOAUTH")
                || all.contains("AUTH failed")) {
            return "Redis refused the password (WRONGPASS or NOAUTH): check the password in the Redis URI";
        }
        if (e instanceof io.lettuce.core.RedisLoadingException) {
            return "Redis is loading its data after a restart (LOADING)";
        }
        if (e instanceof RedisCommandExecutionException && unreachable(e)) {
            return "Redis is not ready (" + rootMessage(e) + ")";
        }
        if (e instanceof RedisCommandTimeoutException || all.contains("Command timed out")) {
            return "Redis did not answer in time (command timeout)";
        }
        if (e instanceof RedisConnectionException || all.contains("Connection refused")
                || all.contains("Currently not connected") || all.contains("Connection closed")
                || all.contains("Unable to connect")) {
            return "Redis is unreachable (" + rootMessage(e) + ")";
        }
        return e.getClass().getSimpleName() + ": " + rootMessage(e);
    }

    private static String chain(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t.getClass().getSimpleName()).append(' ').append(t.getMessage()).append(" | ");
        }
        return b.toString();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        // a URI in a message loses its password: up to its last '@', as RedisStoreOptions redacts a bad URI
        return m.replaceAll("redis(s)?://\\S*@", "redis$1://***@");
    }

    /** Error replies of a Redis that is not ready for now: a write waits for it rather than fail its task. */
    private static final List<String> NOT_READY = List.of("LOADING", "BUSY", "OOM", "MISCONF", "READONLY",
            "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN");

    /**
     * Whether a failure is Redis being out of reach for now (a write waits for it): no connection, no answer in time,
     * or a Redis that answers but is not ready ({@link #NOT_READY}: {@code LOADING} its data after a restart,
     * {@code BUSY} with a script, {@code OOM} at its memory limit, {@code MISCONF} unable to persist, {@code READONLY}
     * a replica during a failover...). Any other error reply is the command's own, and final.
     */
    static boolean unreachable(Throwable e) {
        if (e instanceof RedisCommandExecutionException) {
            String m = String.valueOf(e.getMessage());
            return NOT_READY.stream().anyMatch(code -> m.startsWith(code + " ") || m.equals(code));
        }
        return e instanceof RedisConnectionException || e instanceof RedisCommandTimeoutException
                || e instanceof IOException || e instanceof RedisException
                && !(e instanceof RedisCommandExecutionException);
    }

    /** A write: tried again while Redis is unreachable, until it answers or the store closes. */
    private <T> Mono<T> durably(Mono<T> write, String what) {
        return durably(write, what, null);
    }

    /** As above, for a write of one task: its id travels with the error. */
    private <T> Mono<T> durably(Mono<T> write, String what, @Nullable String taskId) {
        return write
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(2))
                        .filter(e -> unreachable(e) && !closed)
                        .doBeforeRetry(r -> {
                            if (r.totalRetries() == 0) {
                                log.warn("task store redis {}: {} waits for Redis ({})", options.where(), what,
                                        describe(r.failure()));
                            }
                        }))
                .onErrorMap(e -> !(e instanceof TaskStoreException), e -> problem(e, what, taskId));
    }

    private TaskStoreException problem(Throwable e, String what, @Nullable String taskId) {
        String msg = String.valueOf(e.getMessage());
        if (msg.startsWith("LEASELOST")) {
            return new LeaseLostException("task store redis " + options.where() + ": " + what + " refused: this"
                    + " instance no longer holds the task's shard (another instance tracks it now)", taskId);
        }
        return new TaskStoreException("task store redis " + options.where() + ": " + what + " failed ("
                + describe(e) + ")", taskId, null);
    }

    public RedisStoreOptions options() {
        return options;
    }

    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public boolean tracking() {
        return options.tracking();
    }

    @Override
    public boolean holds(TaskRef task) {
        return options.tracking() && leases.holds(Keys.member(task));
    }

    /** Held here, and its lease not past the time this instance may act for it ({@link Leases#mayAct}). */
    @Override
    public boolean mayPoll(TaskRef task) {
        return options.tracking() && leases.mayAct(Keys.member(task));
    }

    // ---- submits

    @Override
    public Mono<Long> intent(Intent intent) {
        // not UUID.randomUUID(): SecureRandom may read /dev/urandom, a blocking call on the caller's event loop
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        return intent(intent, Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong()));
    }

    /** {@link #intent(Intent)} with the call's token: every retry of the script sends the same one. */
    Mono<Long> intent(Intent intent, String token) {
        return durably(redis.<Long>eval(Scripts.INTENT, ScriptOutputType.INTEGER,
                new String[] {keys.intentPrefix(), keys.intents(), keys.inDoubt(), keys.sequence(),
                        keys.intentTokenPrefix()},
                StoreCodec.kind(intent.kind()), intent.model(), intent.request(),
                String.valueOf(intent.at().toEpochMilli()), token).next(), "recording a submit's intent");
    }

    @Override
    public Mono<Void> submitted(long intentId, Tracked task) {
        String member = Keys.member(task.ref());
        int shard = keys.shard(member);
        List<String> args = new ArrayList<>(List.of(member, String.valueOf(task.startedAt().toEpochMilli()),
                task.last() == null ? "" : StoreCodec.status(task.last())));
        args.addAll(Records.fields(task, shard, intentId, options.instanceId()));
        args.add(String.valueOf(intentId));
        args.add(task.ref().id());
        return durably(redis.eval(Scripts.SUBMITTED, ScriptOutputType.MULTI, new String[] {keys.task(member),
                        keys.history(member), keys.shardSet(shard), keys.allTasks(), keys.shardVersion(shard),
                        keys.intentPrefix() + intentId, keys.inDoubt()}, args.toArray(String[]::new)).then(),
                "recording task '" + task.ref().id() + "'", task.ref().id())
                .doOnSuccess(v -> leases.recordedHere(member));
    }

    @Override
    public Mono<Void> notCreated(long intentId, String reason) {
        String r = reason.length() > 1000 ? reason.substring(0, 1000) : reason;
        return durably(redis.hset(keys.intentPrefix() + intentId, Map.of("outcome", "NOT_CREATED", "reason", r))
                .then(redis.srem(keys.inDoubt(), String.valueOf(intentId))).then(), "recording a refused submit");
    }

    @Override
    public Mono<Tracked> started(Tracked task) {
        String member = Keys.member(task.ref());
        int shard = keys.shard(member);
        List<String> args = new ArrayList<>(List.of(member, String.valueOf(task.startedAt().toEpochMilli()),
                task.last() == null ? "" : StoreCodec.status(task.last())));
        args.addAll(Records.fields(task, shard, 0, options.instanceId()));
        return durably(redis.<Object>eval(Scripts.RECORD, ScriptOutputType.MULTI, new String[] {keys.task(member),
                        keys.history(member), keys.shardSet(shard), keys.allTasks(), keys.shardVersion(shard)},
                        args.toArray(String[]::new)).collectList(), "recording task '" + task.ref().id() + "'", task.ref().id())
                .map(existing -> {
                    List<?> flat = Leases.flatten(existing);
                    leases.recordedHere(member);
                    if (flat.isEmpty() || flat.size() == 1 && flat.get(0) == null) {
                        return task;
                    }
                    Map<String, String> h = Records.pairs(flat);
                    return h.containsKey("kind") ? Records.tracked(task.ref().id(), h, Records.num(h, "first_due"))
                            : task;
                });
    }

    // ---- fenced writes of a tracked task

    private Mono<String> fenced(TaskRef task, String script, String[] keysOf, List<String> args, String what) {
        String member = Keys.member(task);
        int shard = keys.shard(member);
        String holder = leases.held.get(shard);
        if (holder == null) {
            return Mono.error(new LeaseLostException("task store redis " + options.where() + ": " + what
                    + " refused: this instance does not hold the shard of task '" + task.id() + "'", task.id()));
        }
        String[] k = new String[keysOf.length + 1];
        System.arraycopy(keysOf, 0, k, 0, 2);
        k[2] = keys.lease(shard);
        System.arraycopy(keysOf, 2, k, 3, keysOf.length - 2);
        List<String> a = new ArrayList<>(args.size() + 1);
        a.add(holder);
        a.addAll(args);
        return durably(redis.<String>eval(script, ScriptOutputType.STATUS, k, a.toArray(String[]::new)).next(),
                what, task.id());
    }

    @Override
    public Mono<Void> status(TaskRef task, TaskStatus status) {
        String member = Keys.member(task);
        return fenced(task, Scripts.STATUS, new String[] {keys.task(member), keys.history(member)},
                List.of(StoreCodec.status(status), keys.changes(),
                        Records.change(member, task.kind(), status, false, null, options.instanceId())),
                "recording a status of task '" + task.id() + "'").then();
    }

    @Override
    public Mono<Void> confirm(TaskRef task) {
        String member = Keys.member(task);
        String what = "confirming the hold of task '" + task.id() + "' before its capture";
        return fenced(task, Scripts.CONFIRM, new String[] {keys.task(member), keys.history(member)}, List.of(), what)
                .flatMap(r -> "ENDED".equals(r) ? Mono.error(new LeaseLostException("task store redis "
                        + options.where() + ": " + what + " refused: another instance has ended it", task.id()))
                        : Mono.<Void>empty())
                .doOnSuccess(v -> leases.capturing(member)); // its shard is given back last while it runs
    }

    @Override
    public Mono<Void> captured(TaskRef task, StoredFile file) {
        String member = Keys.member(task);
        return fenced(task, Scripts.CAPTURED, new String[] {keys.task(member), keys.results(member)},
                List.of(String.valueOf(file.index()), Records.file(file, options.instanceId(),
                        options.scheduler().now(java.util.concurrent.TimeUnit.MILLISECONDS))),
                "recording a stored result of task '" + task.id() + "'").then();
    }

    @Override
    public Mono<Void> ended(TaskRef task, Ending ending) {
        String member = Keys.member(task);
        int shard = keys.shard(member);
        TaskStatus terminal = ending.status();
        String error = ending.error();
        return fenced(task, Scripts.ENDED, new String[] {keys.task(member), keys.history(member),
                        keys.shardSet(shard), keys.ended()},
                List.of(terminal == null ? "" : StoreCodec.status(terminal), error == null ? "" : error,
                        String.valueOf(ending.at().toEpochMilli()), member, keys.changes(),
                        Records.change(member, task.kind(), terminal, true, error, options.instanceId())),
                "recording the end of task '" + task.id() + "'")
                .doOnSuccess(r -> leases.ended(member)).then();
    }

    // ---- tracking

    @Override
    public Flux<Tracked> open() {
        if (!options.tracking()) {
            return Flux.empty();
        }
        if (!opened.compareAndSet(false, true)) {
            // its leases' adoptions went to the first tracker, and stay with it: a second would track nothing
            return Flux.error(new TaskStoreException("task store redis " + options.where() + ": serves one tracker"
                    + " for its life, and one has used it already (a tracker's close does not close its store, whose"
                    + " shards stay held); close this store and open a new one for the next tracker"));
        }
        return leases.adopted();
    }

    /** Whether a tracker has taken this store's adoptions ({@link #open()}). */
    private final java.util.concurrent.atomic.AtomicBoolean opened = new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public Flux<TaskRef> released() {
        if (!options.tracking()) {
            return Flux.empty();
        }
        if (!releasedTaken.compareAndSet(false, true)) { // a second tracker: open() tells it what to do
            return Flux.empty();
        }
        return leases.released();
    }

    /** Whether a tracker has taken this store's releases ({@link #released()}). */
    private final java.util.concurrent.atomic.AtomicBoolean releasedTaken =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** Callbacks routed through Redis to the instance holding the task's shard (the tracker's default here). */
    @Override
    public StatusHints hints() {
        return hints;
    }

    @Override
    public Flux<Change> changes() {
        return changes.asFlux();
    }

    /**
     * The API key's fleet budget shared with the other instances on this Redis, for
     * {@code TrackerOptions.builder().fleetShare(...)}: give it the same {@link dev.taskpoll.FleetOptions} as the tracker's
     * {@code fleet(...)} (its ceiling, floor and steps are the key's).
     */
    public FleetShare fleetShare(dev.taskpoll.FleetOptions fleet) {
        return new RedisFleetShare(redis, keys, options.instanceId(), Objects.requireNonNull(fleet, "fleet"));
    }

    /** How many instances are alive now (from the last heartbeat), for stats and tests. */
    public int liveInstances() {
        return leases.live();
    }

    /** The shards this instance holds now. */
    public int heldShards() {
        return leases.held.size();
    }

    /** Adoptions emitted so far, delivered or waiting for the tracker's subscription (tests). */
    int adoptionsEmitted() {
        return leases.adoptionsEmitted.get();
    }

    /** How many open tasks of the held shards were read to be tracked here (tests). */
    int knownTasks() {
        return leases.known.values().stream().mapToInt(Set::size).sum();
    }

    // ---- models

    @Override
    public Flux<Cadence.Saved> models() {
        return redis.hgetall(keys.models()).flatMap(kv -> {
            try {
                var n = Records.JSON.readTree(kv.getValue());
                return Mono.just(new Cadence.Saved(kv.getKey(), n.path("observations").asLong(),
                        StoreCodec.window(n.path("window").asText()), Instant.ofEpochMilli(n.path("at").asLong())));
            } catch (IOException | RuntimeException e) {
                return Mono.empty();
            }
        }).onErrorMap(e -> problem(e, "reading cadence models", null));
    }

    @Override
    public Mono<Void> saveModel(Cadence.Saved model) {
        String json = Records.JSON.createObjectNode().put("observations", model.observations())
                .put("window", StoreCodec.window(model.window())).put("at", model.at().toEpochMilli()).toString();
        return redis.hset(keys.models(), model.key(), json).then()
                .onErrorMap(e -> problem(e, "keeping cadence model " + model.key(), null));
    }

    // ---- reads

    @Override
    public Flux<TaskRecord> tasks(TaskRecord.@Nullable Phase phase) {
        // every list read whole before commands are sent for its members: Lettuce reads a connection no faster than
        // a reply's subscriber asks, so those commands would wait behind the list's own reply (and time out)
        Flux<TaskRecord> doubt = redis.smembers(keys.inDoubt()).collectList().flatMapIterable(l -> l)
                .flatMap(id -> redis.hgetall(keys.intentPrefix() + id)
                .collectList().map(kvs -> Records.inDoubt(Long.parseLong(id), Records.hash(kvs))), 32);
        Flux<TaskRecord> recorded = redis.zrevrange(keys.allTasks(), 0, -1).collectList().flatMapIterable(l -> l)
                .flatMapSequential(member -> record(member, false), 32)
                .filter(r -> phase == null || r.phase() == phase);
        Flux<TaskRecord> all = phase == TaskRecord.Phase.IN_DOUBT ? doubt
                : phase == null ? recorded.concatWith(doubt) : recorded;
        return all.onErrorMap(e -> !(e instanceof TaskStoreException), e -> problem(e, "listing tasks", null));
    }

    private Mono<TaskRecord> record(String member, boolean withHistory) {
        String id = Keys.split(member)[1];
        Mono<Map<String, String>> hash = redis.hgetall(keys.task(member)).collectList().map(Records::hash);
        Mono<Map<String, String>> results = redis.hgetall(keys.results(member)).collectList().map(Records::hash);
        Mono<List<TaskStatus>> history = withHistory
                ? redis.lrange(keys.history(member), 0, -1).map(StoreCodec::status).collectList()
                : Mono.just(List.of());
        return Mono.zip(hash, results, history).filter(t -> !t.getT1().isEmpty())
                .map(t -> Records.record(id, t.getT1(), Records.files(t.getT2()), t.getT3()));
    }

    @Override
    public Mono<TaskRecord> task(String id) {
        // waits for an unreachable Redis as a write does: a capture reads the record before it stores a result, and
        // must not give a paid result up because Redis restarted (FailoverIT lost one that way)
        return durably(Flux.fromArray(Dialect.values()).concatMap(d -> record(Keys.member(d, id), true)).next(),
                "reading task '" + id + "'", id);
    }

    /**
     * Deletes ended tasks older than the retention, with their history and results; "older" on the clock of the
     * store's scheduler, as the end times it records come from the tracker's.
     */
    Mono<Long> prune() {
        long before = options.scheduler().now(java.util.concurrent.TimeUnit.MILLISECONDS)
                - options.retention().toMillis();
        // and the intents answered (submitted or refused) before then; one in doubt stays until the user decides
        // (the in-doubt set read once, not a question per intent)
        Mono<Long> intents = redis.smembers(keys.inDoubt()).collect(java.util.stream.Collectors.toSet())
                .flatMap(doubt -> redis.zrangebyscore(keys.intents(), io.lettuce.core.Range.create(0, before))
                        .collectList().map(ids -> ids.stream().filter(id -> !doubt.contains(id)).toList()))
                .flatMapIterable(l -> l)
                .concatMap(id -> redis.del(keys.intentPrefix() + id).then(redis.zrem(keys.intents(), id)))
                .then(Mono.empty());
        return redis.zrangebyscore(keys.ended(), io.lettuce.core.Range.create(0, before)).collectList()
                .flatMapIterable(l -> l)
                .concatMap(m -> redis.del(keys.task(m), keys.history(m), keys.results(m))
                        .then(redis.zrem(keys.ended(), m)).then(redis.zrem(keys.allTasks(), m)))
                .count()
                .flatMap(n -> intents.thenReturn(n));
    }

    /** Dies as a killed process would, for tests: the leases are neither renewed nor given back. */
    void crashForTest() {
        closed = true;
        closing.tryEmitEmpty();
        leases.stop();
        pubsub.close();
        connection.close();
        leaseConnection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    /**
     * Gives this instance's leases back (waiting at most twice the command timeout, so that the others take its
     * shards at once rather than after the lease) and closes the connections. Blocking, like {@link #open}: call it
     * at shutdown (the client's {@code close} does), not on an event loop.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing.tryEmitEmpty();
        try {
            leases.close().block(options.commandTimeout().multipliedBy(2));
        } catch (RuntimeException e) {
            log.warn("task store redis {}: the leases could not be given back ({}); they expire in {}",
                    options.where(), describe(e), options.lease());
        }
        try {
            pubsub.close();
            connection.close();
            leaseConnection.close();
        } finally {
            dispatch.close();
            leaseDispatch.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Override
    public String toString() {
        return "RedisStore[" + options.where() + ", " + options.namespace() + ", instance " + options.instanceId()
                + "]";
    }
}
