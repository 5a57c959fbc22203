/**
 * Micrometer meters for a {@link dev.taskpoll.TaskpollClient}: {@link dev.taskpoll.micrometer.TaskpollMeters}.
 * Micrometer is an optional dependency of taskpoll; only this package needs it.
 */
@NullMarked
package dev.taskpoll.micrometer;

import org.jspecify.annotations.NullMarked;
