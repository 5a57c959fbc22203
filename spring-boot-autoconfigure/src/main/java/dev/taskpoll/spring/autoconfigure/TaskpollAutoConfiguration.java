package dev.taskpoll.spring.autoconfigure;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.FleetOptions;
import dev.taskpoll.InvalidOptionException;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskStoreException;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.capture.CaptureOptions;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.TaskStore;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * One {@link TaskpollClient} from the {@code taskpoll.*} properties ({@link TaskpollProperties}), unless the
 * application defines its own; its {@link TaskStore} (the embedded SQLite file {@code taskpoll.store.path}, Redis when
 * {@code taskpoll.redis.uri} is set, nothing with {@code none}), unless the application defines one. What is bound to
 * the client (its meters, observations, health component and callback route) is
 * {@link TaskpollBindingsAutoConfiguration}'s.
 * The client is closed when the context closes (it commits the store's writes and closes the store). A property that
 * breaks a rule stops the start-up with a message naming it ({@code taskpoll.base-url: 'ftp://x' must start with ...}).
 */
@AutoConfiguration
@ConditionalOnClass(TaskpollClient.class)
@EnableConfigurationProperties(TaskpollProperties.class)
public class TaskpollAutoConfiguration {

    /**
     * The store: closed by the client that uses it, and again by the context after the client (a no-op then), so that
     * a store a {@link TaskpollClientCustomizer} replaced is closed too; none is opened when the application defines
     * its own client (or store).
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean({TaskStore.class, TaskpollClient.class})
    TaskStore taskpollStore(TaskpollProperties properties, Environment env) {
        if (given(properties.redis().uri())) { // (blank, as ${REDIS_URL:} gives when unset: the file store)
            if (!present("dev.taskpoll.redis.RedisStore")) {
                throw new IllegalArgumentException("taskpoll.redis.uri: set, but dev.taskpoll:taskpoll-redis is not on"
                        + " the class path; add it, or remove the property");
            }
            return RedisSupport.open(properties, apiKey(properties, env));
        }
        String path = properties.store().path();
        if (path.equals("none")) {
            return TaskStore.none();
        }
        if (!present("dev.taskpoll.sqlite.SqliteStore")) {
            throw new IllegalArgumentException("taskpoll.store.path: '" + path + "', but dev.taskpoll:taskpoll-sqlite is"
                    + " not on the class path (the starter brings it); add it, or set taskpoll.store.path=none");
        }
        try {
            return SqliteSupport.open(Path.of(path));
        } catch (TaskStoreException e) {
            // the application starts; its health is DOWN and every submit fails before sending, saying why
            String reason = "taskpoll.store.path: '" + path + "' cannot be used: " + e.getMessage();
            org.apache.commons.logging.LogFactory.getLog(TaskpollAutoConfiguration.class).error(reason
                    + "; the taskpoll health is DOWN and submits fail until it is fixed and the application restarted");
            return new UnusableStore(reason);
        }
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    TaskpollClient taskpollClient(TaskpollProperties properties, Environment env, TaskStore store,
                                  org.springframework.beans.factory.ObjectProvider<TaskpollClientCustomizer> customizers,
                                  org.springframework.context.ApplicationContext context) {
        try {
            if (given(properties.callbacks().baseUrl())
                    && !(context instanceof org.springframework.boot.web.context.reactive.ReactiveWebApplicationContext)) {
                // here, not with the route (that configuration needs WebFlux on the class path): a servlet or batch
                // application serves no WebFlux route, and each callback_url sent would go unanswered
                throw new IllegalArgumentException("taskpoll.callbacks.base-url: set, but callbacks are received by a"
                        + " WebFlux route and this is not a reactive web application; remove the property (tasks are"
                        + " polled), or run the application on WebFlux");
            }
            return TaskpollClient.create(options(properties, env, store, customizers.orderedStream().toList()));
        } catch (RuntimeException e) {
            store.close(); // no client will close it: its lock is released for the next start
            throw e;
        }
    }

    /** The client's options from the properties; a broken rule names its property. */
    static ClientOptions options(TaskpollProperties p, Environment env, TaskStore store,
                                 java.util.List<TaskpollClientCustomizer> customizers) {
        ClientOptions.Builder b = ClientOptions.builder();
        String base = given(p.baseUrl()) ? p.baseUrl() : env.getProperty("OPC_BASE_URL");
        try {
            if (base != null && !base.isBlank()) {
                b.baseUrl(base);
            }
            b.apiKey(apiKey(p, env));
        } catch (InvalidOptionException e) {
            throw property(e);
        }
        FleetOptions fleet;
        try {
            fleet = FleetOptions.ofMaxRate(p.fleet().maxRate()).withMaxInFlight(p.fleet().maxInFlight());
        } catch (InvalidOptionException e) {
            throw property(e);
        }
        TrackerOptions.Builder t = TrackerOptions.builder().store(store).fleet(fleet);
        try {
            // learned: the tracker's default, refitting on its scheduler (a customizer may set another)
            t.cadence(p.cadence());
        } catch (InvalidOptionException e) {
            throw property(e);
        }
        settings(env);
        // families first: a model's policy starts from its family's as configured here (what it leaves out comes from
        // there), not from the family's built-in one
        Map<Family, PollPolicy> families = new java.util.EnumMap<>(Family.class);
        for (boolean familyPass : new boolean[] {true, false}) {
            for (Map.Entry<String, TaskpollProperties.Policy> e : p.policies().entrySet()) {
                if (Family.ofName(e.getKey()).isPresent() == familyPass) {
                    policy(t, e.getKey(), e.getValue(), families);
                }
            }
        }
        if (p.capture().directory() != null) {
            usableDirectory(p.capture().directory()); // at start-up, not at the first completed task
            // plain http for results only where the API itself is plain http on loopback (a local simulator)
            b.capture(CaptureOptions.builder(p.capture().directory())
                    .allowPlainHttpOnLoopback(base != null && base.toLowerCase(Locale.ROOT).startsWith("http://"))
                    .build());
        }
        for (TaskpollClientCustomizer c : customizers) {
            c.customize(b, t);
        }
        TrackerOptions tracker = t.build();
        if (present("dev.taskpoll.redis.RedisStore") && RedisSupport.isRedis(tracker.store())
                && tracker.fleetShare() == null && tracker.fleet().enabled()) {
            // cluster mode: the key's budget is the key's, shared by the instances on Redis, not one per instance;
            // its share of the fleet the tracker ends with (a customizer may have changed it, or set its own share)
            tracker = t.fleetShare(RedisSupport.share(tracker.store(), tracker.fleet())).build();
        }
        b.trackerOptions(tracker);
        try {
            return b.build(); // where the plain-http rule is checked
        } catch (InvalidOptionException e) {
            throw property(e);
        }
    }

    /**
     * A refused option as the property that sets it, with the starter's own remedy where the library's names a method
     * it has no property for; options without a property of their own (a customizer's) keep the library's name.
     */
    static IllegalArgumentException property(InvalidOptionException e) {
        String property = switch (e.option()) {
            case "baseUrl" -> "taskpoll.base-url";
            case "apiKey" -> "taskpoll.api-key";
            case "cadence" -> "taskpoll.cadence";
            case "fleet.maxRate" -> "taskpoll.fleet.max-rate";
            case "fleet.maxInFlight", "trackerOptions.fleet.maxInFlight" -> "taskpoll.fleet.max-in-flight";
            case "redis.uri" -> "taskpoll.redis.uri";
            case "redis.prefix" -> "taskpoll.redis.prefix";
            default -> e.option();
        };
        String remedy = switch (String.valueOf(e.remedyOption())) {
            case "allowPlainHttp" -> "use https (plain http is for loopback hosts only)";
            case "apiKey" -> "the API key goes in taskpoll.api-key or OPC_API_KEY";
            case "maxConnections" -> "lower taskpoll.fleet.max-in-flight, or raise maxConnections in a"
                    + " TaskpollClientCustomizer";
            default -> e.remedy();
        };
        return new IllegalArgumentException(e.message(property, remedy), e);
    }

    /** The groups of {@code taskpoll.*} and the properties each takes (kebab-case), from their records. */
    private static final Map<String, java.util.List<String>> GROUPS = Map.of(
            "store", names(TaskpollProperties.Store.class), "redis", names(TaskpollProperties.Redis.class),
            "capture", names(TaskpollProperties.Capture.class), "fleet", names(TaskpollProperties.Fleet.class),
            "callbacks", names(TaskpollProperties.Callbacks.class));

    private static java.util.List<String> names(Class<? extends Record> group) {
        return java.util.Arrays.stream(group.getRecordComponents())
                .map(c -> c.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT)).toList();
    }

    /**
     * Every property under {@code taskpoll.store}, {@code .redis}, {@code .capture}, {@code .fleet} and
     * {@code .callbacks} is one its group takes, and every one under {@code taskpoll.policies} is
     * {@code taskpoll.policies.<family or model>.period} or {@code .deadline}: the binder ignores any other, so a
     * misspelt {@code max-rat} or {@code perod} left its default in place without a word. ({@code taskpoll.*} itself
     * is shared with the application's own properties, the dashboard's {@code taskpoll.out} say: not checked.)
     */
    static void settings(Environment env) {
        if (!(env instanceof org.springframework.core.env.ConfigurableEnvironment configurable)) {
            return;
        }
        var form = org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form.UNIFORM;
        for (var source : org.springframework.boot.context.properties.source.ConfigurationPropertySources
                .get(configurable)) {
            if (!(source instanceof org.springframework.boot.context.properties.source
                    .IterableConfigurationPropertySource names)
                    || source.getUnderlyingSource() instanceof org.springframework.core.env
                    .SystemEnvironmentPropertySource) {
                continue; // environment variables map to names in more than one way (TASKPOLL_FLEET_MAX_RATE): not checked
            }
            names.stream().filter(n -> n.getNumberOfElements() > 2 && n.getElement(0, form).equals("taskpoll"))
                    .forEach(name -> {
                        String group = name.getElement(1, form);
                        String last = name.getLastElement(form);
                        if (group.equals("policies")) {
                            if (name.getNumberOfElements() != 4 || !(last.equals("period") || last.equals("deadline"))) {
                                throw new IllegalArgumentException(name + ": not a policy setting; a policy takes"
                                        + " period and deadline (taskpoll.policies.<family or model>.period)");
                            }
                        } else if (GROUPS.containsKey(group) && GROUPS.get(group).stream().noneMatch(p ->
                                org.springframework.boot.context.properties.source.ConfigurationPropertyName
                                        .of("taskpoll." + group + "." + p).equals(name))) {
                            // (equality of names takes max-rate, maxRate and max_rate alike, as the binder does)
                            throw new IllegalArgumentException(name + ": not a property of taskpoll." + group
                                    + "; it takes " + String.join(", ", GROUPS.get(group)));
                        }
                    });
        }
    }

    private static void policy(TrackerOptions.Builder t, String name, TaskpollProperties.Policy policy,
                               Map<Family, PollPolicy> families) {
        String property = "taskpoll.policies." + name;
        Optional<Family> family = Family.ofName(name);
        Optional<Family> ofModel = Family.ofModel(name);
        if (family.isEmpty() && ofModel.isEmpty()) {
            throw new IllegalArgumentException(property + ": '" + name + "' is neither a family (veo, nano-banana, ...)"
                    + " nor a documented model (veo_3_1_fast, ...)");
        }
        Family of = family.orElseGet(ofModel::orElseThrow);
        PollPolicy base = families.getOrDefault(of, of.defaultPolicy());
        try {
            PollPolicy chosen = base;
            if (policy.period() != null) {
                chosen = chosen.withPeriod(policy.period());
            }
            if (policy.deadline() != null) {
                chosen = chosen.withDeadline(policy.deadline());
            }
            if (family.isPresent()) {
                t.policy(family.get(), chosen);
                families.put(family.get(), chosen);
            } else {
                t.policy(name, chosen);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(property + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code taskpoll.api-key}, else {@code OPC_API_KEY}; required. Trimmed, as the library trims {@code OPC_API_KEY}:
     * a key read from a file (a Kubernetes secret, a CRLF {@code .env}) often ends with a line break.
     */
    static String apiKey(TaskpollProperties p, Environment env) {
        // blank (as ${KEY:} gives when unset) is not set: OPC_API_KEY then, as for a property left out
        String key = given(p.apiKey()) ? p.apiKey() : env.getProperty("OPC_API_KEY");
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("taskpoll.api-key: not set (nor OPC_API_KEY in the environment); the"
                    + " API key is required");
        }
        return key.trim();
    }

    /** {@code taskpoll.capture.directory}: made when missing, and writable; else the start-up fails naming it. */
    private static void usableDirectory(Path dir) {
        try {
            java.nio.file.Files.createDirectories(dir);
        } catch (java.io.IOException | SecurityException e) {
            throw new IllegalArgumentException("taskpoll.capture.directory: '" + dir + "' cannot be made ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); name a writable directory", e);
        }
        if (!java.nio.file.Files.isWritable(dir)) {
            throw new IllegalArgumentException("taskpoll.capture.directory: '" + dir + "' is not writable; results"
                    + " could not be stored there");
        }
    }

    /** A property given a value: not left out, and not blank. */
    private static boolean given(@org.jspecify.annotations.Nullable String value) {
        return value != null && !value.isBlank();
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, TaskpollAutoConfiguration.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /**
     * Actuator's {@code /actuator/configprops} and {@code /actuator/env} (when they show values) never show the API
     * key nor the Redis URI's password: Spring Boot sanitizes nothing by default, and the properties' own
     * {@code toString} does not reach those endpoints.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
    static class ActuatorSupport {
        @Bean
        @ConditionalOnMissingBean(name = "taskpollSanitizingFunction")
        org.springframework.boot.actuate.endpoint.SanitizingFunction taskpollSanitizingFunction() {
            return data -> {
                String key = data.getLowerCaseKey().replaceAll("[^a-z0-9.]", "");
                if (key.endsWith("apikey")) { // taskpoll.api-key, apiKey, OPC_API_KEY
                    return data.withSanitizedValue();
                }
                Object value = data.getValue();
                if (value instanceof CharSequence v && v.toString().matches("(?i)rediss?://.*@.*")) {
                    return data.withValue(TaskpollProperties.Redis.redacted(v.toString()));
                }
                return data;
            };
        }
    }

    /**
     * {@code taskpoll.callbacks.base-url} with two clients or more, none {@code @Primary}: the callback route is bound
     * to one client ({@link TaskpollBindingsAutoConfiguration} steps aside), so the property would be ignored and no
     * {@code callback_url} sent. It stops the start, naming the property, unless the application defines its own
     * {@link dev.taskpoll.callback.CallbackReceiver}.
     */
    @Configuration(proxyBeanMethods = false)
    @org.springframework.context.annotation.Conditional(TaskpollBindingsAutoConfiguration.CallbacksOn.class)
    static class CallbacksNeedOneClient {
        @Bean
        static org.springframework.beans.factory.SmartInitializingSingleton taskpollCallbacksNeedOneClient(
                org.springframework.beans.factory.ListableBeanFactory beans) {
            return () -> {
                String[] clients = beans.getBeanNamesForType(TaskpollClient.class);
                // getIfUnique: one client, or the @Primary one of several; null when none is
                if (clients.length > 1 && beans.getBeanProvider(TaskpollClient.class).getIfUnique() == null
                        && beans.getBeanNamesForType(dev.taskpoll.callback.CallbackReceiver.class).length == 0) {
                    throw new IllegalStateException("taskpoll.callbacks.base-url: set, but the application has "
                            + clients.length + " TaskpollClient beans (" + String.join(", ", clients) + ") and none"
                            + " is @Primary, so no callback route is bound; mark the one to receive callbacks"
                            + " @Primary, define a CallbackReceiver of your own, or remove the property");
                }
            };
        }
    }

    /** Loaded only when taskpoll-sqlite is there. */
    private static final class SqliteSupport {
        static TaskStore open(Path file) {
            return dev.taskpoll.sqlite.SqliteStore.open(file);
        }
    }

    /** Loaded only when taskpoll-redis is there. */
    private static final class RedisSupport {
        static boolean isRedis(TaskStore store) {
            return store instanceof dev.taskpoll.redis.RedisStore;
        }

        static dev.taskpoll.spi.FleetShare share(TaskStore store, FleetOptions fleet) {
            return ((dev.taskpoll.redis.RedisStore) store).fleetShare(fleet);
        }

        static TaskStore open(TaskpollProperties p, String apiKey) {
            String uri = java.util.Objects.requireNonNull(p.redis().uri());
            try {
                return dev.taskpoll.redis.RedisStore.open(dev.taskpoll.redis.RedisStoreOptions.builder(uri, apiKey)
                        .prefix(p.redis().prefix()).build());
            } catch (InvalidOptionException e) {
                throw property(e);
            } catch (TaskStoreException e) {
                throw new IllegalArgumentException("taskpoll.redis.uri: " + e.getMessage(), e);
            }
        }
    }
}
