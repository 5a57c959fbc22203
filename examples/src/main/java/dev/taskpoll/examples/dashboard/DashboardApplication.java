package dev.taskpoll.examples.dashboard;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.cadence.CadenceOptions;
import dev.taskpoll.cadence.LearnedCadence;
import dev.taskpoll.capture.CaptureOptions;
import dev.taskpoll.spi.TaskStore;
import dev.taskpoll.sqlite.SqliteStore;
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
 * stored (default {@code taskpoll-out}); {@code taskpoll.store} the task store (default
 * {@code <out>/dashboard.db}; {@code none} for memory only): the dashboard shows what it recorded before a restart and
 * tracks the unfinished generations again (against the embedded simulator, which forgets its tasks when it stops,
 * those end with 404); {@code server.port} (default 8080).
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
            @Value("${taskpoll.sim-scale:60}") double scale,
            @Value("${taskpoll.out:taskpoll-out}") Path out,
            @Value("${taskpoll.store:}") String storeFile,
            @Value("${taskpoll.cadence:learned}") String cadence) {
        // every generation is recorded (taskpoll.store, default <out>/dashboard.db; none for memory only), and the
        // client stores every completed one's results itself
        Path file = storeFile.isBlank() ? out.resolve("dashboard.db") : storeFile.equals("none") ? null
                : Path.of(storeFile);
        TaskStore store = file == null ? TaskStore.none() : SqliteStore.open(file);
        // learned (the default here): each model's completion times, kept in the store; expected ends shown
        if (!cadence.equals("learned") && !cadence.equals("fixed")) {
            store.close();
            throw new IllegalArgumentException("taskpoll.cadence: '" + cadence + "' is not one of learned, fixed");
        }
        CaptureOptions.Builder capture = CaptureOptions.builder(out);
        if (!baseUrl.isBlank()) {
            // an API given as plain http (allowed on loopback only: a local simulator) serves results there too
            capture.allowPlainHttpOnLoopback(baseUrl.toLowerCase(java.util.Locale.ROOT).startsWith("http://"));
            return new Api(TaskpollClient.create(ClientOptions.builder().baseUrl(baseUrl).apiKey(apiKey)
                    .trackerOptions(tracker(cadence).store(store).build()).capture(capture.build()).build()),
                    null);
        }
        SimTime time = SimTime.accelerated(scale);
        Simulator sim = Simulator.builder().time(time).failureRate(0.1).build().start();
        TaskpollClient client = TaskpollClient.create(ClientOptions.builder().baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                .trackerOptions(tracker(cadence).scheduler(time.scheduler()).store(store).build())
                .capture(capture.allowPlainHttpOnLoopback(true).build()).build());
        return new Api(client, sim);
    }

    private static TrackerOptions.Builder tracker(String cadence) {
        TrackerOptions.Builder b = TrackerOptions.builder();
        return cadence.equals("learned") ? b.cadence(LearnedCadence.create(CadenceOptions.defaults())) : b;
    }

    @Bean(destroyMethod = "close")
    Generations generations(Api api, @Value("${taskpoll.max-tasks:1000}") int maxTasks) {
        Generations g = new Generations(api.client(), maxTasks);
        g.loadRecorded();
        return g;
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
