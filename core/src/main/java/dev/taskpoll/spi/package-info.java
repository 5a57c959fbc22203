/**
 * Service-provider interfaces: how the tracker learns a task's current status.
 */
@NullMarked
package dev.taskpoll.spi;

import org.jspecify.annotations.NullMarked;
