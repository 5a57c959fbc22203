package dev.taskpoll.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.TaskStoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Schedulers;

/** The store's thread on its own: what a failure of a kind no write expects does to the batch and to the thread. */
class StoreThreadTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /**
     * An Error thrown by a write (out of memory, a class missing: not an SQLException) fails its batch, rolled back: the
     * part of it that ran is not committed (the driver's return to auto-commit committed it), and the thread goes on
     * (it died, and every later call waited for ever).
     */
    @Test
    void anErrorInAWriteRollsItsBatchBackAndTheThreadGoesOn() throws Exception {
        Path file = dir.resolve("t.db");
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            StoreThread thread = new StoreThread(connection, file.toString(), Schedulers.parallel(), 1000,
                    Duration.ZERO);
            try {
                thread.write(c -> c.ps("CREATE TABLE t (x INTEGER)").execute()).block(WAIT);
                assertThatThrownBy(() -> thread.write(c -> {
                    c.ps("INSERT INTO t VALUES (1)").executeUpdate();
                    throw new StackOverflowError("a write's own failure");
                }).block(WAIT)).isInstanceOf(TaskStoreException.class).hasMessageContaining("a write's own failure");
                thread.write(c -> c.ps("INSERT INTO t VALUES (2)").executeUpdate()).block(WAIT);
                long[] rows = thread.read(c -> {
                    try (ResultSet rs = c.ps("SELECT x FROM t ORDER BY x").executeQuery()) {
                        java.util.List<Long> xs = new java.util.ArrayList<>();
                        while (rs.next()) {
                            xs.add(rs.getLong(1));
                        }
                        return xs.stream().mapToLong(Long::longValue).toArray();
                    }
                }).block(WAIT);
                assertThat(rows).as("the failed write's row rolled back").containsExactly(2);
            } finally {
                thread.close();
            }
        }
    }
    /**
     * When the thread itself fails (here completing a job: its scheduler is gone), the jobs it held fail, and every
     * later call is refused at once, saying why: none waits for ever.
     */
    @Test
    void whenTheThreadFailsEveryCallIsRefusedAndNoneWaits() throws Exception {
        Path file = dir.resolve("dead.db");
        reactor.core.scheduler.Scheduler gone = Schedulers.newSingle("gone");
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
             dev.taskpoll.testkit.LogCapture log = dev.taskpoll.testkit.LogCapture.of(java.util.logging.Level.SEVERE,
                     StoreThread.class.getName())) {
            StoreThread thread = new StoreThread(connection, file.toString(), gone, 1000, Duration.ZERO);
            try {
                gone.dispose();
                // a read first: taken off the queue when the thread failed answering it (it waited for ever)
                assertThatThrownBy(() -> thread.read(c -> 1).block(WAIT)).isInstanceOf(TaskStoreException.class)
                        .hasMessageContaining("stopped: its thread failed");
                assertThatThrownBy(() -> thread.write(c -> c.ps("CREATE TABLE t (x INTEGER)").execute()).block(WAIT))
                        .isInstanceOf(TaskStoreException.class).hasMessageContaining("stopped: its thread failed");
                assertThatThrownBy(() -> thread.read(c -> 1).block(WAIT)).isInstanceOf(TaskStoreException.class)
                        .hasMessageContaining("stopped: its thread failed");
                assertThat(log.messages()).anyMatch(m -> m.contains("its thread failed; every write and read is"
                        + " refused from now on"));
            } finally {
                thread.close();
            }
        }
    }
}
