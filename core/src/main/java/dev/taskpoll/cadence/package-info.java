/**
 * The learned cadence: {@link dev.taskpoll.cadence.LearnedCadence}, a {@link dev.taskpoll.spi.Cadence} that learns
 * each model's completion times and polls where completions are likely.
 */
@NullMarked
package dev.taskpoll.cadence;

import org.jspecify.annotations.NullMarked;
