package dev.taskpoll.sqlite;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The row ids of tasks this store's thread recorded and has not seen end, by task id, for one dialect: a status change
 * then appends its history row without a lookup in the {@code (dialect, id)} index first (that lookup, and the query
 * around it, were about a sixth of a write's cost). A cache only: a miss reads the row id from the file, as before.
 *
 * <p>Open addressing with linear probing over two arrays (the id, shared with the task's {@code TaskRef}, and the row id
 * as an {@code int}): 8 bytes a slot, 11 to 21 bytes a tracked task (a quarter to five eighths of the slots empty,
 * more just after many tasks ended), where a {@code HashMap} entry with a boxed {@code Long} takes about 60. The ids
 * are spread over {@value #TABLES} such tables, each growing and shrinking on its own: one table's arrays for 100,000
 * tasks were 1 MB each, which G1 stores as humongous objects in a region of their own (2 MB at a 4 GB heap), twice
 * the heap the arrays need. Row ids beyond {@code int} are not cached. Used on the store's thread only;
 * {@link #clear()} when a transaction is undone, since row ids it handed out may be given to other tasks by the next.
 */
final class RowIds {

    /** Tables the ids are spread over (by their hash's top bits): millions of tasks before an array nears 1 MB. */
    static final int TABLES = 64;

    private final Table[] tables = new Table[TABLES];

    RowIds() {
        for (int i = 0; i < TABLES; i++) {
            tables[i] = new Table();
        }
    }

    /** The row id cached for {@code id}, or -1. */
    long get(String id) {
        return table(id).get(id);
    }

    /** Caches {@code row} for {@code id} (replacing what was there); a row id beyond {@code int} is not cached. */
    void put(String id, long row) {
        table(id).put(id, row);
    }

    /** Forgets {@code id}. */
    void remove(String id) {
        table(id).remove(id);
    }

    void clear() {
        for (Table t : tables) {
            t.clear();
        }
    }

    int size() {
        int n = 0;
        for (Table t : tables) {
            n += t.size();
        }
        return n;
    }

    /** Slots in all the tables (tests: they grow and shrink). */
    int capacity() {
        int n = 0;
        for (Table t : tables) {
            n += t.capacity();
        }
        return n;
    }

    /** The slots of the largest table (tests). */
    int largestTable() {
        int n = 0;
        for (Table t : tables) {
            n = Math.max(n, t.capacity());
        }
        return n;
    }

    private Table table(String id) {
        return tables[mix(id) >>> 26]; // the top 6 bits; a table's slot takes the low ones
    }

    static int mix(String id) {
        int h = id.hashCode() * 0x9E3779B9; // spread ids that differ only in their last characters
        return h ^ (h >>> 16);
    }

    /** One open-addressing table; when an eighth full, it shrinks, so a burst of tasks leaves no large table behind. */
    static final class Table {

        private static final int MIN_CAPACITY = 16;

        private @Nullable String[] ids = new String[MIN_CAPACITY];
        private int[] rows = new int[MIN_CAPACITY];
        private int size;

        /** The row id cached for {@code id}, or -1. */
        long get(String id) {
            int mask = ids.length - 1;
            for (int i = slot(id, mask); ; i = (i + 1) & mask) {
                String k = ids[i];
                if (k == null) {
                    return -1;
                }
                if (k.equals(id)) {
                    return rows[i];
                }
            }
        }

        /** Caches {@code row} for {@code id} (replacing what was there); a row id beyond {@code int} is not cached. */
        void put(String id, long row) {
            if (row <= 0 || row > Integer.MAX_VALUE) {
                remove(id);
                return;
            }
            if ((size + 1) * 4L > ids.length * 3L) { // at most three quarters full
                resize(ids.length * 2);
            }
            int mask = ids.length - 1;
            for (int i = slot(id, mask); ; i = (i + 1) & mask) {
                String k = ids[i];
                if (k == null) {
                    ids[i] = id;
                    rows[i] = (int) row;
                    size++;
                    return;
                }
                if (k.equals(id)) {
                    rows[i] = (int) row;
                    return;
                }
            }
        }

        /** Forgets {@code id}. */
        void remove(String id) {
            int mask = ids.length - 1;
            int i = slot(id, mask);
            while (true) {
                String k = ids[i];
                if (k == null) {
                    return;
                }
                if (k.equals(id)) {
                    break;
                }
                i = (i + 1) & mask;
            }
            // backward shift: move up each later entry of the run that the gap would cut off from its slot
            int gap = i;
            for (int j = (gap + 1) & mask; ids[j] != null; j = (j + 1) & mask) {
                int home = slot(ids[j], mask);
                if (((j - home) & mask) >= ((j - gap) & mask)) {
                    ids[gap] = ids[j];
                    rows[gap] = rows[j];
                    gap = j;
                }
            }
            ids[gap] = null;
            size--;
            if (ids.length > MIN_CAPACITY && size * 8L < ids.length) {
                resize(ids.length / 2);
            }
        }

        void clear() {
            if (ids.length > MIN_CAPACITY) {
                ids = new String[MIN_CAPACITY];
                rows = new int[MIN_CAPACITY];
            } else {
                Arrays.fill(ids, null);
            }
            size = 0;
        }

        int size() {
            return size;
        }

        /** Slots in the table. */
        int capacity() {
            return ids.length;
        }

        private void resize(int capacity) {
            String[] oldIds = ids;
            int[] oldRows = rows;
            ids = new String[capacity];
            rows = new int[capacity];
            int mask = capacity - 1;
            for (int k = 0; k < oldIds.length; k++) {
                String id = oldIds[k];
                if (id != null) {
                    int i = slot(id, mask);
                    while (ids[i] != null) {
                        i = (i + 1) & mask;
                    }
                    ids[i] = id;
                    rows[i] = oldRows[k];
                }
            }
        }

        static int slot(String id, int mask) {
            return mix(id) & mask;
        }
    }
}
