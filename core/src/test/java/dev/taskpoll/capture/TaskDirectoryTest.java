package dev.taskpoll.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every task id the library accepts has a directory that can be made, stays inside, and is nobody else's. */
class TaskDirectoryTest {

    @TempDir
    Path dir;

    @Test
    void plainIdsStayReadable() {
        assertThat(TaskDirectory.name("video_123")).isEqualTo("video_123");
        assertThat(TaskDirectory.name("vgen-01.mp4")).isEqualTo("vgen-01.mp4");
    }

    @Test
    void dotsSlashesAndHiddenNamesCannotEscape() throws Exception {
        for (String id : List.of("..", ".", ".hidden", "a/../../b", "a\\b", "/etc/passwd", "x?y#z", "tab\tid",
                "héllo wörld", "~tilde")) {
            String name = TaskDirectory.name(id);
            assertThat(name).as(id).doesNotContain("/", "\\").doesNotStartWith(".");
            Path made = Files.createDirectories(dir.resolve(name));
            assertThat(made.getParent()).as(id).isEqualTo(dir);
        }
        assertThat(TaskDirectory.name("..")).isEqualTo("%2E.");
    }

    @Test
    void everyAcceptedLengthIsStorableAndLongIdsDoNotCollide() throws Exception {
        String base = "x".repeat(512);
        String other = "x".repeat(511) + "y";
        String a = TaskDirectory.name(base);
        String b = TaskDirectory.name(other);
        assertThat(a).hasSizeLessThanOrEqualTo(TaskDirectory.MAX_LENGTH).isNotEqualTo(b);
        Files.createDirectories(dir.resolve(a));
        Files.createDirectories(dir.resolve(b));
        // 512 characters that all need escaping: 1,536 encoded, shortened all the same, never cut inside an escape
        String escaped = TaskDirectory.name("é".repeat(512));
        assertThat(escaped).hasSizeLessThanOrEqualTo(TaskDirectory.MAX_LENGTH).matches("(%[0-9A-F]{2})+~[0-9a-f]{32}");
        Files.createDirectories(dir.resolve(escaped));
    }

    @Test
    void aShortenedNameNeverEqualsAnotherIdsPlainName() {
        // '~' is escaped in plain names, so a plain name cannot look like "<prefix>~<hash>"
        String longId = "a".repeat(200);
        String shortened = TaskDirectory.name(longId);
        assertThat(TaskDirectory.name(shortened)).isNotEqualTo(shortened);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            names.add(TaskDirectory.name("task-" + i + "-" + "z".repeat(i % 300)));
        }
        assertThat(names).hasSize(2000);
    }
}
