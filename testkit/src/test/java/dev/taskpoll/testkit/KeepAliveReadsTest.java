package dev.taskpoll.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * One keep-alive connection keeps being read after a request queued behind a late answer was answered at once: the
 * case where Reactor Netty 1.3.7's server stops reading (reactor/reactor-netty#4361) and {@link KeepAliveReads}
 * asks for the read. Without the work-around the third request below is never answered.
 */
class KeepAliveReadsTest {

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final Simulator sim = Simulator.builder().time(SimTime.following(vts))
            .createDelay(Duration.ofSeconds(2)).build().start();

    @AfterEach
    void stop() {
        sim.close();
    }

    private String request(String method, String path, String body) {
        return method + " /kyyReactApiServer" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + sim.apiKey() + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    /** Reads one answer with a Content-Length; returns its status line. */
    private static String answer(InputStream in) throws IOException {
        return RawHttp.read(in).statusLine();
    }

    @Test
    void aConnectionIsStillReadAfterAQueuedRequestWasAnsweredAtOnce() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", sim.port())) {
            // a bound for a hang, not a timing: each answer below is due at once
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            // one write: a submit answered late (2 simulated seconds), then a status request answered at once
            out.write((request("POST", "/v1/sora/videos", "{\"model\":\"openAiSora2Plus\",\"prompt\":\"a cat\"}")
                    + request("GET", "/v1/result/no-such-task", "")).getBytes(StandardCharsets.UTF_8));
            out.flush();
            // the late answer's timer is armed just after the task is created: advance until it has fired
            Await.until(() -> {
                vts.advanceTimeBy(Duration.ofSeconds(2));
                try {
                    return in.available() > 0;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, Duration.ofSeconds(10), "the late submit answered");
            assertThat(answer(in)).as("the late submit").isEqualTo("HTTP/1.1 200 OK");
            assertThat(answer(in)).as("the queued status request").startsWith("HTTP/1.1 ");
            out.write(request("GET", "/v1/result/no-such-task", "").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String third;
            try {
                third = answer(in);
            } catch (SocketTimeoutException e) {
                third = "no answer within 10 s: the server stopped reading the connection";
            }
            assertThat(third).as("a third request on the same connection").startsWith("HTTP/1.1 ");
        }
    }
}
