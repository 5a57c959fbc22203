package dev.taskpoll.examples.dashboard;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.capture.CaptureOptions;
import dev.taskpoll.capture.ResultCapture;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The dashboard application. Properties (all optional): {@code taskpoll.base-url} and {@code taskpoll.api-key} (or
 * {@code OPC_BASE_URL}/{@code OPC_API_KEY}) for a real API, else the embedded simulator at
 * {@code taskpoll.sim-scale} (default 60) simulated seconds per real second, failing 10% of generations so that
 * failed cards show too; {@code taskpoll.out} where results are
 * stored (default {@code taskpoll-out}); {@code server.port} (default 8080).
 */
@SpringBootApplication(proxyBeanMethods = false)
public class DashboardApplication {

    /** The API the dashboard talks to: a real one, or the simulator it started (closed with the context). */
    record Api(TaskpollClient client, @org.jspecify.annotations.Nullable Simulator simulator) implements AutoCloseable {
        @Override
        public void close() {
            client.close();
            if (simulator != null) {
                simulator.close();
            }
        }
    }

    @Bean(destroyMethod = "close")
    Api api(@Value("${taskpoll.base-url:${OPC_BASE_URL:}}") String baseUrl,
            @Value("${taskpoll.api-key:${OPC_API_KEY:}}") String apiKey,
            @Value("${taskpoll.sim-scale:60}") double scale) {
        if (!baseUrl.isBlank()) {
            return new Api(TaskpollClient.create(ClientOptions.builder().baseUrl(baseUrl).apiKey(apiKey).build()), null);
        }
        SimTime time = SimTime.accelerated(scale);
        Simulator sim = Simulator.builder().time(time).failureRate(0.1).build().start();
        TaskpollClient client = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .trackerOptions(TrackerOptions.builder().scheduler(time.scheduler()).build()).build());
        return new Api(client, sim);
    }

    @Bean(destroyMethod = "close")
    ResultCapture capture(Api api, @Value("${taskpoll.out:taskpoll-out}") Path out) {
        CaptureOptions.Builder b = CaptureOptions.builder(out);
        if (api.simulator() != null) {
            b.allowPlainHttpOnLoopback(true);
        }
        return ResultCapture.create(api.client(), b.build());
    }

    @Bean(destroyMethod = "close")
    Generations generations(Api api, ResultCapture capture, @Value("${taskpoll.max-tasks:1000}") int maxTasks) {
        return new Generations(api.client(), capture, maxTasks);
    }

    @Bean
    RouterFunction<ServerResponse> routes(Generations generations) {
        return new DashboardRoutes(generations).routes();
    }

    /** Starts the dashboard; returns the running context (close it to stop). */
    public static ConfigurableApplicationContext start(String... args) {
        SpringApplication app = new SpringApplication(DashboardApplication.class);
        return app.run(args);
    }

    public static void main(String[] args) {
        start(args);
    }

}
