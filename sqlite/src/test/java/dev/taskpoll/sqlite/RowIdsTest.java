package dev.taskpoll.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The store thread's cache of row ids, against a {@code HashMap} doing the same. */
class RowIdsTest {

    @Test
    void agreesWithAMapThroughRandomPutsAndRemovesWhileItGrowsAndShrinks() {
        RowIds rows = new RowIds();
        Map<String, Long> expected = new HashMap<>();
        Random random = new Random(11);
        int largest = 0;
        int shrinks = 0;
        for (int step = 0; step < 300_000; step++) {
            // few distinct ids, so that runs of colliding slots form and removals shift entries back
            String id = "vgen_" + Integer.toHexString(random.nextInt(5_000));
            int op = random.nextInt(10);
            boolean draining = step > 120_000 && expected.size() > 300; // then mostly removals, down to 300 ids
            if (op < (draining ? 1 : 6)) {
                long row = 1 + random.nextInt(Integer.MAX_VALUE - 1);
                rows.put(id, row);
                expected.put(id, row);
            } else if (op < (draining ? 4 : 8)) {
                assertThat(rows.get(id)).as(id).isEqualTo(expected.getOrDefault(id, -1L));
            } else {
                int before = rows.capacity();
                rows.remove(id);
                expected.remove(id);
                shrinks += rows.capacity() < before ? 1 : 0;
            }
            largest = Math.max(largest, rows.capacity());
            assertThat(rows.size()).isEqualTo(expected.size());
        }
        for (int i = 0; i < 5_000; i++) {
            String id = "vgen_" + Integer.toHexString(i);
            assertThat(rows.get(id)).as(id).isEqualTo(expected.getOrDefault(id, -1L));
        }
        assertThat(expected.size()).as("ids left").isBetween(250, 2_000);
        assertThat(largest).as("grew").isGreaterThanOrEqualTo(4_096);
        assertThat(shrinks).as("shrank while ids were still being looked up").isPositive();
        assertThat(rows.capacity()).as("shrank with %d left", rows.size()).isLessThan(largest);
        assertThat(rows.size() * 4L).as("at most three quarters full").isLessThanOrEqualTo(rows.capacity() * 3L);
    }

    @Test
    void idsWithTheSameHashAcrossATablesEndAreFoundAndRemovedInAnyOrder() {
        // "Aa" and "BB" have the same hashCode, so strings of one prefix and three such pairs share theirs: eight ids
        // with one home slot; a prefix whose home is among the last slots makes their run wrap to the table's start
        List<String> same = null;
        for (int prefix = 0; same == null; prefix++) {
            List<String> family = new ArrayList<>(List.of("p" + prefix));
            for (int k = 0; k < 3; k++) {
                List<String> next = new ArrayList<>();
                for (String p : family) {
                    next.add(p + "Aa");
                    next.add(p + "BB");
                }
                family = next;
            }
            if (RowIds.Table.slot(family.get(0), 15) >= 12) {
                same = family;
            }
        }
        assertThat(same).hasSize(8).extracting(String::hashCode).containsOnly(same.get(0).hashCode());
        for (int order = 0; order < 8; order++) {
            RowIds.Table rows = new RowIds.Table();
            for (int i = 0; i < same.size(); i++) {
                rows.put(same.get(i), 100 + i);
            }
            assertThat(rows.capacity()).as("eight in the smallest table").isEqualTo(16);
            List<String> removal = new ArrayList<>(same);
            Collections.rotate(removal, order);
            for (int r = 0; r < removal.size(); r++) {
                rows.remove(removal.get(r));
                assertThat(rows.get(removal.get(r))).isEqualTo(-1);
                for (int q = r + 1; q < removal.size(); q++) {
                    assertThat(rows.get(removal.get(q))).as("%s after removing %s", removal.get(q), removal.get(r))
                            .isEqualTo(100 + same.indexOf(removal.get(q)));
                }
            }
            assertThat(rows.size()).isZero();
        }
    }

    @Test
    void aHundredThousandIdsNeedNoArrayNearAMegabyte() {
        RowIds rows = new RowIds();
        Random random = new Random(3);
        for (int i = 0; i < 100_000; i++) {
            rows.put("vgen_" + Long.toHexString(random.nextLong()), i + 1);
        }
        assertThat(rows.size()).isEqualTo(100_000);
        // one table would need 262,144 slots: a 1 MB array of ids, humongous to G1; 64 need at most 4,096 each
        assertThat(rows.largestTable()).isLessThanOrEqualTo(4_096);
        assertThat(rows.capacity()).as("at most three quarters full").isGreaterThanOrEqualTo(133_334);
    }

    @Test
    void aRowIdBeyondAnIntIsNotCachedAndForgetsAnOlderOne() {
        RowIds rows = new RowIds();
        rows.put("a", 42);
        rows.put("a", 1L + Integer.MAX_VALUE);
        assertThat(rows.get("a")).isEqualTo(-1);
        rows.put("b", Integer.MAX_VALUE);
        assertThat(rows.get("b")).isEqualTo(Integer.MAX_VALUE);
        rows.clear();
        assertThat(rows.get("b")).isEqualTo(-1);
        assertThat(rows.size()).isZero();
        for (int i = 0; i < 10_000; i++) {
            rows.put("t" + i, i + 1);
        }
        rows.clear();
        assertThat(rows.capacity()).as("grown tables are dropped").isEqualTo(RowIds.TABLES * 16);
        assertThat(rows.get("t5")).isEqualTo(-1);
    }
}
