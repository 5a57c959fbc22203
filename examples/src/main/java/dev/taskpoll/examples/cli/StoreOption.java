package dev.taskpoll.examples.cli;

import dev.taskpoll.InvalidOptionException;
import dev.taskpoll.redis.RedisStore;
import dev.taskpoll.redis.RedisStoreOptions;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.spi.TaskStore;
import dev.taskpoll.sqlite.SqliteStore;
import dev.taskpoll.sqlite.SqliteStoreOptions;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --store FILE}: the task store the commands record in and read (an SQLite file), or {@code none};
 * {@code --redis URI}: cluster mode, the Redis several instances share instead (it wins over {@code --store}).
 */
final class StoreOption {

    /** The environment variable read when {@code --store} is not given. */
    static final String ENV = "TASKPOLL_STORE";
    /** The environment variable read when {@code --redis} is not given. */
    static final String REDIS_ENV = "TASKPOLL_REDIS";

    @Option(names = "--store", paramLabel = "FILE",
            description = "The task store: an SQLite file (default: $TASKPOLL_STORE, else ~/.taskpoll/tasks.db), "
                    + "or none to record nothing.")
    String store;

    @Option(names = "--redis", paramLabel = "URI",
            description = "Cluster mode: the Redis the instances share, redis://[:password@]host[:port][/db] or "
                    + "rediss://... (default: $TASKPOLL_REDIS); wins over --store. Its password is never printed.")
    String redis;

    /** The store's file, or null for {@code none}. */
    @Nullable Path path(Map<String, String> env) {
        String v = store != null ? store : env.get(ENV);
        if (v == null || v.isBlank()) {
            // ~ as a shell reads it: $HOME when set (the JVM's user.home is the password file's, whatever HOME says)
            String home = env.get("HOME");
            return Path.of(home != null && home.startsWith("/") ? home : System.getProperty("user.home"), ".taskpoll",
                    "tasks.db");
        }
        return v.equals("none") ? null : Path.of(v);
    }

    /**
     * {@code --download DIR}: a directory, or a path where one can be made: checked before anything is sent (a paid
     * task whose results could not be stored is found out only at its end). Nothing is created here.
     */
    static void downloadDirectory(CommandLine cl, @Nullable Path dir) {
        if (dir == null) {
            return;
        }
        if (java.nio.file.Files.exists(dir) && !java.nio.file.Files.isDirectory(dir)) {
            throw new CommandLine.ParameterException(cl, "--download: '" + dir + "' is not a directory; name a"
                    + " directory (created when missing)");
        }
        Path existing = dir.toAbsolutePath();
        while (existing != null && !java.nio.file.Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !java.nio.file.Files.isDirectory(existing)) {
            throw new CommandLine.ParameterException(cl, "--download: '" + dir + "' cannot be made: '" + existing
                    + "' is not a directory; name a directory (created when missing)");
        }
        if (!java.nio.file.Files.isWritable(existing)) {
            throw new CommandLine.ParameterException(cl, "--download: '" + dir + "' cannot be " + (existing.equals(
                    dir.toAbsolutePath()) ? "written" : "made") + ": '" + existing + "' is not writable by this user;"
                    + " name a directory it may write");
        }
    }

    /** A store file that is a directory is bad input, named with where it came from. */
    private void notADirectory(CommandLine cl, Map<String, String> env, @Nullable Path file) {
        if (file != null && java.nio.file.Files.isDirectory(file)) {
            throw new CommandLine.ParameterException(cl, (store != null ? "--store" : "$" + ENV) + ": '" + file
                    + "' is a directory; name the store's file (created when missing), or none");
        }
    }

    /** The Redis URI of cluster mode, or null for the file store. */
    @Nullable String redisUri(Map<String, String> env) {
        String v = redis != null ? redis : env.get(REDIS_ENV);
        return v == null || v.isBlank() ? null : v;
    }

    /** Where the tasks are, for messages: the file, or Redis's host and port (never its password). */
    String describe(Map<String, String> env, CommandLine cl, @Nullable String apiKey) {
        String uri = redisUri(env);
        if (uri == null) {
            Path p = path(env);
            return p == null ? "none" : p.toString();
        }
        return "redis " + options(cl, uri, apiKey, false).where();
    }

