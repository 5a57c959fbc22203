package dev.taskpoll.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SimulatorMainTest {

    @Test
    void flagsConfigureTheSimulator() {
        assertThat(SimulatorMain.parse("--scale", "600").build().time().scale()).isEqualTo(600);
        // real time here: at 600x a one-per-second bucket refills in under 2 real milliseconds
        Simulator sim = SimulatorMain.parse("--port", "0", "--scale", "1", "--quota", "1",
                "--retry-after", "date", "--faults", "5xx=1", "--generation", "PT1M,PT1M", "--seed", "3",
                "--api-key", "k2").build().start();
        try {
            assertThat(sim.apiKey()).isEqualTo("k2");
            String id = sim.createTask("/v1/veo/videos", "veo_3_1_fast");
            TaskTruth t = sim.truth(id).orElseThrow();
            assertThat(Duration.between(t.createdAt(), t.finishedAt())).isEqualTo(Duration.ofMinutes(1));
            SimHttp.Reply first = SimHttp.get(sim.baseUrl() + "/v1/result/" + id, "k2");
            assertThat(first.status()).isIn(500, 503);
            SimHttp.Reply second = SimHttp.get(sim.baseUrl() + "/v1/result/" + id, "k2");
            assertThat(second.status()).isEqualTo(429);
            assertThat(second.headers().get("Retry-After")).endsWith("GMT");
        } finally {
            sim.close();
        }
    }

    @Test
    void httpsServesWithAnAuthorityWrittenWhereAsked() {
        SimulatorMain.Flags f = SimulatorMain.flags("--port", "0", "--https", "--ca-cert-out", "x/ca.pem");
        assertThat(f.caCertOut()).isEqualTo(java.nio.file.Path.of("x/ca.pem"));
        assertThat(SimulatorMain.flags("--https").caCertOut()).hasToString("taskpoll-simulator-ca.pem");
        assertThat(SimulatorMain.flags("--port", "0").caCertOut()).as("plain http: no authority").isNull();
        try (Simulator sim = f.builder().build().start()) {
            assertThat(sim.baseUrl()).startsWith("https://127.0.0.1:");
            assertThat(sim.certificateAuthorityPem()).startsWith("-----BEGIN CERTIFICATE-----");
            assertThat(sim.certificateAuthority().getBasicConstraints()).as("a certificate authority").isNotNegative();
        }
    }

    @Test
    void warmUpRunsEveryOutcomeOnAThrowawaySimulator() {
        assertThat(SimulatorMain.flags("--port", "0", "--warm-up", "2").warmUp()).isEqualTo(Duration.ofSeconds(2));
        assertThat(SimulatorMain.flags("--port", "0").warmUp()).isZero();
        assertThat(SimulatorMain.parse("--warm-up", "2").build().time().scale()).isEqualTo(1);
        // counted, not timed: 300 tasks, and the warm-up waits for each to end (tasks take 0.1-0.4 s, a tenth fail)
        SimWarmUp.Done d = SimWarmUp.run(i -> i < 300, Duration.ofMinutes(2));
        assertThat(d.created()).isEqualTo(300);
        assertThat(d.ended()).isEqualTo(300);
        assertThat(d.completed() + d.failed()).isEqualTo(300);
        assertThat(d.completed()).as("the completed path (signed URLs) ran").isPositive();
        assertThat(d.failed()).as("the failed path ran").isPositive();
        assertThat(d.polls()).as("each task polled at least once").isGreaterThanOrEqualTo(300);
    }

    @Test
    void badFlagsAreNamed() {
        assertThatThrownBy(() -> SimulatorMain.flags("--warm-up", "soon").warmUp())
                .hasMessageContaining("--warm-up: 'soon'");
        assertThatThrownBy(() -> SimulatorMain.parse("--warm-up", "-1")).hasMessageContaining("from 0 to 300");
        assertThatThrownBy(() -> SimulatorMain.parse("--bogus", "1")).hasMessageContaining("Unknown options: '--bogus'");
        assertThatThrownBy(() -> SimulatorMain.parse("--port")).hasMessageContaining("Missing required parameter for"
                + " option '--port'");
        assertThatThrownBy(() -> SimulatorMain.parse("--port", "x")).hasMessageContaining("--port")
                .hasMessageContaining("'x'");
        assertThatThrownBy(() -> SimulatorMain.parse("--retry-after", "soon")).hasMessageContaining("--retry-after");
        assertThatThrownBy(() -> SimulatorMain.parse("--generation", "PT1M")).hasMessageContaining("MIN,MAX");
        assertThatThrownBy(() -> SimulatorMain.parse("--generation", "1m,later"))
                .hasMessageContaining("--generation: 'later' is not a positive duration");
        assertThatThrownBy(() -> SimulatorMain.parse("--scale", "0")).hasMessageContaining("scale");
        assertThatThrownBy(() -> SimulatorMain.parse("--ca-cert-out", "ca.pem"))
                .hasMessageContaining("--ca-cert-out: only with --https");
    }

    /** The command line's parser: --help, and durations as people type them (2m, 500ms) as well as ISO-8601. */
    @Test
    void helpWorksAndDurationsAreReadAsTheCommandLineReadsThem() throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        int code = new picocli.CommandLine(new SimulatorMain()).setOut(new java.io.PrintWriter(out, true))
                .execute("--help");
        assertThat(code).isZero();
        assertThat(out.toString()).contains("Usage: taskpoll-simulator").contains("--generation=MIN,MAX")
                .contains("--warm-up=D");
        Simulator sim = SimulatorMain.parse("--port", "0", "--generation", "2m,2m", "--scale", "1").build().start();
        try {
            TaskTruth t = sim.truth(sim.createTask("/v1/veo/videos", "veo_3_1_fast")).orElseThrow();
            assertThat(Duration.between(t.createdAt(), t.finishedAt())).isEqualTo(Duration.ofMinutes(2));
        } finally {
            sim.close();
        }
        assertThat(SimulatorMain.flags("--warm-up", "30s").warmUp()).isEqualTo(Duration.ofSeconds(30));
        assertThat(SimulatorMain.flags("--warm-up", "10s", "--warm-up", "20s").warmUp()).as("the last one wins")
                .isEqualTo(Duration.ofSeconds(20));
    }
}
