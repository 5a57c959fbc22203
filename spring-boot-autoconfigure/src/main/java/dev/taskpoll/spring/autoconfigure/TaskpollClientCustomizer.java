package dev.taskpoll.spring.autoconfigure;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.TrackerOptions;

/**
 * Changes what the starter's {@code TaskpollClient} is built with, beyond the {@code taskpoll.*} properties: a
 * learned cadence, a scheduler, a budget, a result handler. Declare beans of this type; each is called once, in
 * {@code @Order} order, when the client is created: after the properties were applied to both builders (so a
 * customizer sees, and may override, what they set), before the tracker's options are built into the client's.
 * The store is already set on {@code tracker}; a customizer that replaces it owns the one it sets. Not called when
 * the application defines its own client.
 */
@FunctionalInterface
public interface TaskpollClientCustomizer {

    void customize(ClientOptions.Builder client, TrackerOptions.Builder tracker);
}