    private static RedisStoreOptions options(CommandLine cl, String uri, @Nullable String apiKey, boolean tracking) {
        return options(cl, uri, apiKey, tracking, null);
    }

    /** {@code lease}: {@code --lease} as given, or null for the default. */
    private static RedisStoreOptions options(CommandLine cl, String uri, @Nullable String apiKey, boolean tracking,
                                             @Nullable String lease) {
        if (apiKey == null || apiKey.isBlank()) {
            throw new CommandLine.ParameterException(cl, "--api-key: not set; cluster mode (--redis) keys its tasks"
                    + " by the API key's fingerprint: pass --api-key or set OPC_API_KEY");
        }
        java.time.Duration leaseFor = lease == null ? null : Connection.duration(cl, "--lease", lease);
        try {
            RedisStoreOptions.Builder b = RedisStoreOptions.builder(uri, apiKey).tracking(tracking);
            if (leaseFor != null) {
                b.lease(leaseFor);
            }
            return b.build();
        } catch (InvalidOptionException e) {
            String m = Connection.message(e);
            // the lease as given on the command line (3s), not as the library prints a Duration (PT3S)
            throw new CommandLine.ParameterException(cl, leaseFor != null && "redis.lease".equals(e.option())
                    ? m.replace(leaseFor.toString(), "'" + lease + "'") : m);
        }
    }

    /**
     * What the store recorded of each of {@code ids} it knows (one store opened for all), or nothing: no store, a file
     * not there (none is created for a lookup), or a store that cannot be read (a lookup is a convenience; it never
     * fails a command).
     */
    Map<String, TaskRecord> known(Map<String, String> env, CommandLine cl, @Nullable String apiKey,
                                  java.util.Collection<String> ids) {
        Path file = path(env);
        if (redisUri(env) == null && (file == null || !java.nio.file.Files.isRegularFile(file))) {
            return Map.of();
        }
        Map<String, TaskRecord> found = new java.util.HashMap<>();
        try (TaskStore s = recording(env, cl, apiKey)) {
            for (String id : ids) {
                TaskRecord r = s.task(id).block(java.time.Duration.ofSeconds(10));
                if (r != null) {
                    found.put(id, r);
                }
            }
        } catch (CommandLine.ParameterException e) {
            throw e; // bad input (a --redis URI that is not one): said, not passed over
        } catch (Exception e) {
            // unreadable: every task as --dialect and --model say
        }
        return found;
    }

    /** A store that only records and reads: another process may track it. */
    TaskStore recording(Map<String, String> env, CommandLine cl, @Nullable String apiKey) {
        String uri = redisUri(env);
        if (uri != null) {
            return RedisStore.open(options(cl, uri, apiKey, false));
        }
        notADirectory(cl, env, path(env));
        return recording(path(env));
    }

    /**
     * A store this process tracks: the file's lock held ({@code resume}: also every open task of the file); or, in
     * cluster mode, this instance joins the others on Redis and tracks its share of the shards.
     */
    TaskStore tracking(Map<String, String> env, CommandLine cl, @Nullable String apiKey, boolean resume) {
        return tracking(env, cl, apiKey, resume, null);
    }

    /**
     * As {@link #tracking(Map, CommandLine, String, boolean)}, in cluster mode with this lease ({@code --lease} as
     * given; null: the default).
     */
    TaskStore tracking(Map<String, String> env, CommandLine cl, @Nullable String apiKey, boolean resume,
                       @Nullable String lease) {
        String uri = redisUri(env);
        if (uri != null) {
            return RedisStore.open(options(cl, uri, apiKey, true, lease));
        }
        notADirectory(cl, env, path(env));
        return tracking(path(env), resume);
    }

    /** A file store that only records and reads: another process may track the file. */
    static TaskStore recording(@Nullable Path file) {
        return file == null ? TaskStore.none()
                : SqliteStore.open(file, SqliteStoreOptions.builder().tracking(false).build());
    }

    /** A file store this process tracks (its lock held); {@code resume}: also every open task of the file. */
    static TaskStore tracking(@Nullable Path file, boolean resume) {
        return file == null ? TaskStore.none()
                : SqliteStore.open(file, SqliteStoreOptions.builder().resume(resume).build());
    }
}
