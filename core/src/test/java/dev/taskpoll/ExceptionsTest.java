package dev.taskpoll;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What every failure taskpoll raises keeps when the tracker attaches the last status it saw. */
class ExceptionsTest {

    private static final Path CLASSES = Path.of("target", "classes");

    /**
     * The tracker ends a task with {@code failure.withLastStatus(seen)}: a subclass without its own would come back as
     * its parent, and a caller's {@code catch} or {@code instanceof} of it would miss (LeaseLostException did).
     */
    @Test
    void everyFailureKeepsItsTypeWhenTheLastStatusIsAttached() throws Exception {
        List<Class<?>> failures = new ArrayList<>();
        try (Stream<Path> files = Files.walk(CLASSES.resolve("dev/taskpoll"))) {
            for (Path p : files.filter(f -> f.toString().endsWith("Exception.class")).toList()) {
                String name = CLASSES.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> c = Class.forName(name);
                if (TaskpollException.class.isAssignableFrom(c) && c != TaskpollException.class) {
                    failures.add(c);
                }
            }
        }
        assertThat(failures).as("found by the scan").contains(LeaseLostException.class, TransportException.class,
                dev.taskpoll.capture.CaptureException.class);
        for (Class<?> c : failures) {
            assertThat(c.getDeclaredMethod("withLastStatus", TaskStatus.class).getReturnType()).as(c.getName())
                    .isEqualTo(c);
        }
    }

    @Test
    void aLostLeaseStaysOneWithItsStatus() {
        TaskStatus seen = new TaskStatus("t", TaskState.PROCESSING, "processing", null, null, List.of(), null, null,
                null, java.time.Instant.EPOCH);
        TaskStoreException e = new LeaseLostException("lease of shard 3 lost", "t").withLastStatus(seen);
        assertThat(e).isInstanceOf(LeaseLostException.class).hasMessage("lease of shard 3 lost");
        assertThat(e.lastStatus()).isSameAs(seen);
        assertThat(e.taskId()).isEqualTo("t");
    }

    /** A timeout names its deadline as a person reads it (it printed Duration's "PT3S"). */
    @Test
    void aTimeoutNamesItsDeadlineReadably() {
        assertThat(new TaskTimeoutException("t", java.time.Duration.ofMinutes(30), null, null))
                .hasMessage("task 't' not finished within its deadline of 30 min (no status seen)");
        assertThat(new TaskTimeoutException("t", java.time.Duration.ofSeconds(3), null, null).getMessage())
                .contains("deadline of 3 s ");
        assertThat(new TaskTimeoutException("t", java.time.Duration.ofMillis(1500), null, null).getMessage())
                .contains("deadline of 1.5 s ");
        assertThat(new TaskTimeoutException("t", java.time.Duration.ofMillis(200), null, null).getMessage())
                .contains("deadline of 200 ms ");
    }
}
