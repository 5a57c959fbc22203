/**
 * Spring Boot auto-configuration of taskpoll: a {@link dev.taskpoll.TaskpollClient} from {@code taskpoll.*}
 * properties ({@link dev.taskpoll.spring.autoconfigure.TaskpollProperties}), its task store, its meters on the
 * application's registry, a {@code taskpoll} health component and the callback route.
 */
@NullMarked
package dev.taskpoll.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
