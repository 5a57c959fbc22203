package dev.taskpoll.redis;

import dev.taskpoll.InvalidOptionException;
import io.lettuce.core.RedisURI;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * How a {@link RedisStore} connects and shares work. Immutable; build with {@link #builder(String, String)}. Every
 * setter validates at once and names the option it rejects; no message and no {@code toString()} carries the Redis
 * password or the API key.
 *
 * <ul>
 *   <li>{@code uri}: {@code redis://[:password@]host[:port][/db]} or {@code rediss://...} (TLS).</li>
 *   <li>{@code apiKey}: only its fingerprint is kept (the first 16 hex digits of a SHA-256): keys live under
 *       {@code <prefix>:<fingerprint>:}, so one Redis serves several API keys, never mixing their tasks or budgets,
 *       and the key itself is never written to Redis.</li>
 *   <li>{@code prefix}: the first part of every key (default {@code taskpoll}): one Redis, several environments.</li>
 *   <li>{@code shards}: tasks are spread over this many shards by a hash of their id (default 64); an instance polls
 *       the tasks of the shards whose lease it holds. Every instance on one Redis (prefix and API key) must use the
 *       same count: the first one's is kept in Redis, and {@link RedisStore#open} refuses another.</li>
 *   <li>{@code lease}: how long a shard's lease lasts without renewal (default 15 s, at least 3 s): a dead
 *       instance's tasks are taken over within {@code lease + renewEvery}; renewed every {@code renewEvery} (default
 *       a third of the lease).</li>
 *   <li>{@code scanEvery}: how often held shards are checked for tasks other instances recorded (default 1 s).</li>
 *   <li>{@code commandTimeout}: every Redis command's bound (default 5 s); {@code requestQueue}: commands queued at
 *       most while the connection is busy (default 10,000); while disconnected, commands are rejected at once (no
 *       replay of stale writes after a reconnect).</li>
 *   <li>{@code tracking}: true (default): this instance takes shard leases and polls their tasks; false: it only
 *       records (submits) and reads; a task it is asked to track it polls itself, as a client without a store, and
 *       records nothing of it.</li>
 *   <li>{@code retention}: how long ended tasks (and answered submits' intents) are kept (default 7 days); a tracking
 *       instance prunes them at opening and every hour (one with {@code tracking(false)} does not).</li>
 *   <li>{@code instanceId}: this instance's name in leases and records (default host, pid and a random suffix).</li>
 *   <li>{@code scheduler}: where the lease cycle and the scans run (default {@link Schedulers#parallel()}); nothing
 *       blocks on it.</li>
 * </ul>
 */
public final class RedisStoreOptions {

    private final RedisURI uri;
    private final String where;
    private final String fingerprint;
    private final String prefix;
    private final int shards;
    private final Duration lease;
    private final Duration renewEvery;
    private final Duration scanEvery;
    private final Duration commandTimeout;
    private final int requestQueue;
    private final boolean tracking;
    private final Duration retention;
    private final String instanceId;
    private final Scheduler scheduler;

    private RedisStoreOptions(Builder b) {
        this.uri = b.uri;
        this.where = b.where;
        this.fingerprint = b.fingerprint;
        this.prefix = b.prefix;
        this.shards = b.shards;
        this.lease = b.lease;
        this.renewEvery = b.renewEvery != null ? b.renewEvery : b.lease.dividedBy(3);
        this.scanEvery = b.scanEvery;
        this.commandTimeout = b.commandTimeout;
        this.requestQueue = b.requestQueue;
        this.tracking = b.tracking;
        this.retention = b.retention;
        this.instanceId = b.instanceId != null ? b.instanceId : defaultInstanceId();
        this.scheduler = b.scheduler;
        if (renewEvery.compareTo(lease.dividedBy(2)) > 0) {
            throw new InvalidOptionException("redis.renewEvery", renewEvery + " must be at most half the lease ("
                    + lease + ")");
        }
    }

    /**
     * Options for the Redis at {@code uri}, shared by the instances that use {@code apiKey}.
     *
     * @throws InvalidOptionException naming {@code redis.uri} (without its password) or {@code apiKey}
     */
    public static Builder builder(String uri, String apiKey) {
        return new Builder(uri, apiKey);
    }

    RedisURI uri() {
        return uri;
    }

    /** host:port/db, for messages: never the password. */
    public String where() {
        return where;
    }

    /** The key namespace: {@code <prefix>:<fingerprint>:}. */
    public String namespace() {
        return prefix + ":" + fingerprint + ":";
    }

    public int shards() {
        return shards;
    }

    public Duration lease() {
        return lease;
    }

    public Duration renewEvery() {
        return renewEvery;
    }

    public Duration scanEvery() {
        return scanEvery;
    }

    public Duration commandTimeout() {
        return commandTimeout;
    }

    public int requestQueue() {
        return requestQueue;
    }

    public boolean tracking() {
        return tracking;
    }

    public Duration retention() {
        return retention;
    }

    public String instanceId() {
        return instanceId;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public String toString() {
        return "RedisStoreOptions[redis=" + where + ", namespace=" + namespace() + ", shards=" + shards + ", lease="
                + lease + ", renewEvery=" + renewEvery + ", tracking=" + tracking + ", instance=" + instanceId + "]";
    }

    private static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "host";
        }
        return host + ":" + ProcessHandle.current().pid() + ":"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    }

    /** The fingerprint of an API key: the first 16 hex digits of SHA-256("taskpoll:" + key). */
    static String fingerprint(String apiKey) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(("taskpoll:" + apiKey)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Setters validate at once and name the option they reject. */
    public static final class Builder {
        private final RedisURI uri;
        private final String where;
        private final String fingerprint;
        private String prefix = "taskpoll";
        private int shards = 64;
        private Duration lease = Duration.ofSeconds(15);
        private Duration renewEvery;
        private Duration scanEvery = Duration.ofSeconds(1);
        private Duration commandTimeout = Duration.ofSeconds(5);
        private int requestQueue = 10_000;
        private boolean tracking = true;
        private Duration retention = Duration.ofDays(7);
        private String instanceId;
        private Scheduler scheduler = Schedulers.parallel();

        private Builder(String uri, String apiKey) {
            Objects.requireNonNull(uri, "redis.uri");
            Objects.requireNonNull(apiKey, "apiKey");
            if (apiKey.isBlank()) {
                throw new InvalidOptionException("apiKey", "blank; cluster mode keys its Redis data by the API key's"
                        + " fingerprint");
            }
            String scheme = uri.contains("://") ? uri.substring(0, uri.indexOf("://")).toLowerCase(Locale.ROOT) : "";
            if (!scheme.equals("redis") && !scheme.equals("rediss")) {
                throw new InvalidOptionException("redis.uri", "must start with redis:// or rediss:// (got '"
                        + (scheme.isEmpty() ? "no scheme" : scheme + "://") + "')");
            }
            RedisURI parsed;
            try {
                parsed = RedisURI.create(uri);
            } catch (RuntimeException e) {
                throw new InvalidOptionException("redis.uri", "not a valid Redis URI (" + redactedShape(uri) + ")");
            }
            this.uri = parsed;
            this.where = parsed.getHost() + ":" + parsed.getPort() + "/" + parsed.getDatabase()
                    + (parsed.isSsl() ? " (TLS)" : "");
            this.fingerprint = fingerprint(apiKey);
        }

        private static String redactedShape(String uri) {
            int at = uri.lastIndexOf('@');
            int scheme = uri.indexOf("://");
            return at > 0 && scheme >= 0 ? uri.substring(0, scheme + 3) + "***@" + uri.substring(at + 1) : uri;
        }

        public Builder prefix(String p) {
            Objects.requireNonNull(p, "redis.prefix");
            if (!p.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new InvalidOptionException("redis.prefix", "'" + p + "' must be 1-64 of A-Z a-z 0-9 _ . -");
            }
            this.prefix = p;
            return this;
        }

        public Builder shards(int n) {
            if (n < 1 || n > 1024) {
                throw new InvalidOptionException("redis.shards", n + " must be from 1 to 1024");
            }
            this.shards = n;
            return this;
        }

        public Builder lease(Duration d) {
            Objects.requireNonNull(d, "redis.lease");
            if (d.compareTo(Duration.ofSeconds(3)) < 0 || d.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new InvalidOptionException("redis.lease", d + " must be from 3 s to 10 min");
            }
            this.lease = d;
            return this;
        }

        public Builder renewEvery(Duration d) {
            Objects.requireNonNull(d, "redis.renewEvery");
            if (d.compareTo(Duration.ofMillis(200)) < 0) {
                throw new InvalidOptionException("redis.renewEvery", d + " must be at least 200 ms");
            }
            this.renewEvery = d;
            return this;
        }

        public Builder scanEvery(Duration d) {
            Objects.requireNonNull(d, "redis.scanEvery");
            if (d.compareTo(Duration.ofMillis(100)) < 0 || d.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new InvalidOptionException("redis.scanEvery", d + " must be from 100 ms to 1 min");
            }
            this.scanEvery = d;
            return this;
        }

        public Builder commandTimeout(Duration d) {
            Objects.requireNonNull(d, "redis.commandTimeout");
            if (d.compareTo(Duration.ofMillis(100)) < 0 || d.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new InvalidOptionException("redis.commandTimeout", d + " must be from 100 ms to 1 min");
            }
            this.commandTimeout = d;
            return this;
        }

        public Builder requestQueue(int n) {
            if (n < 100 || n > 1_000_000) {
                throw new InvalidOptionException("redis.requestQueue", n + " must be from 100 to 1000000");
            }
            this.requestQueue = n;
            return this;
        }

        public Builder tracking(boolean t) {
            this.tracking = t;
            return this;
        }

        public Builder retention(Duration d) {
            Objects.requireNonNull(d, "redis.retention");
            if (d.compareTo(Duration.ofMinutes(1)) < 0) {
                throw new InvalidOptionException("redis.retention", d + " must be at least 1 minute");
            }
            this.retention = d;
            return this;
        }

        public Builder instanceId(String id) {
            Objects.requireNonNull(id, "redis.instanceId");
            if (!id.matches("[^|\\s]{1,128}")) {
                throw new InvalidOptionException("redis.instanceId", "'" + id + "' must be 1-128 characters, no"
                        + " spaces and no '|'");
            }
            this.instanceId = id;
            return this;
        }

        public Builder scheduler(Scheduler s) {
            this.scheduler = Objects.requireNonNull(s, "redis.scheduler");
            return this;
        }

        public RedisStoreOptions build() {
            return new RedisStoreOptions(this);
        }
    }
}
