package dev.taskpoll.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;

class CaptureAndCallbackKnobsTest {

    @Test
    void theNewKnobsParseAndAreChecked() {
        Faults f = Faults.parse("lost=0.25,early=1,mediaTruncated=0.5");
        assertThat(f.callbackLoss()).isEqualTo(0.25);
        assertThat(f.callbackEarly()).isEqualTo(1);
        assertThat(f.mediaTruncated()).isEqualTo(0.5);
        assertThatThrownBy(() -> Faults.parse("lost=2")).hasMessage("faults.callbackLoss: 2.0 must be between 0 and 1");
    }

    @Test
    void theRedirectRouteAnswers302WithTheLocationAsked() {
        try (Simulator sim = Simulator.builder().build().start()) {
            int[] status = new int[1];
            String location = HttpClient.create().followRedirect(false)
                    .get().uri("http://127.0.0.1:" + sim.port() + "/_sim/redirect?to=https%3A%2F%2Fexample.com%2Fa.mp4")
                    .responseSingle((res, body) -> {
                        status[0] = res.status().code();
                        return body.then(reactor.core.publisher.Mono.just(res.responseHeaders().get("Location")));
                    }).block(Duration.ofSeconds(10));
            assertThat(status[0]).isEqualTo(302);
            assertThat(location).isEqualTo("https://example.com/a.mp4");
        }
    }
}
