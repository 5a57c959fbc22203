/**
 * taskpoll's core: the client, the tracker and the statuses ({@code dev.taskpoll}), the learned cadence
 * ({@code dev.taskpoll.cadence}), the catalogue and requests ({@code dev.taskpoll.catalog}), the seams ({@code dev.taskpoll.spi}), result capture ({@code dev.taskpoll.capture}),
 * callbacks ({@code dev.taskpoll.callback}) and Micrometer meters ({@code dev.taskpoll.micrometer}). The
 * {@code dev.taskpoll.internal} packages are not exported: nothing in them is API.
 */
module dev.taskpoll.core {
    requires transitive reactor.core;
    requires transitive org.reactivestreams;
    requires transitive org.jspecify;
    requires reactor.netty.core;
    requires reactor.netty.http;
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.codec.http;
    requires io.netty.common;
    requires io.netty.handler;
    requires io.netty.transport;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires io.github.resilience4j.bulkhead;
    requires io.github.resilience4j.circuitbreaker;
    requires static micrometer.core;
    requires static micrometer.observation;
    requires static spring.core;
    requires static spring.web;
    requires static spring.webflux;

    exports dev.taskpoll;
    exports dev.taskpoll.cadence;
    exports dev.taskpoll.catalog;
    exports dev.taskpoll.spi;
    exports dev.taskpoll.capture;
    exports dev.taskpoll.callback;
    exports dev.taskpoll.micrometer;
}
