package dev.taskpoll.spi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskpoll.TaskState;
import dev.taskpoll.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the stores keep: a status as JSON, written and read back; the format files already hold is kept. */
class StoreCodecTest {

    private static final Instant T = Instant.parse("2026-11-30T10:00:00Z");

    @Test
    void aStatusIsWrittenInTheFormatStoresHoldAndReadBackWhole() throws Exception {
        TaskStatus full = new TaskStatus("t\"1", TaskState.COMPLETED, "completed", "veo_3_1_fast", T.minusSeconds(90),
                List.of("https://cdn/x.mp4", "https://cdn/y.mp4"), "a \"quoted\" note\n", Duration.ofSeconds(88),
                1234L, T, T.minusSeconds(2));
        TaskStatus bare = new TaskStatus("t2", TaskState.QUEUED, "queued", null, null, List.of(), null, null, null, T);
        for (TaskStatus s : List.of(full, bare)) {
            String json = StoreCodec.status(s);
            assertThat(json).as("the format of the files written before: the same keys, order and values")
                    .isEqualTo(treeFormat(s));
            TaskStatus back = StoreCodec.status(json);
            assertThat(back).usingRecursiveComparison().isEqualTo(s);
        }
    }

    /** The JSON as the store wrote it before it wrote field by field (a Jackson tree, in this key order). */
    private static String treeFormat(TaskStatus s) {
        ObjectNode n = new ObjectMapper().createObjectNode().put("taskId", s.taskId()).put("state", s.state().name())
                .put("rawStatus", s.rawStatus()).put("observedAt", s.observedAt().toEpochMilli());
        if (s.model() != null) {
            n.put("model", s.model());
        }
        if (s.createdAt() != null) {
            n.put("createdAt", s.createdAt().toEpochMilli());
        }
        s.resultUrls().forEach(n.putArray("resultUrls")::add); // the array is put even when empty
        if (s.error() != null) {
            n.put("error", s.error());
        }
        if (s.actualDuration() != null) {
            n.put("actualDurationMs", s.actualDuration().toMillis());
        }
        if (s.totalTokens() != null) {
            n.put("totalTokens", s.totalTokens());
        }
        if (s.completedAt() != null) {
            n.put("completedAt", s.completedAt().toEpochMilli());
        }
        return n.toString();
    }
}
