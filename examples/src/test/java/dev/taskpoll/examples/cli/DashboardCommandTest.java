package dev.taskpoll.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** {@code taskpoll dashboard} on a port in use: one line naming the flag, not Spring Boot's eighty-line report. */
class DashboardCommandTest {

    @Test
    void aPortInUseIsOneLineNamingTheFlag() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int code = TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), "dashboard", "--port",
                    String.valueOf(taken.getLocalPort()));
            assertThat(code).isEqualTo(64);
        }
        assertThat(err.toString()).startsWith("--port: ").contains(" on 127.0.0.1 is not free")
                .contains("--port 0 for any free one").contains("try: taskpoll dashboard --help")
                .doesNotContain("Exception").doesNotContain("APPLICATION FAILED");
        assertThat(err.toString().lines().count()).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
    }

    /** An --address that names no host: one line naming that flag (the port's probe blamed --port), exit 64. */
    @Test
    void anAddressThatCannotBeResolvedIsOneLineNamingTheFlag() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), "dashboard", "--address",
                "no.such.host.invalid", "--port", "0", "--store", "none");
        assertThat(code).isEqualTo(64);
        assertThat(err.toString()).startsWith("--address: 'no.such.host.invalid' cannot be resolved")
                .doesNotContain("--port:").doesNotContain("Exception").doesNotContain("APPLICATION FAILED");
        assertThat(out.toString()).isEmpty();
    }

    /** A store another process tracks (a second dashboard with the same --out): one line naming it and its holder. */
    @Test
    void aStoreAnotherProcessTracksIsOneLineNamingIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        java.nio.file.Path file = dir.resolve("dashboard.db");
        int code;
        try (dev.taskpoll.sqlite.SqliteStore held = dev.taskpoll.sqlite.SqliteStore.open(file)) {
            code = TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), "dashboard", "--port", "0",
                    "--out", dir.toString());
        }
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).startsWith("taskpoll dashboard: task store " + file.toAbsolutePath())
                .contains("already tracked by this process (pid " + ProcessHandle.current().pid() + "), by a store of it that is not closed")
                .contains("give this one another --out DIR or --store FILE").doesNotContain("Exception");
        assertThat(err.toString().lines().count()).isEqualTo(1);
        assertThat(out.toString()).isEmpty();
    }

    /** A --base-url the client refuses: one line naming the flag, exit 64, nothing started. */
    @Test
    void aRefusedBaseUrlIsOneLineNamingTheFlag() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), "dashboard", "--port", "0",
                "--base-url", "http://example.com", "--api-key", "sk-secret", "--store", "none");
        assertThat(code).isEqualTo(64);
        assertThat(err.toString()).startsWith("--base-url: 'http://example.com' is plain http to a non-loopback host")
                .contains("use https (plain http is for loopback hosts only)")
                .contains("try: taskpoll dashboard --help").doesNotContain("Exception").doesNotContain("sk-secret");
        assertThat(err.toString().lines().count()).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
    }

    /**
     * --api-key without --base-url: refused, naming the flag. It ran the embedded simulator, which ignored the key: the
     * user thought the dashboard generated for real (a review).
     */
    @Test
    void anApiKeyWithoutABaseUrlIsRefused() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("OPC_BASE_URL") == null,
                "OPC_BASE_URL is set in this environment: it names the API the key is for");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), "dashboard", "--port", "0",
                "--api-key", "sk-secret", "--store", "none");
        assertThat(code).isEqualTo(64);
        assertThat(err.toString()).startsWith("--api-key: given without --base-url (or OPC_BASE_URL); without one"
                + " the dashboard runs on its embedded simulator, which takes no key").doesNotContain("sk-secret");
        assertThat(out.toString()).isEmpty();
    }
}
