package dev.taskpoll.sqlite;

import dev.taskpoll.StoredFile;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.Dialect;
import dev.taskpoll.spi.StoreCodec;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The store's reads for people: tasks by phase, one task with its history. Run on the store's thread. */
final class Queries {

    private static final String TASK_COLUMNS = "rowid, id, kind, model, submitted_at, ended_at, end_error,"
            + " intent_id, " + SqliteStore.LAST + ", (SELECT request FROM intents WHERE intents.id = tasks.intent_id)";

    private Queries() {
    }

    static List<TaskRecord> list(StoreThread.Statements c, TaskRecord.@Nullable Phase phase) throws SQLException {
        List<TaskRecord> out = new ArrayList<>();
        if (phase == null || phase == TaskRecord.Phase.OPEN || phase == TaskRecord.Phase.ENDED) {
            String where = phase == null ? "" : phase == TaskRecord.Phase.OPEN ? " WHERE ended_at IS NULL"
                    : " WHERE ended_at IS NOT NULL";
            PreparedStatement ps = c.ps("SELECT " + TASK_COLUMNS + " FROM tasks" + where);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(task(c, rs, false));
                }
            }
        }
        if (phase == null || phase == TaskRecord.Phase.IN_DOUBT) {
            PreparedStatement ps = c.ps("SELECT id, kind, model, request, at FROM intents"
                    + " WHERE outcome IS NULL");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new TaskRecord(null, StoreCodec.kind(rs.getString(2)), rs.getString(3),
                            TaskRecord.Phase.IN_DOUBT, null, Instant.ofEpochMilli(rs.getLong(5)), null,
                            "the submit was sent and no answer was recorded: a task may exist and be billed; it is"
                                    + " never sent again by taskpoll", List.of(), List.of(), rs.getLong(1),
                            rs.getString(4)));
                }
            }
        }
        out.sort(Comparator.comparing(TaskRecord::submittedAt).reversed());
        return out;
    }

    /** Every dialect's name, as SQL: a lookup by id alone probes the {@code (dialect, id)} index once for each. */
    private static final String DIALECTS = java.util.Arrays.stream(Dialect.values())
            .map(d -> "'" + d.name() + "'").collect(java.util.stream.Collectors.joining(", ", "(", ")"));

    /** The latest task with an id, in any dialect. */
    static final String ONE = "SELECT " + TASK_COLUMNS + " FROM tasks WHERE dialect IN " + DIALECTS
            + " AND id = ? ORDER BY submitted_at DESC LIMIT 1";

    static @Nullable TaskRecord one(StoreThread.Statements c, String id) throws SQLException {
        PreparedStatement ps = c.ps(ONE);
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? task(c, rs, true) : null;
        }
    }

    private static TaskRecord task(StoreThread.Statements c, ResultSet rs, boolean withHistory) throws SQLException {
        long row = rs.getLong(1);
        long ended = rs.getLong(6);
        boolean isEnded = !rs.wasNull();
        List<TaskStatus> history = new ArrayList<>();
        if (withHistory) {
            PreparedStatement ps = c.ps("SELECT status FROM history WHERE task = ? ORDER BY rowid");
            ps.setLong(1, row);
            try (ResultSet h = ps.executeQuery()) {
                while (h.next()) {
                    history.add(StoreCodec.status(h.getString(1)));
                }
            }
        }
        return new TaskRecord(rs.getString(2), StoreCodec.kind(rs.getString(3)), rs.getString(4),
                isEnded ? TaskRecord.Phase.ENDED : TaskRecord.Phase.OPEN, StoreCodec.status(rs.getString(9)),
                Instant.ofEpochMilli(rs.getLong(5)), isEnded ? Instant.ofEpochMilli(ended) : null, rs.getString(7),
                files(c, row), history, rs.getLong(8), rs.getString(10));
    }

    private static List<StoredFile> files(StoreThread.Statements c, long row) throws SQLException {
        List<StoredFile> out = new ArrayList<>();
        PreparedStatement ps = c.ps("SELECT idx, path, size, sha256 FROM results WHERE task = ?"
                + " ORDER BY idx");
        ps.setLong(1, row);
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new StoredFile(rs.getInt(1), rs.getString(2), rs.getLong(3), rs.getString(4)));
            }
        }
        return out;
    }
}
