/**
 * taskpoll: reactive, non-blocking tracking of asynchronous AI generation tasks.
 *
 * <p>Start with {@link dev.taskpoll.TaskpollClient} (HTTP, both API dialects) or, with your own
 * {@link dev.taskpoll.spi.StatusSource}, {@link dev.taskpoll.TaskTracker}.
 */
@NullMarked
package dev.taskpoll;

import org.jspecify.annotations.NullMarked;
