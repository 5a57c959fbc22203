package dev.taskpoll.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code watch} and {@code get} say about a server that refuses connections: the first failure at once, each
 * retry, and the cause at the end. Before: {@code watch} said nothing until its deadline ("no status seen"), and
 * {@code get} said "request failed (AnnotatedConnectException)" after one request.
 */
class TransportErrorsTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private int port;

    @BeforeEach
    void closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // nothing listens there once closed
        }
    }

    private int run(String... args) {
        return TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void watchSaysAtOnceThatTheServerRefusesConnectionsKeepsSayingItAndEndsWithTheCause() {
        int code = run("watch", "vgen_abc", "--base-url", "http://127.0.0.1:" + port, "--api-key", "k", "--timeout",
                "3s", "--interval", "1s");
        assertThat(code).isEqualTo(1);
        String said = err.toString();
        String refused = "connection refused by 127.0.0.1:" + port;
        assertThat(said).contains("taskpoll watch: task 'vgen_abc': request failed: " + refused + "; retrying in");
        assertThat(said.split("; retrying in", -1).length - 1).as("each failed request said: " + said)
                .isGreaterThanOrEqualTo(2);
        assertThat(said).contains("not finished within its deadline of 3 s (no status seen; last failure: request"
                + " failed: " + refused);
        assertThat(said).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void getTriesThreeTimesSayingEachFailureAndEndsWithTheCause() {
        int code = run("get", "vgen_abc", "--base-url", "http://127.0.0.1:" + port, "--api-key", "k");
        assertThat(code).isEqualTo(1);
        String refused = "request failed: connection refused by 127.0.0.1:" + port;
        assertThat(err.toString()).contains("taskpoll get: task 'vgen_abc': " + refused
                        + "; retrying in 1 s (attempt 1 of 3)")
                .contains("; retrying in 2 s (attempt 2 of 3)")
                .contains("taskpoll get: task 'vgen_abc': " + refused + " (3 attempts)")
                .doesNotContain("Exception");
    }

    /** A wrong base path answers 404 for every id: the message names the URL tried (it said only "HTTP 404"). */
    @Test
    void aWrongBasePathSaysTheUrlItTried() {
        reactor.netty.DisposableServer server = reactor.netty.http.server.HttpServer.create().host("127.0.0.1")
                .port(0).handle((req, res) -> res.status(404).send()).bindNow();
        try {
            assertThat(run("get", "vgen_abc", "--base-url", "http://user:secret@127.0.0.1:" + server.port(),
                    "--api-key", "k")).as("user info in a base URL: refused, not sent as a host name").isEqualTo(64);
            assertThat(err.toString()).contains("--base-url: 'http://***@127.0.0.1...' carries user info")
                    .contains("; the API key goes in --api-key or OPC_API_KEY")
                    .doesNotContain("secret");
            String base = "http://127.0.0.1:" + server.port() + "/wrong";
            assertThat(run("get", "vgen_abc", "--base-url", base, "--api-key", "k")).isEqualTo(1);
            assertThat(err.toString()).contains("taskpoll get: task 'vgen_abc': HTTP 404 Not Found (GET http://127.0.0.1:" + server.port()
                            + "/wrong/v1/result/vgen_abc: no such task there; is the base URL right?)")
                    .doesNotContain("secret");
            assertThat(run("watch", "vgen_abc", "--base-url", base, "--api-key", "k", "--timeout", "5s"))
                    .isEqualTo(1);
            assertThat(err.toString()).contains("taskpoll watch: HTTP 404 Not Found for task 'vgen_abc' (GET"
                    + " http://127.0.0.1:" + server.port() + "/wrong/v1/result/vgen_abc");
        } finally {
            server.disposeNow();
        }
    }
}
