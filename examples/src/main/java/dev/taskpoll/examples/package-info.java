/**
 * What the examples share: the status JSON the command line and the dashboard print, and the families' names as
 * users type them.
 */
@NullMarked
package dev.taskpoll.examples;

import org.jspecify.annotations.NullMarked;
