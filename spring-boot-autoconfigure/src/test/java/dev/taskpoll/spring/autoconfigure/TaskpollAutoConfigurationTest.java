package dev.taskpoll.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.TaskStore;
import dev.taskpoll.testkit.SimTime;
import dev.taskpoll.testkit.Simulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The auto-configuration against its properties, with ApplicationContextRunner. */
class TaskpollAutoConfigurationTest {

    @TempDir
    Path dir;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TaskpollAutoConfiguration.class,
                    TaskpollBindingsAutoConfiguration.class));

    /** The failure a user reads: the first in the chain naming a property, else the deepest. */
    private static Throwable root(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            if (String.valueOf(t.getMessage()).startsWith("taskpoll.")) {
                return t;
            }
            t = t.getCause();
        }
        return t;
    }

    /** An application's own client (GlobalAI OPC's). */
    private static TaskpollClient clientOne() {
        return TaskpollClient.create(ClientOptions.builder().apiKey("k1").build());
    }

    /** An application's second client, for the generic API's host. */
    private static TaskpollClient clientTwo() {
        return TaskpollClient.create(ClientOptions.builder().apiKey("k2").baseUrl("https://api.elkapi.com").build());
    }

    @Test
    void aClientFromThePropertiesWithItsEmbeddedStoreFleetAndPolicies() {
        Path db = dir.resolve("tasks.db");
        runner.withPropertyValues("taskpoll.api-key=sk-secret", "taskpoll.base-url=http://127.0.0.1:9999/api",
                        "taskpoll.store.path=" + db, "taskpoll.fleet.max-rate=100", "taskpoll.fleet.max-in-flight=16",
                        "taskpoll.policies.veo.period=20s", "taskpoll.policies.nano-banana.deadline=2m",
                        "taskpoll.policies.veo_3_1_pro.period=45s", "taskpoll.capture.directory=" + dir.resolve("out"))
                .run(context -> {
                    assertThat(context).hasSingleBean(TaskpollClient.class).hasSingleBean(TaskStore.class);
                    ClientOptions o = context.getBean(TaskpollClient.class).options();
                    assertThat(o.baseUrl()).isEqualTo("http://127.0.0.1:9999/api");
                    assertThat(o.trackerOptions().fleet().maxRate()).isEqualTo(100);
                    assertThat(o.trackerOptions().fleet().maxInFlight()).isEqualTo(16);
                    assertThat(o.trackerOptions().policy(Family.VEO).period()).isEqualTo(Duration.ofSeconds(20));
                    assertThat(o.trackerOptions().policy(Family.NANO_BANANA).deadline())
                            .isEqualTo(Duration.ofMinutes(2));
                    assertThat(o.capture()).isNotNull();
                    assertThat(Files.exists(db)).as("the embedded store's file").isTrue();
                    assertThat(context.getBean(TaskpollProperties.class).toString()).doesNotContain("sk-secret");
                });
    }

    /**
     * A model's policy starts from its family's as configured (what it leaves out comes from there), and a bare number
     * is seconds. Before, {@code veo_3_1_pro.deadline=45m} polled that model every 30 s (the family's built-in period)
     * though {@code veo.period=20s}, and {@code period=20} meant 20 ms (a review).
     */
    @Test
    void aModelsPolicyStartsFromItsFamilysAsConfiguredAndABareNumberIsSeconds() {
        runner.withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=none", "taskpoll.policies.veo.period=20",
                        "taskpoll.policies.veo_3_1_pro.deadline=45m")
                .run(context -> {
                    TrackerOptions t = context.getBean(TaskpollClient.class).options().trackerOptions();
                    assertThat(t.policy(Family.VEO).period()).isEqualTo(Duration.ofSeconds(20));
                    assertThat(t.policy(Family.VEO, "veo_3_1_pro").period()).isEqualTo(Duration.ofSeconds(20));
                    assertThat(t.policy(Family.VEO, "veo_3_1_pro").deadline()).isEqualTo(Duration.ofMinutes(45));
                });
    }

    /**
     * A blank {@code taskpoll.callbacks.base-url} ({@code ${PUBLIC_URL:}} with nothing set) is off: the application
     * starts without a receiver. It stopped the start: the receiver was made from the path alone (a review).
     */
    @Test
    void aBlankCallbackBaseUrlIsOff() {
        new org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner()
                .withConfiguration(org.springframework.boot.autoconfigure.AutoConfigurations.of(
                        TaskpollAutoConfiguration.class, TaskpollBindingsAutoConfiguration.class))
                .withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=none", "taskpoll.callbacks.base-url=")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(TaskpollClient.class)
                            .doesNotHaveBean(dev.taskpoll.callback.CallbackReceiver.class);
                });
    }

    /**
     * Two clients of the application's own (one for the generic API's host, say): the beans bound to one client step
     * aside instead of stopping the start ("required a single bean, but 2 were found", a review); with one, or one of
     * them {@code @Primary}, they are there. {@code taskpoll.callbacks.base-url} with two and none {@code @Primary}
     * stops the start naming the property (it was ignored without a word), unless the application binds its own
     * receiver.
     */
    @Test
    void twoClientsOfTheApplicationsOwnDoNotStopTheStart() {
        new org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TaskpollAutoConfiguration.class,
                        TaskpollBindingsAutoConfiguration.class))
                .withBean("one", TaskpollClient.class, TaskpollAutoConfigurationTest::clientOne)
                .withBean("two", TaskpollClient.class, TaskpollAutoConfigurationTest::clientTwo)
                .run(context -> assertThat(context).hasNotFailed()
                        .doesNotHaveBean(dev.taskpoll.callback.CallbackReceiver.class));
        new org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TaskpollAutoConfiguration.class,
                        TaskpollBindingsAutoConfiguration.class))
                .withBean("one", TaskpollClient.class, TaskpollAutoConfigurationTest::clientOne)
                .withPropertyValues("taskpoll.callbacks.base-url=https://app.example")
                .run(context -> assertThat(context).hasNotFailed()
                        .hasSingleBean(dev.taskpoll.callback.CallbackReceiver.class));
    }

    @Test
    void callbacksWithTwoClientsNeedOneOfThemPrimaryOrAReceiverOfTheApplicationsOwn() {
        var runner = new org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TaskpollAutoConfiguration.class,
                        TaskpollBindingsAutoConfiguration.class))
                .withPropertyValues("taskpoll.callbacks.base-url=https://app.example")
                .withBean("two", TaskpollClient.class, TaskpollAutoConfigurationTest::clientTwo);
        runner.withBean("one", TaskpollClient.class, TaskpollAutoConfigurationTest::clientOne)
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(root(context.getStartupFailure())).hasMessage("taskpoll.callbacks.base-url: set, but"
                            + " the application has 2 TaskpollClient beans (two, one) and none is @Primary, so no"
                            + " callback route is bound; mark the one to receive callbacks @Primary, define a"
                            + " CallbackReceiver of your own, or remove the property");
                });
        runner.withBean("one", TaskpollClient.class, TaskpollAutoConfigurationTest::clientOne,
                        bd -> bd.setPrimary(true))
                .run(context -> assertThat(context).hasNotFailed()
                        .hasSingleBean(dev.taskpoll.callback.CallbackReceiver.class));
        runner.withBean("one", TaskpollClient.class, TaskpollAutoConfigurationTest::clientOne)
                .withUserConfiguration(OwnReceiver.class)
                .run(context -> assertThat(context).hasNotFailed().getBean("ownReceiver").isNotNull());
    }

    /**
     * Without WebFlux no receiver is made whatever the clients: the check counts a {@code @Primary} client as the one,
     * and fails the start only when none is (it said "none is @Primary" of an application that had one, a review).
     */
    @Test
    void withoutWebFluxTheCallbackCheckSeesTheApplicationsPrimaryClient() {
        var runner = new ApplicationContextRunner()
                .withClassLoader(new org.springframework.boot.test.context.FilteredClassLoader(
                        org.springframework.web.reactive.function.server.RouterFunction.class))
                .withConfiguration(AutoConfigurations.of(TaskpollAutoConfiguration.class,
                        TaskpollBindingsAutoConfiguration.class))
                .withPropertyValues("taskpoll.callbacks.base-url=https://app.example")
                .withBean("two", TaskpollClient.class, TaskpollAutoConfigurationTest::clientTwo);
        runner.withBean("one", TaskpollClient.class, TaskpollAutoConfigurationTest::clientOne,
                        bd -> bd.setPrimary(true))
                .run(context -> assertThat(context).hasNotFailed());
        runner.withBean("one", TaskpollClient.class, TaskpollAutoConfigurationTest::clientOne)
                .run(context -> assertThat(root(context.getStartupFailure())).hasMessageStartingWith(
                        "taskpoll.callbacks.base-url: set, but the application has 2 TaskpollClient beans"));
    }

    /** An application's own receiver, bound to the client it names. */
    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    static class OwnReceiver {
        @org.springframework.context.annotation.Bean
        dev.taskpoll.callback.CallbackReceiver ownReceiver(
                @org.springframework.beans.factory.annotation.Qualifier("one") TaskpollClient one) {
            return dev.taskpoll.callback.CallbackReceiver.create(one, "https://app.example/own");
        }
    }

    @Test
    void theCadenceIsLearnedUnlessThePropertySaysFixed() {
        runner.withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=none")
                .run(context -> assertThat(context.getBean(TaskpollClient.class).options().trackerOptions().cadence())
                        .isInstanceOf(dev.taskpoll.cadence.LearnedCadence.class));
        runner.withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=none", "taskpoll.cadence=fixed")
                .run(context -> assertThat(context.getBean(TaskpollClient.class).options().trackerOptions().cadence())
                        .extracting(c -> c.getClass().getSimpleName()).isEqualTo("FixedGrid"));
    }

    @Test
    void customizersRunInOrderAfterThePropertiesAndMayOverrideThem() {
        java.util.List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        reactor.core.scheduler.Scheduler scheduler = reactor.core.scheduler.Schedulers.newSingle("customized");
        try {
            runner.withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=none", "taskpoll.fleet.max-rate=100")
                    .withBean("second", TaskpollClientCustomizer.class, () -> new Ordered(2, (c, t) -> {
                        calls.add("second");
                        t.fleet(dev.taskpoll.FleetOptions.ofMaxRate(7)); // overrides the property
                    }))
                    .withBean("first", TaskpollClientCustomizer.class, () -> new Ordered(1, (c, t) -> {
                        calls.add("first");
                        t.scheduler(scheduler);
                    }))
                    .run(context -> {
                        ClientOptions o = context.getBean(TaskpollClient.class).options();
                        assertThat(calls).containsExactly("first", "second");
                        assertThat(o.trackerOptions().scheduler()).isSameAs(scheduler);
                        assertThat(o.trackerOptions().fleet().maxRate()).isEqualTo(7);
                    });
        } finally {
            scheduler.dispose();
        }
    }

    /**
     * A customizer that replaces the store: the one the properties opened is closed with the context all the same (its
     * file's lock released), not left open until the JVM exits.
     */
    @Test
    void aStoreACustomizerReplacedIsClosedWithTheContext() {
        Path db = dir.resolve("replaced.db");
        runner.withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=" + db)
                .withBean(TaskpollClientCustomizer.class, () -> (c, t) -> t.store(TaskStore.none()))
                .run(context -> assertThat(context.getBean(TaskpollClient.class).options().trackerOptions().store())
                        .isSameAs(TaskStore.none()));
        try (dev.taskpoll.sqlite.SqliteStore again = dev.taskpoll.sqlite.SqliteStore.open(db)) {
            assertThat(again.tracking()).as("tracked again: the first store's lock went with the context").isTrue();
        }
    }

    /** A customizer with an order. */
    record Ordered(int order, TaskpollClientCustomizer delegate) implements TaskpollClientCustomizer,
            org.springframework.core.Ordered {
        @Override
        public void customize(ClientOptions.Builder client, dev.taskpoll.TrackerOptions.Builder tracker) {
            delegate.customize(client, tracker);
        }

        @Override
        public int getOrder() {
            return order;
        }
    }

    /**
     * Cluster mode: the instances on one Redis share the API key's fleet budget (each took the whole key's ceiling,
     * so three replicas polled at three times the key's rate).
     */
    @Test
    void inClusterModeTheInstancesShareTheKeysBudget() {
        dev.taskpoll.testkit.RedisServer r = dev.taskpoll.testkit.RedisServer.startOrSkip(dir.resolve("redis"));
        try {
            runner.withPropertyValues("taskpoll.api-key=sk-secret", "taskpoll.redis.uri=" + r.uri())
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        assertThat(context.getBean(TaskpollClient.class).options().trackerOptions().fleetShare())
                                .as("the key's budget shared through Redis").isNotNull();
                    });
            runner.withPropertyValues("taskpoll.api-key=sk-secret", "taskpoll.store.path=none")
                    .run(context -> assertThat(context.getBean(TaskpollClient.class).options().trackerOptions()
                            .fleetShare()).as("one process: its own budget").isNull());
            // the share is made of the fleet the customizers leave: none when one turns the fleet off
            runner.withPropertyValues("taskpoll.api-key=sk-secret", "taskpoll.redis.uri=" + r.uri())
                    .withBean(TaskpollClientCustomizer.class, () -> (b, t) -> t.fleet(
                            dev.taskpoll.FleetOptions.disabled()))
                    .run(context -> assertThat(context.getBean(TaskpollClient.class).options().trackerOptions()
                            .fleetShare()).as("no fleet, no share").isNull());
        } finally {
            r.close();
        }
    }

    /**
     * Actuator's configprops and env endpoints (Spring Boot sanitizes nothing by default) never show the API key nor
     * the Redis URI's password: the keys as configprops and env name them, and a Redis URI under any key.
     */
    @Test
    void actuatorEndpointsNeverShowTheKeyNorTheRedisPassword() {
        runner.withPropertyValues("taskpoll.api-key=sk-secret", "taskpoll.store.path=none").run(context -> {
            org.springframework.boot.actuate.endpoint.SanitizingFunction f = context.getBean(
                    "taskpollSanitizingFunction", org.springframework.boot.actuate.endpoint.SanitizingFunction.class);
            for (String key : new String[] {"taskpoll.api-key", "apiKey", "OPC_API_KEY", "taskpoll.apiKey"}) {
                assertThat(f.apply(new org.springframework.boot.actuate.endpoint.SanitizableData(null, key,
                        "sk-secret")).getValue()).as(key).isEqualTo(
                        org.springframework.boot.actuate.endpoint.SanitizableData.SANITIZED_VALUE);
            }
            for (String key : new String[] {"taskpoll.redis.uri", "uri", "REDIS_URL"}) {
                assertThat(f.apply(new org.springframework.boot.actuate.endpoint.SanitizableData(null, key,
                        "redis://:s3cret@10.0.0.5:6379/0")).getValue()).as(key)
                        .isEqualTo("redis://***@10.0.0.5:6379/0");
            }
            assertThat(f.apply(new org.springframework.boot.actuate.endpoint.SanitizableData(null,
                    "taskpoll.base-url", "https://api.example")).getValue()).isEqualTo("https://api.example");
        });
    }

    /**
     * A blank property (what {@code ${KEY:}} gives when the variable is unset) is a property left out: the key and the
     * base URL from the environment, the file store rather than cluster mode (it failed: "not set", "no scheme").
     */
    @Test
    void blankPropertiesAreLeftOut() {
        runner.withPropertyValues("taskpoll.api-key=", "OPC_API_KEY=from-env", "taskpoll.base-url=",
                        "OPC_BASE_URL=http://127.0.0.1:9999/api", "taskpoll.redis.uri=",
                        "taskpoll.store.path=" + dir.resolve("blank.db"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(TaskpollClient.class).options().baseUrl())
                            .hasToString("http://127.0.0.1:9999/api");
                    assertThat(context.getBean(TaskStore.class)).isInstanceOf(dev.taskpoll.sqlite.SqliteStore.class);
                });
    }

    /** A capture directory that cannot be made fails the start-up naming the property (it failed each result later). */
    @Test
    void aCaptureDirectoryThatCannotBeMadeFailsTheStartUpNamingIt() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        runner.withPropertyValues("taskpoll.api-key=sk-secret", "taskpoll.store.path=none",
                        "taskpoll.capture.directory=" + file.resolve("results"))
                .run(context -> assertThat(context).hasFailed().getFailure().satisfies(e -> assertThat(
                        root(e).getMessage()).startsWith("taskpoll.capture.directory: '" + file.resolve("results")
                        + "' cannot be made")));
        runner.withPropertyValues("taskpoll.api-key=sk-secret", "taskpoll.store.path=none",
                        "taskpoll.capture.directory=" + dir.resolve("results"))
                .run(context -> assertThat(context).hasNotFailed());
        assertThat(dir.resolve("results")).isDirectory();
    }

    @Test
    void theRedisPropertiesNeverShowThePassword() {
        assertThat(new TaskpollProperties.Redis("redis://:s3cret@10.0.0.5:6379/0", "taskpoll").toString())
                .isEqualTo("Redis[uri=redis://***@10.0.0.5:6379/0, prefix=taskpoll]");
        assertThat(new TaskpollProperties.Redis("rediss://user:s3cret@h:6380", "p").toString()).doesNotContain("s3cret");
    }

    @Test
    void theKeyComesFromTheEnvironmentElseTheStartUpNamesTheProperty() {
        runner.withPropertyValues("OPC_API_KEY=from-env", "taskpoll.store.path=none")
                .run(context -> assertThat(context).hasSingleBean(TaskpollClient.class));
        // as a key read from a file comes (a line break at its end): trimmed, as the library trims OPC_API_KEY
        // (a property source of its own: the runner's "key=value" pairs are trimmed)
        runner.withPropertyValues("taskpoll.store.path=none")
                .withInitializer(c -> c.getEnvironment().getPropertySources().addFirst(
                        new org.springframework.core.env.MapPropertySource("secret",
                                java.util.Map.of("OPC_API_KEY", "from-secret\n"))))
                .run(context -> {
                    assertThat(context).hasSingleBean(TaskpollClient.class);
                    assertThat(context.getEnvironment().getProperty("OPC_API_KEY")).endsWith("\n");
                });
        runner.withPropertyValues("taskpoll.store.path=none").run(context -> assertThat(context).hasFailed()
                .getFailure().satisfies(e -> assertThat(root(e)).hasMessage("taskpoll.api-key: not set (nor OPC_API_KEY"
                        + " in the environment); the API key is required")));
    }

    @Test
    void eachBrokenRuleNamesItsProperty() {
        String[][] cases = {
            {"taskpoll.base-url=ftp://x", "taskpoll.base-url: 'ftp://x' must start with https:// or http://"},
            {"taskpoll.base-url=http://example.com/api", "taskpoll.base-url: 'http://example.com/api' is plain http to"
                + " a non-loopback host; the API key would travel in clear text; use https (plain http is for loopback"
                + " hosts only)"},
            {"taskpoll.fleet.max-rate=0", "taskpoll.fleet.max-rate: 0"},
            {"taskpoll.fleet.max-in-flight=0", "taskpoll.fleet.max-in-flight: 0 must be at least 1"},
            {"taskpoll.fleet.max-in-flight=300", "taskpoll.fleet.max-in-flight: 300 must not exceed maxConnections (256):"
                + " requests beyond the connections would queue in the connection pool instead of the fleet's budget;"
                + " lower taskpoll.fleet.max-in-flight, or raise maxConnections in a TaskpollClientCustomizer"},
            {"taskpoll.policies.midjourney.period=5s", "taskpoll.policies.midjourney: 'midjourney' is neither a"
                + " family"},
            {"taskpoll.policies.veo.period=-5s", "taskpoll.policies.veo: "},
            // a misspelt setting bound nothing, and the family kept its default policy without a word
            {"taskpoll.policies.veo.perod=5s", "taskpoll.policies.veo.perod: not a policy setting; a policy takes"
                + " period and deadline"},
            {"taskpoll.policies.nano-banana.period.max=5s", "taskpoll.policies.nano-banana.period.max: not a policy"
                + " setting"},
            {"taskpoll.fleet.max-rat=5", "taskpoll.fleet.max-rat: not a property of taskpoll.fleet; it takes max-rate,"
                + " max-in-flight"},
            {"taskpoll.store.file=x.db", "taskpoll.store.file: not a property of taskpoll.store; it takes path"},
            {"taskpoll.cadence=smart", "taskpoll.cadence: 'smart' is not one of learned, fixed"},
        };
        Path db = dir.resolve("rules.db");
        for (String[] c : cases) {
            runner.withPropertyValues("taskpoll.api-key=sk-secret", "taskpoll.store.path=" + db, c[0])
                    .run(context -> assertThat(context).hasFailed().getFailure().satisfies(e -> assertThat(
                            root(e).getMessage()).as(c[0]).startsWith(c[1]).doesNotContain("sk-secret")));
        }
        // the forms the binder takes for a property are taken by the check too (camelCase, underscores)
        runner.withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=" + db, "taskpoll.fleet.maxRate=7",
                        "taskpoll.fleet.max_in_flight=9")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(TaskpollProperties.class).fleet().maxRate()).isEqualTo(7);
                });
        // each failed start closed the store it had opened: the file is free for the next one
        runner.withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=" + db)
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(TaskpollClient.class));
    }

    @Test
    void anApplicationsOwnClientWinsAndNoStoreIsOpenedForIt() {
        runner.withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=" + dir.resolve("unused.db"))
                .withBean("mine", TaskpollClient.class, () -> TaskpollClient.create(ClientOptions.builder()
                        .apiKey("mine").build()))
                .run(context -> {
                    assertThat(context).hasSingleBean(TaskpollClient.class).doesNotHaveBean(TaskStore.class);
                    assertThat(context.getBean(TaskpollClient.class).options().apiKey().toString())
                            .doesNotContain("mine");
                    assertThat(context).hasBean("mine");
                });
        assertThat(dir.resolve("unused.db")).doesNotExist();
    }

    @Test
    void theCallbackRouteIsRegisteredWhenCallbacksAreOn() {
        new org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner()
                .withConfiguration(org.springframework.boot.autoconfigure.AutoConfigurations.of(
                        TaskpollAutoConfiguration.class, TaskpollBindingsAutoConfiguration.class))
                .withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=none",
                        "taskpoll.callbacks.base-url=https://app.example")
                .run(context -> assertThat(context).hasBean("taskpollCallbackRoutes")
                        .hasSingleBean(dev.taskpoll.callback.CallbackReceiver.class));
        new org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner()
                .withConfiguration(org.springframework.boot.autoconfigure.AutoConfigurations.of(
                        TaskpollAutoConfiguration.class, TaskpollBindingsAutoConfiguration.class))
                .withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=none",
                        "taskpoll.callbacks.base-url=ftp://cb")
                .run(context -> assertThat(context).hasFailed().getFailure().satisfies(e -> assertThat(
                        root(e).getMessage()).isEqualTo("taskpoll.callbacks.base-url: publicBaseUrl:"
                        + " 'ftp://cb/taskpoll/callbacks' must be an absolute http(s) URL")));
        // not a WebFlux application (a servlet one, a batch job), with WebFlux on the class path or not: nothing
        // would answer the callbacks sent for
        for (org.springframework.boot.test.context.runner.ApplicationContextRunner r : List.of(runner,
                runner.withClassLoader(new org.springframework.boot.test.context.FilteredClassLoader(
                        "org.springframework.web.reactive")))) {
            r.withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=none",
                            "taskpoll.callbacks.base-url=https://app.example")
                    .run(context -> assertThat(context).hasFailed().getFailure().satisfies(e -> assertThat(
                            root(e).getMessage()).startsWith("taskpoll.callbacks.base-url: set, but callbacks are"
                            + " received by a WebFlux route and this is not a reactive web application")));
        }
        runner.withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=none")
                .run(context -> assertThat(context).doesNotHaveBean("taskpollCallbackRoutes"));
    }

    @Test
    void theMetersAreBoundToTheApplicationsRegistry() {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        runner.withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=none")
                .withBean(io.micrometer.core.instrument.MeterRegistry.class, () -> registry)
                .run(context -> {
                    assertThat(context).hasSingleBean(TaskpollMetersBinding.class);
                    assertThat(registry.getMeters()).as("the fleet's gauges").isNotEmpty()
                            .allMatch(m -> m.getId().getName().startsWith("taskpoll."));
                });
    }

    @Test
    void healthIsUpWithTheFleetsFiguresAndDownWhenTheApiRefusesTheKey() {
        try (Simulator sim = Simulator.builder().time(SimTime.realTime()).build().start()) {
            runner.withPropertyValues("taskpoll.api-key=" + sim.apiKey(), "taskpoll.base-url=" + sim.baseUrl(),
                            "taskpoll.store.path=" + dir.resolve("h.db"))
                    .run(context -> {
                        Health h = context.getBean(TaskpollHealthIndicator.class).health()
                                .block(Duration.ofSeconds(30));
                        assertThat(h.getStatus()).isEqualTo(Status.UP);
                        assertThat(h.getDetails()).containsKeys("activeTasks", "rate", "inFlight", "circuit");
                    });
            runner.withPropertyValues("taskpoll.api-key=not-the-key", "taskpoll.base-url=" + sim.baseUrl(),
                            "taskpoll.store.path=none")
                    .run(context -> {
                        Health h = context.getBean(TaskpollHealthIndicator.class).health()
                                .block(Duration.ofSeconds(30));
                        assertThat(h.getStatus()).isEqualTo(Status.DOWN);
                        assertThat(h.getDetails()).containsEntry("api", "the API refused the key (HTTP 401)");
                        assertThat(h.toString()).doesNotContain("not-the-key");
                    });
        }
    }

    /**
     * An API that accepts the probe's connection and never answers: the health answers within the probe's 5 s, UP with
     * a note (it waited for the client's response timeout, 30 s), and the health requests that come meanwhile share
     * the one probe (each started its own). management.health.taskpoll.enabled=false turns the component off.
     */
    @Test
    void aProbeWithoutAnAnswerIsBoundedAndSharedAndTheComponentCanBeTurnedOff() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            java.util.List<java.net.Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // read nothing, answer nothing
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            acceptor.start();
            String base = "http://127.0.0.1:" + silent.getLocalPort();
            runner.withPropertyValues("taskpoll.api-key=sk-secret", "taskpoll.base-url=" + base,
                            "taskpoll.store.path=none")
                    .run(context -> {
                        TaskpollHealthIndicator health = context.getBean(TaskpollHealthIndicator.class);
                        java.util.List<Health> answers = reactor.core.publisher.Flux.range(0, 3)
                                .flatMap(i -> health.health()).collectList().block(Duration.ofSeconds(15));
                        assertThat(answers).hasSize(3).allSatisfy(h -> {
                            assertThat(h.getStatus()).isEqualTo(Status.UP);
                            assertThat(h.getDetails()).containsEntry("api",
                                    "the last probe had no answer within 5 s");
                        });
                        assertThat(accepted).as("one probe's connection").hasSize(1);
                    });
            runner.withPropertyValues("taskpoll.api-key=sk-secret", "taskpoll.base-url=" + base,
                            "taskpoll.store.path=none", "management.health.taskpoll.enabled=false")
                    .run(context -> assertThat(context).doesNotHaveBean(TaskpollHealthIndicator.class));
            silent.close();
            acceptor.join(5_000);
            for (java.net.Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void submitsAndTrackingsAreObservedOnTheApplicationsObservationRegistry() {
        io.micrometer.observation.tck.TestObservationRegistry observations =
                io.micrometer.observation.tck.TestObservationRegistry.create();
        try (Simulator sim = Simulator.builder().time(SimTime.accelerated(200)).build().start()) {
            runner.withPropertyValues("taskpoll.api-key=" + sim.apiKey(), "taskpoll.base-url=" + sim.baseUrl(),
                            "taskpoll.store.path=none")
                    .withBean(io.micrometer.observation.ObservationRegistry.class, () -> observations)
                    .run(context -> {
                        dev.taskpoll.micrometer.TaskpollObservations o =
                                context.getBean(dev.taskpoll.micrometer.TaskpollObservations.class);
                        String id = o.submit(dev.taskpoll.catalog.GenerationRequest.builder(
                                        dev.taskpoll.catalog.Family.SORA, dev.taskpoll.catalog.Family.SORA.models().get(0))
                                .prompt("a fox").build())
                                .block(Duration.ofSeconds(30)).taskId();
                        io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat(observations)
                                .hasObservationWithNameEqualTo("taskpoll.submit").that()
                                .hasLowCardinalityKeyValue("outcome", "accepted")
                                .hasHighCardinalityKeyValue("task.id", id).hasBeenStopped();
                    });
            runner.withPropertyValues("taskpoll.api-key=k", "taskpoll.store.path=none")
                    .run(context -> assertThat(context)
                            .doesNotHaveBean(dev.taskpoll.micrometer.TaskpollObservations.class));
        }
    }

    @Test
    void healthIsOutOfServiceWhileTheCircuitIsOpen() {
        // every status request answered 503: the application's own client (a circuit over 2 requests) opens it
        try (Simulator sim = Simulator.builder().time(SimTime.realTime())
                .faults(dev.taskpoll.testkit.Faults.parse("5xx=1")).build().start()) {
            runner.withPropertyValues("taskpoll.store.path=none")
                    .withBean(TaskpollClient.class, () -> TaskpollClient.create(dev.taskpoll.ClientOptions.builder()
                            .baseUrl(sim.baseUrl()).apiKey(sim.apiKey())
                            // polled at once and every 200 ms (real time): the circuit, not the cadence, is tested
                            .trackerOptions(dev.taskpoll.TrackerOptions.builder().fixedGrid().policy(
                                    dev.taskpoll.catalog.Family.NANO_BANANA, dev.taskpoll.PollPolicy.of(
                                            Duration.ofMillis(200), Duration.ofMinutes(5)))
                                    .fleet(dev.taskpoll.FleetOptions.defaults().withCircuit(50, 2,
                                            Duration.ofMinutes(5))).build()).build()))
                    .run(context -> {
                        TaskpollClient client = context.getBean(TaskpollClient.class);
                        dev.taskpoll.catalog.Family f = dev.taskpoll.catalog.Family.NANO_BANANA;
                        reactor.core.Disposable tracking = client.track(dev.taskpoll.TaskRef.of(
                                sim.createTask(f.createPath(), f.models().get(0)), f)).subscribe(s -> { }, e -> { });
                        try {
                            dev.taskpoll.testkit.Await.until(
                                    () -> "OPEN".equals(client.tracker().stats().circuitState()),
                                    Duration.ofSeconds(30), "the circuit opened");
                            Health h = context.getBean(TaskpollHealthIndicator.class).health()
                                    .block(Duration.ofSeconds(30));
                            assertThat(h.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
                            assertThat(h.getDetails()).containsEntry("circuit", "OPEN");
                        } finally {
                            tracking.dispose();
                        }
                    });
        }
    }

    @Test
    void aStoreThatCannotBeOpenedLetsTheApplicationStartWithItsHealthDownAndSubmitsRefused() throws Exception {
        // a path whose parent is a file: no one can create it, root included
        Path notADirectory = java.nio.file.Files.writeString(dir.resolve("a-file"), "x");
        String path = notADirectory.resolve("tasks.db").toString();
        try (Simulator sim = Simulator.builder().time(SimTime.realTime()).build().start()) {
            runner.withPropertyValues("taskpoll.api-key=" + sim.apiKey(), "taskpoll.base-url=" + sim.baseUrl(),
                            "taskpoll.store.path=" + path)
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        Health h = context.getBean(TaskpollHealthIndicator.class).health()
                                .block(Duration.ofSeconds(30));
                        assertThat(h.getStatus()).isEqualTo(Status.DOWN);
                        assertThat(String.valueOf(h.getDetails().get("store")))
                                .contains("taskpoll.store.path: '" + path + "' cannot be used");
                        TaskpollClient client = context.getBean(TaskpollClient.class);
                        assertThatThrownBy(() -> client.submit(dev.taskpoll.catalog.GenerationRequest.builder(
                                        dev.taskpoll.catalog.Family.SORA, dev.taskpoll.catalog.Family.SORA.models().get(0))
                                .prompt("a fox").build()).block(Duration.ofSeconds(30)))
                                .isInstanceOf(dev.taskpoll.TaskStoreException.class)
                                .hasMessageContaining("taskpoll.store.path");
                        assertThat(sim.truths()).as("nothing was sent").isEmpty();
                    });
        }
    }
}
