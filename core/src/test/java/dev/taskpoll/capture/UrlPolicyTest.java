package dev.taskpoll.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which result URLs capture fetches with plain http allowed on loopback. */
class UrlPolicyTest {

    @TempDir
    Path dir;

    /**
     * A result URL (or a redirect) to a host name that begins like a loopback address is a host on the network: not
     * fetched in clear. It was, by a copy of the loopback rule the client's own fix (60b9019) did not reach (a review).
     */
    @Test
    void plainHttpOnlyToALoopbackAddressNotToANameThatBeginsLikeOne() {
        CaptureOptions options = CaptureOptions.builder(dir).allowPlainHttpOnLoopback(true).build();
        assertThat(UrlPolicy.check(URI.create("http://127.0.0.1:8080/r/0.mp4"), options)).isNull();
        assertThat(UrlPolicy.check(URI.create("http://localhost:8080/r/0.mp4"), options)).isNull();
        assertThat(UrlPolicy.check(URI.create("http://127.corp.example/r/0.mp4"), options))
                .isEqualTo("plain http to a non-loopback host");
    }
}
