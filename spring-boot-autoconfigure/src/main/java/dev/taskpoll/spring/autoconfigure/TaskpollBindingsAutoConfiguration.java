package dev.taskpoll.spring.autoconfigure;

import dev.taskpoll.TaskpollClient;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What is bound to the application's one {@link TaskpollClient} (the starter's, or its own): the meters, the
 * observations, the health component and the callback route. An application with two clients (one for the generic
 * API's host, say) gets none of them and binds its own: before, the start failed with "required a single bean, but 2
 * were found". A configuration of its own, after {@link TaskpollAutoConfiguration}, so that the starter's client is
 * defined when the condition asks how many there are.
 */
// after the application's MeterRegistry and ObservationRegistry exist: the meters and observations are conditional
// on them (found missing otherwise, as a running application showed: no taskpoll.* under /actuator/metrics)
@AutoConfiguration(after = TaskpollAutoConfiguration.class, afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
    "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"})
@ConditionalOnClass(TaskpollClient.class)
@ConditionalOnSingleCandidate(TaskpollClient.class)
public class TaskpollBindingsAutoConfiguration {

    /** The client's meters on the application's registry (bound once: the holder is not a MeterBinder). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    @ConditionalOnBean(type = "io.micrometer.core.instrument.MeterRegistry")
    static class Meters {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        TaskpollMetersBinding taskpollMeters(TaskpollClient client,
                                             io.micrometer.core.instrument.MeterRegistry registry) {
            return TaskpollMetersBinding.bind(client, registry);
        }
    }

    /**
     * Submits and trackings as observations ({@code taskpoll.submit}, {@code taskpoll.task}) on the application's
     * {@code ObservationRegistry}: inject {@link dev.taskpoll.micrometer.TaskpollObservations} and call through it.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.observation.ObservationRegistry")
    @ConditionalOnBean(type = "io.micrometer.observation.ObservationRegistry")
    static class Observations {
        @Bean
        @ConditionalOnMissingBean
        dev.taskpoll.micrometer.TaskpollObservations taskpollObservations(TaskpollClient client,
                                                                          io.micrometer.observation.ObservationRegistry registry) {
            return new dev.taskpoll.micrometer.TaskpollObservations(client, registry);
        }
    }

    /**
     * Callbacks are on when {@code taskpoll.callbacks.base-url} has a value: a blank one ({@code ${PUBLIC_URL:}} with
     * nothing set) is off, as the client reads it. ({@code @ConditionalOnProperty} takes an empty value as set: the
     * receiver was made from the path alone and stopped the start.)
     */
    static final class CallbacksOn implements org.springframework.context.annotation.Condition {
        @Override
        public boolean matches(org.springframework.context.annotation.ConditionContext context,
                               org.springframework.core.type.AnnotatedTypeMetadata metadata) {
            String value = context.getEnvironment().getProperty("taskpoll.callbacks.base-url");
            return value != null && !value.isBlank();
        }
    }

    /** The {@code taskpoll} health component. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.ReactiveHealthIndicator")
    static class HealthSupport {
        @Bean
        @ConditionalOnMissingBean(name = "taskpollHealthIndicator")
        // management.health.taskpoll.enabled=false turns it off, probe and all
        @org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator("taskpoll")
        TaskpollHealthIndicator taskpollHealthIndicator(TaskpollClient client) {
            return new TaskpollHealthIndicator(client);
        }
    }

    /**
     * {@code POST <taskpoll.callbacks.path>/{key}/{token}} in a WebFlux application, when callbacks are on; in any other
     * application {@code taskpoll.callbacks.base-url} stops the start (nothing would answer the callbacks).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.web.reactive.function.server.RouterFunction")
    @org.springframework.context.annotation.Conditional(CallbacksOn.class)
    static class Callbacks {
        @Bean
        @ConditionalOnMissingBean
        dev.taskpoll.callback.CallbackReceiver taskpollCallbackReceiver(TaskpollClient client,
                                                                        TaskpollProperties p) {
            String base = java.util.Objects.requireNonNull(p.callbacks().baseUrl());
            dev.taskpoll.callback.CallbackReceiver receiver;
            try {
                receiver = dev.taskpoll.callback.CallbackReceiver.create(client, base.replaceAll("/+$", "")
                        + p.callbacks().path());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("taskpoll.callbacks.base-url: " + e.getMessage(), e);
            }
            return receiver;
        }

        @Bean
        org.springframework.web.reactive.function.server.RouterFunction<
                org.springframework.web.reactive.function.server.ServerResponse> taskpollCallbackRoutes(
                dev.taskpoll.callback.CallbackReceiver receiver, TaskpollProperties p) {
            try {
                return dev.taskpoll.callback.WebFluxCallbackHandler.routes(p.callbacks().path(), receiver);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("taskpoll.callbacks.path: " + e.getMessage(), e);
            }
        }
    }

}
