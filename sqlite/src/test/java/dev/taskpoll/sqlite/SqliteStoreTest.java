package dev.taskpoll.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.PollPolicy;
import dev.taskpoll.StoredFile;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskStoreException;
import dev.taskpoll.catalog.AssetLibrary;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.Cadence;
import dev.taskpoll.spi.StoreCodec;
import dev.taskpoll.spi.TaskStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The embedded store on its own: what it records, what it refuses, and how it reads back. */
class SqliteStoreTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final PollPolicy POLICY = PollPolicy.of(Duration.ofSeconds(30), Duration.ofMinutes(30));
    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private SqliteStore store(Path file, SqliteStoreOptions options) {
        SqliteStore s = SqliteStore.open(file, options);
        open.add(s);
        return s;
    }

    private SqliteStore store() {
        return store(dir.resolve("tasks.db"), SqliteStoreOptions.defaults());
    }

    private static TaskStatus status(String id, String raw, Instant at, String... urls) {
        return new TaskStatus(id, TaskState.fromRaw(raw), raw, "veo_3_1_fast", null, List.of(urls), null, null, null,
                at);
    }

    private static TaskRef ref(String id) {
        return TaskRef.of(id, Family.VEO, "veo_3_1_fast").withPolicy(POLICY);
    }

    /** The OPC dialect's row ids kept by the store's thread. */
    private static RowIds opc(StoreThread.Statements c) {
        return c.rows(Dialect.OPC);
    }

    private static TaskStore.Tracked tracked(String id, TaskStatus first) {
        return new TaskStore.Tracked(ref(id), T0,
                T0.plus(Duration.ofMinutes(30)), T0.toEpochMilli() + 30_000, first);
    }

    @Test
    void aSubmittedTaskIsRecordedWithItsHistoryFilesAndEnd() {
        SqliteStore s = store();
        long intent = s.intent(new TaskStore.Intent(Family.VEO, "veo_3_1_fast", "{\"prompt\":\"fox\"}", T0))
                .block(WAIT);
        TaskStatus queued = status("v1", "queued", T0);
        s.submitted(intent, tracked("v1", queued)).block(WAIT);
        TaskRef ref = TaskRef.of("v1", Family.VEO, "veo_3_1_fast").withPolicy(POLICY);
        s.status(ref, status("v1", "processing", T0.plusSeconds(30))).block(WAIT);
        TaskStatus done = status("v1", "completed", T0.plusSeconds(90), "https://cdn.example/v1.mp4?sig=s");
        s.status(ref, done).block(WAIT);
        s.captured(ref, new StoredFile(0, "/out/v1/0.mp4", 1234, "ab".repeat(32))).block(WAIT);
        s.ended(ref, new TaskStore.Ending(done, null, T0.plus(Duration.ofMinutes(30)), T0.plusSeconds(91)))
                .block(WAIT);

        TaskRecord r = s.task("v1").block(WAIT);
        assertThat(r.phase()).isEqualTo(TaskRecord.Phase.ENDED);
        assertThat(r.state()).isEqualTo("COMPLETED");
        assertThat(r.kind()).isEqualTo(Family.VEO);
        assertThat(r.model()).isEqualTo("veo_3_1_fast");
        assertThat(r.request()).isEqualTo("{\"prompt\":\"fox\"}");
        assertThat(r.submittedAt()).isEqualTo(T0);
        assertThat(r.endedAt()).isEqualTo(T0.plusSeconds(91));
        assertThat(r.history()).extracting(TaskStatus::rawStatus).containsExactly("queued", "processing", "completed");
        assertThat(r.last().resultUrls()).containsExactly("https://cdn.example/v1.mp4?sig=s");
        assertThat(r.files()).containsExactly(new StoredFile(0, "/out/v1/0.mp4", 1234, "ab".repeat(32)));
        assertThat(s.tasks(TaskRecord.Phase.ENDED).collectList().block(WAIT)).extracting(TaskRecord::id)
                .containsExactly("v1");
        assertThat(s.tasks(TaskRecord.Phase.OPEN).collectList().block(WAIT)).isEmpty();
        assertThat(s.open().take(Duration.ofMillis(300)).collectList().block(WAIT)).as("nothing to resume").isEmpty();
    }

    @Test
    void aSubmitWithNoAnswerIsInDoubtAndOneProvablyNotCreatedIsNot() {
        SqliteStore s = store();
        long sent = s.intent(new TaskStore.Intent(Family.SORA, "openAiSora2Plus", "{\"prompt\":\"a\"}", T0))
                .block(WAIT);
        long refused = s.intent(new TaskStore.Intent(Family.SORA, "openAiSora2Plus", "{\"prompt\":\"b\"}",
                T0.plusSeconds(1))).block(WAIT);
        s.notCreated(refused, "HTTP 400: prompt refused").block(WAIT);
        List<TaskRecord> doubt = s.tasks(TaskRecord.Phase.IN_DOUBT).collectList().block(WAIT);
        assertThat(doubt).singleElement().satisfies(r -> {
            assertThat(r.id()).isNull();
            assertThat(r.intentId()).isEqualTo(sent);
            assertThat(r.state()).isEqualTo("IN_DOUBT");
            assertThat(r.kind()).isEqualTo(Family.SORA);
            assertThat(r.request()).isEqualTo("{\"prompt\":\"a\"}");
            assertThat(r.error()).contains("never sent again");
        });
    }

    @Test
    void openGivesEveryOpenTaskThenTheTasksAnotherProcessAdds() {
        Path file = dir.resolve("shared.db");
        SqliteStore tracker = store(file, SqliteStoreOptions.builder().scanEvery(Duration.ofMillis(50)).build());
        tracker.started(tracked("a", status("a", "queued", T0))).block(WAIT);
        TaskStore.Tracked asset = new TaskStore.Tracked(TaskRef.of("asset-1", AssetLibrary.SEEDANCE_2_0)
                .withPolicy(POLICY), T0, T0.plusSeconds(60), Long.MIN_VALUE, null);
        tracker.started(asset).block(WAIT);
        List<TaskStore.Tracked> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        reactor.core.Disposable d = tracker.open().subscribe(seen::add);
        // another process (a store that only records) adds a task to the same file
        SqliteStore recorder = store(file, SqliteStoreOptions.builder().tracking(false).build());
        long intent = recorder.intent(new TaskStore.Intent(Family.VEO, "veo_3_1_fast", "{}", T0)).block(WAIT);
        recorder.submitted(intent, tracked("b", status("b", "queued", T0))).block(WAIT);
        long until = System.nanoTime() + WAIT.toNanos();
        while (seen.size() < 3 && System.nanoTime() < until) {
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
        d.dispose();
        assertThat(seen).extracting(t -> t.ref().id()).containsExactly("a", "asset-1", "b");
        assertThat(seen.get(1).ref().kind()).isEqualTo(AssetLibrary.SEEDANCE_2_0);
        assertThat(seen.get(1).firstDue()).isEqualTo(Long.MIN_VALUE);
        TaskStore.Tracked a = seen.get(0);
        assertThat(a.ref().policy()).isEqualTo(POLICY);
        assertThat(a.deadline()).isEqualTo(T0.plus(Duration.ofMinutes(30)));
        assertThat(a.firstDue()).isEqualTo(T0.toEpochMilli() + 30_000);
        assertThat(a.last().rawStatus()).isEqualTo("queued");
    }

    @Test
    void anExistingRecordWinsWhenATaskIsStartedAgain() {
        SqliteStore s = store();
        s.started(tracked("x", null)).block(WAIT);
        TaskStore.Tracked later = new TaskStore.Tracked(TaskRef.of("x", Family.VEO).withPolicy(POLICY),
                T0.plusSeconds(500), T0.plusSeconds(2300), T0.toEpochMilli() + 530_000, null);
        TaskStore.Tracked held = s.started(later).block(WAIT);
        assertThat(held.startedAt()).isEqualTo(T0);
        assertThat(held.firstDue()).isEqualTo(T0.toEpochMilli() + 30_000);
        assertThat(held.ref().model()).isEqualTo("veo_3_1_fast");
    }

    @Test
    void aSecondTrackerIsRefusedNamingTheHolderAndARecorderIsNot() {
        Path file = dir.resolve("locked.db");
        SqliteStore first = store(file, SqliteStoreOptions.defaults());
        assertThatThrownBy(() -> SqliteStore.open(file))
                .isInstanceOf(TaskStoreException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("already tracked by this process (pid " + ProcessHandle.current().pid() + "), by a store of it that is not closed")
                .satisfies(e -> assertThat(((TaskStoreException) e).holder())
                        .isEqualTo("pid " + ProcessHandle.current().pid()));
        SqliteStore reader = store(file, SqliteStoreOptions.builder().tracking(false).build());
        assertThat(reader.tasks(null).collectList().block(WAIT)).isEmpty();
        first.close();
        open.remove(first);
        store(file, SqliteStoreOptions.defaults()); // the lock went with the first
    }

    /**
     * The scans for tasks other processes add go by rowid, and SQLite gives a new row max(rowid) + 1: a prune of the
     * newest row handed its rowid to the next task, which no scan saw (found by review).
     */
    @Test
    void aTaskAddedAfterThePruneOfTheNewestRowIsStillPickedUp() {
        Path file = dir.resolve("reuse.db");
        SqliteStore tracker = store(file, SqliteStoreOptions.builder().scanEvery(Duration.ofMillis(50))
                .retention(Duration.ofMinutes(1)).build());
        List<TaskStore.Tracked> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        reactor.core.Disposable d = tracker.open().subscribe(seen::add);
        open.add(d::dispose);
        SqliteStore recorder = store(file, SqliteStoreOptions.builder().tracking(false).build());
        addAsAnotherProcess(recorder, "t1");
        awaitSeen(seen, "t1");
        tracker.ended(TaskRef.of("t1", Family.VEO), new TaskStore.Ending(status("t1", "completed", T0), null, T0,
                Instant.now().minusSeconds(120))).block(WAIT);
        assertThat(tracker.prune().block(WAIT)).as("the newest row stays, whatever its age").isZero();
        addAsAnotherProcess(recorder, "t2");
        awaitSeen(seen, "t2");
        assertThat(seen).extracting(t -> t.ref().id()).containsExactly("t1", "t2");
        addAsAnotherProcess(recorder, "t3");
        awaitSeen(seen, "t3");
        assertThat(tracker.prune().block(WAIT)).as("then it goes, the newest row being another").isEqualTo(1);
    }

    /**
     * A scan for the tasks other processes add that fails (here the table is renamed away for a while) is tried again
     * at the next one, from where the last one got, and said once: it used to end the scans, and with them the
     * tracking of every task added afterwards, until the next restart.
     */
    @Test
    void aFailedScanIsTriedAgainAndTheTasksAddedMeanwhileArePickedUp() throws Exception {
        Path file = dir.resolve("scan.db");
        SqliteStore tracker = store(file, SqliteStoreOptions.builder().scanEvery(Duration.ofMillis(50)).build());
        List<TaskStore.Tracked> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        SqliteStore recorder = store(file, SqliteStoreOptions.builder().tracking(false).build());
        try (dev.taskpoll.testkit.LogCapture log = dev.taskpoll.testkit.LogCapture.of(java.util.logging.Level.INFO,
                SqliteStore.class.getName())) {
            reactor.core.Disposable d = tracker.open().subscribe(seen::add);
            open.add(d::dispose);
            addAsAnotherProcess(recorder, "before");
            awaitSeen(seen, "before");
            sql(file, "ALTER TABLE tasks RENAME TO tasks_away");
            dev.taskpoll.testkit.Await.until(() -> log.messages().stream().anyMatch(m -> m.contains(
                    "reading its open tasks failed")), WAIT, "a scan failed");
            sql(file, "ALTER TABLE tasks_away RENAME TO tasks");
            addAsAnotherProcess(recorder, "after");
            awaitSeen(seen, "after");
            assertThat(seen).extracting(t -> t.ref().id()).containsExactly("before", "after");
            assertThat(log.messages()).filteredOn(m -> m.contains("reading its open tasks failed")).hasSize(1);
            dev.taskpoll.testkit.Await.until(() -> log.messages().stream().anyMatch(m -> m.contains(
                    "reading its open tasks works again")), WAIT, "said when it works again");
        }
    }

    /**
     * A second tracker of a file in the same process is refused without touching the lock file: closing a channel
     * of it, as the refusal did, dropped the first tracker's operating-system lock (POSIX locks belong to the process,
     * and any close of the file releases them), and another process could then take it. Checked from another JVM.
     */
    @Test
    void aSecondTrackerInTheSameProcessLeavesTheFirstOnesLockHeld() throws Exception {
        Path file = dir.resolve("mine.db");
        store(file, SqliteStoreOptions.defaults());
        assertThatThrownBy(() -> SqliteStore.open(file)).isInstanceOf(TaskStoreException.class)
                .hasMessageContaining("already tracked by this process (pid " + ProcessHandle.current().pid() + "), by a store of it that is not closed");
        Path probe = dir.resolve("Probe.java");
        Files.writeString(probe, "public class Probe { public static void main(String[] a) throws Exception {"
                + " try (var ch = java.nio.channels.FileChannel.open(java.nio.file.Path.of(a[0]),"
                + " java.nio.file.StandardOpenOption.WRITE)) { System.exit(ch.tryLock() == null ? 3 : 0); } } }");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                probe.toString(), dir.resolve("mine.db.lock").toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("the probe ended").isTrue();
        assertThat(p.exitValue()).as("another process is refused the lock (3), not given it (0): "
                + new String(p.getInputStream().readAllBytes())).isEqualTo(3);
    }

    /** One row this taskpoll cannot read (a kind a newer one wrote) is left as it is; the others resume. */
    @Test
    void aRowOfAnUnknownKindDoesNotStopTheOthersFromResuming() throws Exception {
        Path file = dir.resolve("kinds.db");
        try (SqliteStore s = SqliteStore.open(file)) {
            s.started(tracked("before", status("before", "queued", T0))).block(WAIT);
        }
        sql(file, "INSERT INTO tasks (dialect, id, kind, model, initial_ms, period_ms, deadline_ms, started_at,"
                + " deadline_at, first_due, submitted_at, intent_id, origin) VALUES ('OPC', 'new', 'KLING_9', 'k',"
                + " 30000, 30000, 1800000, " + T0.toEpochMilli() + ", " + (T0.toEpochMilli() + 1_800_000) + ", "
                + (T0.toEpochMilli() + 30_000) + ", " + T0.toEpochMilli() + ", 0, 'other')");
        try (SqliteStore s = SqliteStore.open(file)) {
            s.started(tracked("after", status("after", "queued", T0))).block(WAIT);
        }
        SqliteStore s = store(file, SqliteStoreOptions.defaults());
        assertThat(s.open().take(2).collectList().block(WAIT)).extracting(t -> t.ref().id())
                .containsExactly("before", "after");
    }

    /** Two processes opening one new file at once: one migrates it, the other finds it migrated. */
    @Test
    void twoStoresOpeningOneNewFileAtOnceBothOpenIt() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 20; i++) {
                Path file = dir.resolve("new-" + i + ".db");
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
                List<java.util.concurrent.Future<SqliteStore>> both = new ArrayList<>();
                for (boolean tracking : new boolean[] {true, false}) {
                    both.add(pool.submit(() -> {
                        together.await();
                        return SqliteStore.open(file, SqliteStoreOptions.builder().tracking(tracking).build());
                    }));
                }
                for (java.util.concurrent.Future<SqliteStore> f : both) {
                    open.add(f.get(30, java.util.concurrent.TimeUnit.SECONDS));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Two names of one file (a symbolic link) share its tracking lock. */
    @Test
    void aSecondTrackerThroughASymbolicLinkIsRefused() throws Exception {
        Path file = dir.resolve("real.db");
        store(file, SqliteStoreOptions.defaults());
        Path link = java.nio.file.Files.createSymbolicLink(dir.resolve("link.db"), file);
        assertThatThrownBy(() -> SqliteStore.open(link))
                .isInstanceOf(TaskStoreException.class)
                .hasMessageContaining("already tracked by this process");
    }

    private static void addAsAnotherProcess(SqliteStore recorder, String id) {
        long intent = recorder.intent(new TaskStore.Intent(Family.VEO, "veo_3_1_fast", "{}", T0)).block(WAIT);
        recorder.submitted(intent, tracked(id, status(id, "queued", T0))).block(WAIT);
    }

    private static void awaitSeen(List<TaskStore.Tracked> seen, String id) {
        long until = System.nanoTime() + WAIT.toNanos();
        while (seen.stream().noneMatch(t -> t.ref().id().equals(id)) && System.nanoTime() < until) {
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
    }

    @Test
    void filesThatAreNotTaskpollStoresAreRefusedAndLeftAsTheyWere() throws Exception {
        Path junk = dir.resolve("junk.db");
        Files.write(junk, "this is not a database, just text that is long enough to be read".repeat(100).getBytes());
        byte[] before = Files.readAllBytes(junk);
        assertThatThrownBy(() -> SqliteStore.open(junk)).isInstanceOf(TaskStoreException.class)
                .hasMessageContaining(junk.toString()).hasMessageContaining("not an SQLite database");
        assertThat(Files.readAllBytes(junk)).isEqualTo(before);

        assertThat(dir.resolve("junk.db.lock")).doesNotExist();

        // another application's database, in SQLite's default rollback-journal mode: not turned to WAL (a change of
        // its header that other readers of it may not take), no lock file left beside it (a review found both)
        Path other = dir.resolve("other.db");
        sql(other, "CREATE TABLE customers (id INTEGER)");
        byte[] otherBefore = Files.readAllBytes(other);
        assertThatThrownBy(() -> SqliteStore.open(other)).isInstanceOf(TaskStoreException.class)
                .hasMessageContaining(other.toString()).hasMessageContaining("not a taskpoll store");
        assertThat(Files.readAllBytes(other)).as("the file as it was").isEqualTo(otherBefore);
        assertThat(dir.resolve("other.db.lock")).doesNotExist();
        assertThat(dir.resolve("other.db-wal")).doesNotExist();
        assertThat(tables(other)).containsExactly("customers");

        Path newer = dir.resolve("newer.db");
        SqliteStore.open(newer).close();
        sql(newer, "PRAGMA user_version = 99");
        assertThatThrownBy(() -> SqliteStore.open(newer)).isInstanceOf(TaskStoreException.class)
                .hasMessageContaining("schema is version 99, newer than this taskpoll's (" + Schema.CURRENT + ")");
    }

    @Test
    void aReadOnlyFileIsRefusedAtOnce() throws Exception {
        Path ro = dir.resolve("ro.db");
        SqliteStore.open(ro).close();
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r--r--r--"));
        try {
            if (Files.isWritable(ro)) {
                return; // running as root: the file system ignores the permission, nothing to test here
            }
            assertThatThrownBy(() -> SqliteStore.open(ro)).isInstanceOf(TaskStoreException.class)
                    .hasMessageContaining(ro.toString()).hasMessageContaining("read-only");
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    @Test
    void aFileOnAFullDiskRefusesTheWriteNamingTheFileAndLosesNothingCommitted() throws Exception {
        Path file = dir.resolve("full.db");
        SqliteStore s = store(file, SqliteStoreOptions.defaults());
        s.started(tracked("kept", status("kept", "queued", T0))).block(WAIT);
        // SQLite's own cap on the file: past it every write fails as on a full disk (SQLITE_FULL)
        s.read(c -> {
            try (Statement st = c.connection.createStatement()) {
                st.execute("PRAGMA max_page_count = " + pageCount(c.connection));
            }
            return true;
        }).block(WAIT);
        String big = "x".repeat(100_000);
        assertThatThrownBy(() -> s.intent(new TaskStore.Intent(Family.VEO, "veo_3_1_fast", big, T0)).block(WAIT))
                .isInstanceOf(TaskStoreException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("disk is full");
        s.read(c -> {
            try (Statement st = c.connection.createStatement()) {
                st.execute("PRAGMA max_page_count = 1000000");
            }
            return true;
        }).block(WAIT);
        assertThat(s.intent(new TaskStore.Intent(Family.VEO, "veo_3_1_fast", "{}", T0)).block(WAIT))
                .as("the same write once the disk has room again").isPositive();
        s.close();
        open.remove(s);
        SqliteStore again = store(file, SqliteStoreOptions.defaults());
        assertThat(again.tasks(TaskRecord.Phase.OPEN).collectList().block(WAIT)).extracting(TaskRecord::id)
                .containsExactly("kept");
        assertThat(again.tasks(TaskRecord.Phase.IN_DOUBT).collectList().block(WAIT)).extracting(TaskRecord::request)
                .containsExactly("{}");
    }

    @Test
    void writesQueuedTogetherAreCommittedTogether() {
        SqliteStore s = store();
        long[] before = s.commitCounts();
        List<Mono<Long>> writes = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            writes.add(s.intent(new TaskStore.Intent(Family.VEO, "veo_3_1_fast", "{\"i\":" + i + "}", T0)));
        }
        List<Long> ids = Flux.merge(writes).collectList().block(WAIT);
        assertThat(ids).hasSize(2_000).doesNotHaveDuplicates();
        long[] after = s.commitCounts();
        assertThat(after[1] - before[1]).isEqualTo(2_000);
        assertThat(after[0] - before[0]).as("transactions for 2,000 writes").isLessThan(2_000);
    }

    @Test
    void aFailingWriteFailsAloneAndTheRestOfItsTransactionIsCommitted() throws Exception {
        SqliteStore s = store();
        CountDownLatch hold = new CountDownLatch(1);
        Mono<Boolean> held = holdTheStoresThread(s, hold);
        List<Mono<Long>> intents = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            intents.add(queued(s.intent(new TaskStore.Intent(Family.VEO, "veo_3_1_fast", "{\"i\":" + i + "}", T0))));
        }
        TaskRef unknown = TaskRef.of("nobody", Family.VEO, "veo_3_1_fast").withPolicy(POLICY);
        Mono<Void> failing = queued(s.status(unknown, status("nobody", "processing", T0)));
        long[] before = s.commitCounts();
        hold.countDown();
        assertThat(held.block(WAIT)).isTrue();

        assertThatThrownBy(() -> failing.block(WAIT)).isInstanceOf(TaskStoreException.class)
                .hasMessageContaining("task 'nobody' is not recorded");
        List<Long> ids = Flux.concat(intents).collectList().block(WAIT);
        assertThat(ids).hasSize(100).doesNotHaveDuplicates();
        assertThat(s.tasks(TaskRecord.Phase.IN_DOUBT).collectList().block(WAIT)).hasSize(100);
        long[] after = s.commitCounts();
        assertThat(after[0] - before[0]).as("the 101 writes queued together, committed in one transaction").isEqualTo(1);
    }

    @Test
    void aWriteFailingAfterPartOfItsWorkLeavesNoneOfItAndTheOthersAreCommittedTogether() throws Exception {
        SqliteStore s = store();
        long doomed = s.intent(intent(-1)).block(WAIT);
        CountDownLatch hold = new CountDownLatch(1);
        Mono<Boolean> held = holdTheStoresThread(s, hold);
        List<Mono<Long>> before = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            before.add(queued(s.intent(intent(i))));
        }
        // marks its intent submitted, then fails: a task without a poll policy cannot be recorded
        TaskStore.Tracked noPolicy = new TaskStore.Tracked(TaskRef.of("half", Family.VEO, "veo_3_1_fast"), T0,
                T0.plus(Duration.ofMinutes(30)), T0.toEpochMilli(), status("half", "queued", T0));
        Mono<Void> failing = queued(s.submitted(doomed, noPolicy));
        Mono<Void> after = queued(s.started(tracked("whole", status("whole", "queued", T0))).then());
        long[] counts = s.commitCounts();
        hold.countDown();
        assertThat(held.block(WAIT)).isTrue();

        assertThatThrownBy(() -> failing.block(WAIT)).isInstanceOf(TaskStoreException.class)
                .hasMessageContaining("ref.policy");
        after.block(WAIT);
        assertThat(Flux.concat(before).collectList().block(WAIT)).hasSize(50).doesNotHaveDuplicates();
        assertThat(s.tasks(TaskRecord.Phase.IN_DOUBT).collectList().block(WAIT)).extracting(TaskRecord::intentId)
                .as("the failed submit's mark was undone with it: its intent is still in doubt").contains(doomed)
                .hasSize(51);
        assertThat(s.tasks(TaskRecord.Phase.OPEN).collectList().block(WAIT)).extracting(TaskRecord::id)
                .containsExactly("whole");
        assertThat(s.commitCounts()[0] - counts[0]).as("the 52 writes queued together, in one transaction")
                .isEqualTo(1);
    }

    @Test
    void aStatusOfATaskWhoseRecordWasUndoneIsRefusedAndLandsOnNoOtherTask() throws Exception {
        SqliteStore s = store();
        s.started(tracked("first", status("first", "queued", T0))).block(WAIT);
        CountDownLatch hold = new CountDownLatch(1);
        Mono<Boolean> held = holdTheStoresThread(s, hold);
        Mono<TaskStore.Tracked> lost = queued(s.started(tracked("lost", status("lost", "queued", T0))));
        // SQLite dropping the transaction under a batch (as on a full disk or an I/O error): the whole batch is lost
        Mono<Object> dropped = queued(s.write(c -> {
            try (Statement st = c.connection.createStatement()) {
                st.execute("ROLLBACK");
            }
            throw new java.sql.SQLException("dropped under the batch");
        }));
        hold.countDown();
        assertThat(held.block(WAIT)).isTrue();
        assertThatThrownBy(() -> lost.block(WAIT)).isInstanceOf(TaskStoreException.class)
                .hasMessageContaining("dropped under the batch");
        assertThatThrownBy(() -> dropped.block(WAIT)).isInstanceOf(TaskStoreException.class);

        // the next task inserted takes the row id the undone insert had
        s.started(tracked("next", status("next", "queued", T0))).block(WAIT);
        assertThatThrownBy(() -> s.status(ref("lost"), status("lost", "processing", T0.plusSeconds(30))).block(WAIT))
                .isInstanceOf(TaskStoreException.class).hasMessageContaining("task 'lost' is not recorded");
        assertThat(s.task("next").block(WAIT).history()).extracting(TaskStatus::taskId).containsExactly("next");
        assertThat(s.task("lost").block(WAIT)).isNull();
    }

    @Test
    void rowIdsCachedByAPieceThatFailsAloneAreForgotten() throws Exception {
        SqliteStore s = store();
        CountDownLatch hold = new CountDownLatch(1);
        Mono<Boolean> held = holdTheStoresThread(s, hold);
        TaskRef unknown = TaskRef.of("nobody", Family.VEO, "veo_3_1_fast").withPolicy(POLICY);
        Mono<Void> first = queued(s.status(unknown, status("nobody", "processing", T0)));
        // fails after caching a row id: in the batch's second run, where each piece has a savepoint of its own
        Mono<Object> caching = queued(s.write(c -> {
            opc(c).put("cached", 2);
            throw new java.sql.SQLException("fails after caching");
        }));
        hold.countDown();
        assertThat(held.block(WAIT)).isTrue();
        assertThatThrownBy(() -> first.block(WAIT)).hasMessageContaining("task 'nobody' is not recorded");
        assertThatThrownBy(() -> caching.block(WAIT)).hasMessageContaining("fails after caching");
        assertThat(s.read(c -> opc(c).get("cached")).block(WAIT)).isEqualTo(-1);
    }

    @Test
    void anEndOfATaskWhoseRowIsGoneIsRefusedThoughItsRowIdWasKept() throws Exception {
        Path file = dir.resolve("tasks.db");
        SqliteStore s = store(file, SqliteStoreOptions.defaults());
        s.started(tracked("gone", status("gone", "queued", T0))).block(WAIT);
        assertThat(s.read(c -> opc(c).get("gone")).block(WAIT)).isPositive();
        sql(file, "DELETE FROM tasks WHERE id = 'gone'"); // by hand, from another connection
        // an end without a status (a deadline's) writes only the task's row: it must not update nothing silently
        assertThatThrownBy(() -> s.ended(ref("gone"), new TaskStore.Ending(null, "deadline passed", T0.plusSeconds(1800),
                T0.plusSeconds(1800))).block(WAIT)).isInstanceOf(TaskStoreException.class)
                .hasMessageContaining("task 'gone' is not recorded");
    }

    @Test
    void aStatusOfATaskWhoseRowIsGoneNamesItAndTheNextWriteOfItsKindStillWorks() throws Exception {
        Path file = dir.resolve("tasks.db");
        SqliteStore s = store(file, SqliteStoreOptions.defaults());
        s.started(tracked("gone", status("gone", "queued", T0))).block(WAIT);
        s.started(tracked("kept", status("kept", "queued", T0))).block(WAIT);
        // by hand, from another connection; its row id still kept: the history's foreign key refuses the write, and
        // the batch's second run, after the thread forgot its row ids, finds no task by that id
        sql(file, "DELETE FROM tasks WHERE id = 'gone'");
        assertThatThrownBy(() -> s.status(ref("gone"), status("gone", "processing", T0.plusSeconds(30))).block(WAIT))
                .isInstanceOf(TaskStoreException.class).hasMessageContaining("task 'gone' is not recorded");
        s.status(ref("kept"), status("kept", "processing", T0.plusSeconds(30))).block(WAIT);
        assertThat(s.task("kept").block(WAIT).history()).extracting(TaskStatus::rawStatus)
                .containsExactly("queued", "processing");
    }

    @Test
    void aStoreThatOnlyRecordsSubmitsKeepsNoRowIds() {
        SqliteStore tracker = store();
        SqliteStore recorder = store(dir.resolve("tasks.db"), SqliteStoreOptions.builder().tracking(false).build());
        long intent = recorder.intent(new TaskStore.Intent(Family.VEO, "veo_3_1_fast", "{}", T0)).block(WAIT);
        recorder.submitted(intent, tracked("sub", status("sub", "queued", T0))).block(WAIT);
        assertThat(recorder.read(c -> opc(c).size()).block(WAIT)).isZero();
        tracker.started(tracked("own", status("own", "queued", T0))).block(WAIT);
        assertThat(tracker.read(c -> opc(c).size()).block(WAIT)).isEqualTo(1);
    }

    @Test
    void statusChangesAndTheEndOfATaskRecordedByThisStoreGoToItsOwnRow() {
        SqliteStore s = store();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ids.add("t" + i);
        }
        Flux.fromIterable(ids).flatMap(id -> s.started(tracked(id, status(id, "queued", T0)))).blockLast(WAIT);
        Flux.fromIterable(ids).flatMap(id -> s.status(ref(id),
                status(id, "processing", T0.plusSeconds(30)))).blockLast(WAIT);
        Flux.fromIterable(ids.subList(0, 150)).flatMap(id -> s.ended(ref(id),
                new TaskStore.Ending(status(id, "completed", T0.plusSeconds(60), "https://cdn/" + id), null,
                        T0.plus(Duration.ofMinutes(30)), T0.plusSeconds(60)))).blockLast(WAIT);
        // a capture after the end finds its row without the thread's cache (the histories' assertions below hold
        // with or without the cache; the count of row ids kept at the end is the cache's own)
        s.captured(ref("t0"), new StoredFile(0, "/r/t0/0.mp4", 5, "ab"))
                .block(WAIT);
        for (String id : List.of("t0", "t149", "t150", "t299")) {
            TaskRecord r = s.task(id).block(WAIT);
            boolean ended = Integer.parseInt(id.substring(1)) < 150;
            assertThat(r.history()).as(id).extracting(TaskStatus::taskId).containsOnly(id)
                    .hasSize(ended ? 3 : 2);
            assertThat(r.phase()).as(id).isEqualTo(ended ? TaskRecord.Phase.ENDED : TaskRecord.Phase.OPEN);
        }
        assertThat(s.task("t0").block(WAIT).files()).extracting(StoredFile::path).containsExactly("/r/t0/0.mp4");
        assertThat(s.read(c -> opc(c).size()).block(WAIT))
                .as("row ids kept: the 150 open tasks only").isEqualTo(150);
    }

    @Test
    void aTaskLookedUpByIdAloneIsFoundThroughTheIndexNotAScan() throws Exception {
        Path file = dir.resolve("plan.db");
        SqliteStore s = store(file, SqliteStoreOptions.defaults());
        s.started(tracked("p", status("p", "queued", T0))).block(WAIT);
        assertThat(s.task("p").block(WAIT).history()).extracting(TaskStatus::rawStatus).containsExactly("queued");
        List<String> plan = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             PreparedStatement ps = c.prepareStatement("EXPLAIN QUERY PLAN " + Queries.ONE)) {
            ps.setString(1, "p");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    plan.add(rs.getString("detail"));
                }
            }
        }
        assertThat(plan).anySatisfy(step -> assertThat(step).startsWith("SEARCH tasks USING INDEX")
                .contains("(dialect=? AND id=?)"));
        assertThat(plan).noneSatisfy(step -> assertThat(step).startsWith("SCAN tasks"));
    }

    /** {@code write} queued now (subscribed to), its outcome kept for the test to read when it is ready. */
    private static <T> Mono<T> queued(Mono<T> write) {
        Mono<T> kept = write.cache();
        kept.subscribe(v -> { }, e -> { });
        return kept;
    }

    /**
     * A read that holds the store's thread (not an event loop) until {@code hold} is counted down, so that the writes
     * queued meanwhile go into one batch; true once it let go in time.
     */
    private static Mono<Boolean> holdTheStoresThread(SqliteStore s, CountDownLatch hold) {
        Mono<Boolean> held = s.read(c -> {
            try {
                return hold.await(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }).cache();
        held.subscribe();
        return held;
    }

    @Test
    void withACommitDelayWritesQueuedWithinItShareOneTransactionThatWaitsForItsEnd() throws Exception {
        reactor.test.scheduler.VirtualTimeScheduler time = reactor.test.scheduler.VirtualTimeScheduler.create();
        SqliteStore s = store(dir.resolve("delay.db"), SqliteStoreOptions.builder()
                .commitDelay(Duration.ofMillis(200)).scheduler(time).build());
        assertThat(s.intent(intent(0)).block(WAIT)).as("the first write commits at once").isPositive();
        long[] before = s.commitCounts();
        java.util.concurrent.CompletableFuture<Long> second = s.intent(intent(1)).toFuture();
        awaitStoreThreadGathering();
        List<java.util.concurrent.CompletableFuture<Long>> more = new ArrayList<>();
        for (int i = 2; i < 12; i++) {
            more.add(s.intent(intent(i)).toFuture());
        }
        time.advanceTimeBy(Duration.ofMillis(199));
        assertThat(second).as("199 ms after the first commit").isNotDone();
        assertThat(s.commitCounts()[0]).isEqualTo(before[0]);

        time.advanceTimeBy(Duration.ofMillis(1));
        assertThat(second.get(20, java.util.concurrent.TimeUnit.SECONDS)).isPositive();
        for (java.util.concurrent.CompletableFuture<Long> f : more) {
            assertThat(f.get(20, java.util.concurrent.TimeUnit.SECONDS)).isPositive();
        }
        assertThat(s.commitCounts()[0] - before[0]).as("11 writes queued within the delay, one transaction")
                .isEqualTo(1);
        assertThat(s.tasks(TaskRecord.Phase.IN_DOUBT).collectList().block(WAIT)).hasSize(12);
    }

    @Test
    void aCommitDelayOutOfItsRangeIsRefusedNamingIt() {
        for (Duration bad : List.of(Duration.ofMillis(-1), Duration.ofNanos(500_000), Duration.ofMillis(1001))) {
            assertThatThrownBy(() -> SqliteStoreOptions.builder().commitDelay(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("store.commitDelay: " + bad + " must be 0 or from 1 ms to 1 s");
        }
    }

    @Test
    void theCommitDelayDefaultsTo20MsWithTheDefaultSchedulerAnd0WithOneGiven() {
        assertThat(SqliteStoreOptions.defaults().commitDelay()).isEqualTo(Duration.ofMillis(20));
        reactor.test.scheduler.VirtualTimeScheduler time = reactor.test.scheduler.VirtualTimeScheduler.create();
        assertThat(SqliteStoreOptions.builder().scheduler(time).build().commitDelay())
                .as("a virtual clock would hold every write after the first until it advances").isZero();
        assertThat(SqliteStoreOptions.builder().scheduler(time).commitDelay(Duration.ofMillis(5)).build()
                .commitDelay()).as("set, it wins").isEqualTo(Duration.ofMillis(5));
        assertThat(SqliteStoreOptions.builder().commitDelay(Duration.ZERO).build().commitDelay()).isZero();
    }

    private static TaskStore.Intent intent(int i) {
        return new TaskStore.Intent(Family.VEO, "veo_3_1_fast", "{\"i\":" + i + "}", T0);
    }

    /** Waits (bounded) until the store's thread is parked with no timeout: gathering a batch until the delay's end. */
    private static void awaitStoreThreadGathering() {
        for (int i = 0; i < 2_000; i++) {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().equals("taskpoll-store") && t.getState() == Thread.State.WAITING) {
                    return;
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
        }
        throw new AssertionError("the store's thread never waited for its commit delay");
    }

    @Test
    void endedTasksOlderThanTheRetentionArePruned() {
        SqliteStore s = store(dir.resolve("prune.db"), SqliteStoreOptions.builder()
                .retention(Duration.ofMinutes(1)).build());
        TaskRef old = TaskRef.of("old", Family.VEO).withPolicy(POLICY);
        s.started(tracked("old", null)).block(WAIT);
        s.ended(old, new TaskStore.Ending(null, "TaskTimeoutException: ...", T0, Instant.now().minusSeconds(120)))
                .block(WAIT);
        s.started(tracked("recent", null)).block(WAIT);
        s.ended(TaskRef.of("recent", Family.VEO), new TaskStore.Ending(null, "x", T0, Instant.now())).block(WAIT);
        s.started(tracked("open", null)).block(WAIT);
        assertThat(s.prune().block(WAIT)).isEqualTo(1);
        assertThat(s.tasks(null).collectList().block(WAIT)).extracting(TaskRecord::id)
                .containsExactlyInAnyOrder("recent", "open");
    }

    /**
     * The retention is counted on the store's scheduler, whose clock the tracker's times come from: a task that ended
     * just now in virtual time stays, and goes once the retention has passed there. (Counted on the wall clock, a task
     * ended at a virtual time near 1970 was pruned at once.)
     */
    @Test
    void theRetentionIsCountedOnTheSchedulersClock() {
        reactor.test.scheduler.VirtualTimeScheduler virtual = reactor.test.scheduler.VirtualTimeScheduler.create();
        virtual.advanceTimeBy(Duration.ofDays(1));
        SqliteStore s = store(dir.resolve("virtual.db"), SqliteStoreOptions.builder().scheduler(virtual)
                .retention(Duration.ofMinutes(1)).build());
        Instant now = Instant.ofEpochMilli(virtual.now(java.util.concurrent.TimeUnit.MILLISECONDS));
        s.started(tracked("ended", null)).block(WAIT);
        s.ended(TaskRef.of("ended", Family.VEO), new TaskStore.Ending(null, "x", now.plusSeconds(60), now)).block(WAIT);
        s.started(tracked("open", null)).block(WAIT); // the newest row is never pruned: the ended one is not it
        assertThat(s.prune().block(WAIT)).as("ended 0 s ago in virtual time").isZero();
        virtual.advanceTimeBy(Duration.ofMinutes(2));
        assertThat(s.prune().block(WAIT)).as("ended 2 min ago, retention 1 min").isEqualTo(1);
        assertThat(s.tasks(null).collectList().block(WAIT)).extracting(TaskRecord::id).containsExactly("open");
    }

    @Test
    void aTasksRequestShapeIsKeptForItsResume() {
        Path file = dir.resolve("shape.db");
        SqliteStore s = SqliteStore.open(file, SqliteStoreOptions.defaults());
        TaskStore.Tracked shaped = new TaskStore.Tracked(TaskRef.of("s", Family.VEO, "veo_3_1_fast").withPolicy(POLICY)
                .withShape("duration=8,resolution=1080p"), T0, T0.plus(Duration.ofMinutes(30)), T0.toEpochMilli(),
                status("s", "queued", T0));
        s.started(shaped).block(WAIT);
        s.started(tracked("plain", status("plain", "queued", T0))).block(WAIT);
        s.close();
        SqliteStore again = SqliteStore.open(file, SqliteStoreOptions.defaults());
        open.add(again);
        assertThat(again.open().take(2).collectList().block(WAIT)).extracting(t -> t.ref().id() + ":" + t.ref().shape())
                .containsExactlyInAnyOrder("s:duration=8,resolution=1080p", "plain:null");
    }

    @Test
    void aMigrationRunsCompletelyOrNotAtAll() throws Exception {
        Path file = dir.resolve("migrate.db");
        List<String> v1 = Schema.MIGRATIONS.get(0);
        SqliteStore.open(file, SqliteStoreOptions.defaults(), List.of(v1)).close();
        versionOneTask(file, "t", status("t", "queued", T0));
        // a version 2 whose second statement fails: the file stays at version 1, without the first statement's table
        List<String> broken = List.of("CREATE TABLE models (model TEXT)", "THIS IS NOT SQL");
        assertThatThrownBy(() -> SqliteStore.open(file, SqliteStoreOptions.defaults(), List.of(v1, broken)))
                .isInstanceOf(TaskStoreException.class).hasMessageContaining(file.toString());
        assertThat(version(file)).isEqualTo(1);
        assertThat(tables(file)).doesNotContain("models");
        // a good version 2 migrates the file, and what version 1 recorded is there
        List<String> good = List.of("CREATE TABLE models (model TEXT)");
        SqliteStore s2 = SqliteStore.open(file, SqliteStoreOptions.defaults(), List.of(v1, good));
        open.add(s2);
        assertThat(version(file)).isEqualTo(2);
        assertThat(tables(file)).contains("models", "tasks");
        assertThat(s2.task("t").block(WAIT).history()).extracting(TaskStatus::rawStatus).containsExactly("queued");
    }

    @Test
    void theRealMigrationsKeepVersion1sRecordsAndKeepCadenceModels() throws Exception {
        Path file = dir.resolve("v1.db");
        SqliteStore.open(file, SqliteStoreOptions.defaults(), Schema.MIGRATIONS.subList(0, 1)).close();
        versionOneTask(file, "t", status("t", "processing", T0));
        assertThat(version(file)).isEqualTo(1);
        assertThat(tables(file)).doesNotContain("models");

        SqliteStore s = SqliteStore.open(file, SqliteStoreOptions.defaults());
        open.add(s);
        assertThat(version(file)).isEqualTo(Schema.CURRENT).isEqualTo(4);
        assertThat(indexes(file)).as("version 4 dropped the index on id alone").doesNotContain("tasks_id")
                .contains("tasks_open", "history_task");
        assertThat(s.task("t").block(WAIT).history()).extracting(TaskStatus::rawStatus).containsExactly("processing");
        assertThat(s.open().take(1).collectList().block(WAIT)).singleElement()
                .satisfies(t -> assertThat(t.ref().shape()).as("a version 1 task's shape: unknown").isNull());
        assertThat(s.models().collectList().block(WAIT)).isEmpty();

        Cadence.Saved veo = new Cadence.Saved("VEO/veo_3_1_fast", 812, new long[] {0, 152_000, 152_000, 182_000}, T0);
        s.saveModel(veo).block(WAIT);
        s.saveModel(new Cadence.Saved("VEO/veo_3_1_fast", 813, new long[] {0, 150_000}, T0.plusSeconds(1)))
                .block(WAIT);
        s.saveModel(new Cadence.Saved("NANO_BANANA/nano-banana-2", 3, new long[0], T0)).block(WAIT);
        s.close();

        SqliteStore again = SqliteStore.open(file, SqliteStoreOptions.defaults());
        open.add(again);
        List<Cadence.Saved> models = again.models().collectList().block(WAIT);
        assertThat(models).extracting(Cadence.Saved::key)
                .containsExactlyInAnyOrder("VEO/veo_3_1_fast", "NANO_BANANA/nano-banana-2");
        Cadence.Saved kept = models.stream().filter(m -> m.key().startsWith("VEO")).findFirst().orElseThrow();
        assertThat(kept.observations()).as("the later save replaced the earlier").isEqualTo(813);
        assertThat(kept.window()).containsExactly(0, 150_000);
        assertThat(kept.at()).isEqualTo(T0.plusSeconds(1));
        again.close();

        // a row edited by hand (no key: SQLite lets a TEXT PRIMARY KEY be null) costs that model only, not all
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO models (key, observations, window, saved_at) VALUES (NULL, 1, '', 0)");
        }
        SqliteStore third = SqliteStore.open(file, SqliteStoreOptions.defaults());
        open.add(third);
        assertThat(third.models().collectList().block(WAIT)).extracting(Cadence.Saved::key)
                .containsExactlyInAnyOrder("VEO/veo_3_1_fast", "NANO_BANANA/nano-banana-2");
    }

    private static long pageCount(Connection c) throws java.sql.SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA page_count")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** A task as version 1 of the schema recorded it (this code writes the current version's columns). */
    private static void versionOneTask(Path file, String id, TaskStatus first) throws Exception {
        sql(file, "INSERT INTO tasks (dialect, id, kind, model, initial_ms, period_ms, deadline_ms, started_at,"
                + " deadline_at, first_due, submitted_at, intent_id, origin) VALUES ('OPC', '" + id + "', '"
                + StoreCodec.kind(Family.VEO) + "', 'veo_3_1_fast', 30000, 30000, 1800000, " + T0.toEpochMilli()
                + ", " + T0.plus(Duration.ofMinutes(30)).toEpochMilli() + ", " + (T0.toEpochMilli() + 30_000) + ", "
                + T0.toEpochMilli() + ", 0, NULL)");
        sql(file, "INSERT INTO history (task, at, status) SELECT rowid, " + T0.toEpochMilli() + ", '"
                + StoreCodec.status(first).replace("'", "''") + "' FROM tasks WHERE id = '" + id + "'");
    }

    private static void sql(Path file, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static int version(Path file) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            return Schema.userVersion(c);
        }
    }

    private static List<String> tables(Path file) throws Exception {
        return names(file, "table");
    }

    private static List<String> indexes(Path file) throws Exception {
        return names(file, "index");
    }

    private static List<String> names(Path file, String type) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = '" + type + "'"
                     + " AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
