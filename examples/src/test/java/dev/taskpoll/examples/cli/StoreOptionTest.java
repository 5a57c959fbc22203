package dev.taskpoll.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where the command line's store file is: {@code --store}, else {@code $TASKPOLL_STORE}, else {@code ~}'s. */
class StoreOptionTest {

    @Test
    void theDefaultFileIsUnderHomeAsTheShellReadsIt() {
        StoreOption option = new StoreOption();
        assertThat(option.path(Map.of("HOME", "/srv/worker")))
                .isEqualTo(Path.of("/srv/worker/.taskpoll/tasks.db"));
        assertThat(option.path(Map.of("HOME", "relative")))
                .as("not a directory a shell would use: the JVM's user.home")
                .isEqualTo(Path.of(System.getProperty("user.home"), ".taskpoll", "tasks.db"));
        assertThat(option.path(Map.of("HOME", "/srv/worker", StoreOption.ENV, "/data/t.db")))
                .isEqualTo(Path.of("/data/t.db"));
        assertThat(option.path(Map.of(StoreOption.ENV, "none"))).isNull();
        option.store = "/x/given.db";
        assertThat(option.path(Map.of("HOME", "/srv/worker", StoreOption.ENV, "/data/t.db")))
                .isEqualTo(Path.of("/x/given.db"));
    }
}
