/**
 * Service-provider interfaces: the seams where the tracker meets what can be swapped. Each documents its call order
 * and threading rules; each has a default that is taskpoll's own behaviour.
 *
 * <table>
 *   <caption>The seams</caption>
 *   <tr><th>seam</th><th>who calls it, when</th><th>default</th></tr>
 *   <tr><td>{@link dev.taskpoll.spi.StatusSource}</td><td>the tracker, once per poll attempt</td>
 *       <td>HTTP, per dialect</td></tr>
 *   <tr><td>{@link dev.taskpoll.spi.PollBudget}</td><td>the tracker, around every request: admit, then done</td>
 *       <td>the local fleet budget ({@link dev.taskpoll.FleetOptions})</td></tr>
 *   <tr><td>{@link dev.taskpoll.spi.Cadence}</td><td>the tracker: first poll, after each poll of a running task, at
 *       the end</td><td>{@link dev.taskpoll.cadence.LearnedCadence the learned cadence}</td></tr>
 *   <tr><td>{@link dev.taskpoll.spi.TaskStore}</td><td>the client and tracker: intent, id, status changes, results,
 *       end; open tasks at start</td><td>{@link dev.taskpoll.spi.TaskStore#none() none}</td></tr>
 *   <tr><td>{@link dev.taskpoll.spi.StatusHints}</td><td>callback receivers offer, the tracker listens</td>
 *       <td>{@link dev.taskpoll.spi.StatusHints#local() local}</td></tr>
 * </table>
 *
 * <p>Common rules: nothing here may block a thread it is called on (the tracker's callers are Reactor Netty event
 * loops and its timer; "the timer thread" below is whichever thread of the tracker's scheduler runs a wake-up of the
 * one shared timer: Reactor's parallel scheduler by default, so not always the same thread, and an early wake-up can
 * overlap a later one), and time is the tracker's scheduler time, never the wall clock read behind its back.
 */
@NullMarked
package dev.taskpoll.spi;

import org.jspecify.annotations.NullMarked;
