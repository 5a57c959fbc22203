package dev.taskpoll.examples.dashboard;

import dev.taskpoll.TaskpollClient;
import dev.taskpoll.spring.autoconfigure.TaskpollClientCustomizer;
import dev.taskpoll.testkit.KeepAliveReads;
import dev.taskpoll.testkit.Simulator;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The dashboard application, on the taskpoll Spring Boot starter: the client, its store and its result capture come
 * from the {@code taskpoll.*} properties ({@code taskpoll.base-url}, {@code taskpoll.api-key},
 * {@code taskpoll.store.path}, ...; README, "Spring Boot"). What the dashboard adds (all optional):
 * {@code taskpoll.out}, where results are stored (default {@code taskpoll-out}; the store defaults to
 * {@code <out>/dashboard.db}); without an API ({@code taskpoll.base-url} and {@code OPC_BASE_URL} unset), the
 * embedded simulator at {@code taskpoll.sim-scale} (default 60) simulated seconds per real second, failing 10% of
 * generations so that failed cards show too ({@link EmbeddedApi}); {@code taskpoll.max-tasks} (default 1000); {@code server.port} (default 8080). The
 * dashboard shows what it recorded before a restart and tracks the unfinished generations again (against the
 * embedded simulator, which forgets its tasks when it stops, those end with 404).
 */
@SpringBootApplication(proxyBeanMethods = false)
public class DashboardApplication {

    /** The API the dashboard talks to: the starter's client, and the simulator started for it when none was given. */
    record Api(TaskpollClient client, @Nullable Simulator simulator) {
    }

    @Bean
    Api api(TaskpollClient client, ObjectProvider<Simulator> simulator) {
        return new Api(client, simulator.getIfAvailable());
    }

    /**
     * What properties cannot say: the embedded simulator's accelerated time as the tracker's clock (the learned
     * cadence, the starter's default, refits on it too).
     */
    @Bean
    TaskpollClientCustomizer dashboardClient(ObjectProvider<Simulator> simulator) {
        return (client, tracker) -> {
            Simulator sim = simulator.getIfAvailable();
            if (sim != null) {
                tracker.scheduler(sim.time().scheduler());
                // the store is waited for on the tracker's (simulated) time: 60 real seconds, as the default means
                client.storeTimeout(sim.time().toSimulated(java.time.Duration.ofSeconds(60)));
            }
        };
    }

    /**
     * Every connection of the dashboard's server keeps being read after each answer ({@link KeepAliveReads}): a
     * result's body is read off the event loop, so its answer ends a little after its last byte, and a request sent on
     * the same connection meanwhile (a browser reusing it, a pipelining client) would otherwise leave Reactor Netty
     * 1.3.7's server no longer reading that connection (reactor/reactor-netty#4361): its next request would wait
     * forever.
     */
    @Bean
    NettyServerCustomizer keepAliveReads() {
        return server -> server.doOnChannelInit((observer, channel, remote) -> KeepAliveReads.install(channel));
    }

    @Bean(destroyMethod = "close")
    Generations generations(Api api, @Value("${taskpoll.max-tasks:1000}") int maxTasks) {
        Generations g = new Generations(api.client(), maxTasks);
        g.loadRecorded();
        return g;
    }

    /**
     * At the start of the context's close, before the web server's graceful shutdown: the open event streams end (an
     * open page kept Ctrl-C waiting 30 s for them).
     */
    @Bean
    org.springframework.context.ApplicationListener<org.springframework.context.event.ContextClosedEvent>
            endStreamsOnClose(Generations generations) {
        return event -> generations.endStreams();
    }

    /** Requests to a loopback-bound dashboard must name it in their Host: no DNS rebinding ({@link HostCheck}). */
    @Bean
    HostCheck hostCheck(@Value("${server.address:}") String address) {
        return new HostCheck(address);
    }

    @Bean
    RouterFunction<ServerResponse> routes(Generations generations) {
        return new DashboardRoutes(generations).routes();
    }

    /** Starts the dashboard; returns the running context (close it to stop). */
    public static ConfigurableApplicationContext start(String... args) {
        SpringApplication app = new SpringApplication(DashboardApplication.class);
        app.addInitializers(new EmbeddedApi());
        return app.run(args);
    }

    public static void main(String[] args) {
        start(args);
    }
}
