package dev.taskpoll.examples.dashboard;

import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Before the starter builds the client: the dashboard's defaults for the starter's properties (the store
 * {@code <taskpoll.out>/dashboard.db}, results stored in {@code taskpoll.out}), and, when no API was given
 * ({@code taskpoll.base-url} and {@code OPC_BASE_URL} unset), the embedded simulator started and given to the starter
 * as {@code taskpoll.base-url} and {@code taskpoll.api-key}. The simulator is a bean closed with the context, after
 * the client (beans are destroyed in the reverse order of their registration), or when the start fails.
 */
final class EmbeddedApi implements ApplicationContextInitializer<GenericApplicationContext> {

    @Override
    public void initialize(GenericApplicationContext context) {
        ConfigurableEnvironment env = context.getEnvironment();
        String out = env.getProperty("taskpoll.out", "taskpoll-out");
        Map<String, Object> defaults = new HashMap<>();
        defaults.put("taskpoll.store.path", Path.of(out).resolve("dashboard.db").toString());
        defaults.put("taskpoll.capture.directory", out);
        env.getPropertySources().addLast(new MapPropertySource("dashboardDefaults", defaults));
        String base = env.getProperty("taskpoll.base-url", env.getProperty("OPC_BASE_URL", ""));
        if (!base.isBlank()) {
            return;
        }
        double scale = env.getProperty("taskpoll.sim-scale", Double.class, 60.0);
        if (!(scale >= 1 && scale <= 10_000)) {
            throw new IllegalArgumentException("taskpoll.sim-scale: " + scale + " must be between 1 and 10000");
        }
        Simulator sim = Simulator.builder().time(SimTime.accelerated(scale)).failureRate(0.1).build().start();
        // the simulator's address and key win over any OPC_API_KEY of the environment: they belong together
        env.getPropertySources().addFirst(new MapPropertySource("dashboardSimulator", Map.of(
                "taskpoll.base-url", sim.baseUrl(), "taskpoll.api-key", sim.apiKey())));
        // a singleton now, closed with the other beans, after the client (the reverse of registration), and also
        // when the refresh fails before any bean was made (a bad taskpoll.* property): no simulator left running
        context.getBeanFactory().registerSingleton("taskpollSimulator", sim);
        context.getDefaultListableBeanFactory().registerDisposableBean("taskpollSimulator", sim::close);
    }
}
