/** The {@code taskpoll} command line. */
@NullMarked
package dev.taskpoll.examples.cli;

import org.jspecify.annotations.NullMarked;
