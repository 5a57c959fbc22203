/** A Reactor pipeline from prompts to stored results. */
@NullMarked
package dev.taskpoll.examples.pipeline;

import org.jspecify.annotations.NullMarked;
