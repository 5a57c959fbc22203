package dev.taskpoll.examples.cli;

import dev.taskpoll.spi.TaskStore;
import dev.taskpoll.sqlite.SqliteStore;
import dev.taskpoll.sqlite.SqliteStoreOptions;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** {@code --store FILE}: the task store the commands record in and read (an SQLite file), or {@code none}. */
final class StoreOption {

    /** The environment variable read when {@code --store} is not given. */
    static final String ENV = "TASKPOLL_STORE";

    @Option(names = "--store", paramLabel = "FILE",
            description = "The task store: an SQLite file (default: $TASKPOLL_STORE, else ~/.taskpoll/tasks.db), "
                    + "or none to record nothing.")
    String store;

    /** The store's file, or null for {@code none}. */
    @Nullable Path path(Map<String, String> env) {
        String v = store != null ? store : env.get(ENV);
        if (v == null || v.isBlank()) {
            return Path.of(System.getProperty("user.home"), ".taskpoll", "tasks.db");
        }
        return v.equals("none") ? null : Path.of(v);
    }

    /** A store that only records and reads: another process may track the file. */
    static TaskStore recording(@Nullable Path file) {
        return file == null ? TaskStore.none()
                : SqliteStore.open(file, SqliteStoreOptions.builder().tracking(false).build());
    }

    /** A store this process tracks (its lock held); {@code resume}: also every open task of the file. */
    static TaskStore tracking(@Nullable Path file, boolean resume) {
        return file == null ? TaskStore.none()
                : SqliteStore.open(file, SqliteStoreOptions.builder().resume(resume).build());
    }
}
