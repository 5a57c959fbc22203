/**
 * The live dashboard: a Spring Boot WebFlux application embedding taskpoll, against the embedded simulator unless
 * {@code taskpoll.base-url} is set. {@code POST /generations} submits; {@code GET /generations/{id}/events} streams
 * the task's statuses and stored results as Server-Sent Events; {@code GET /} is a page of live task cards.
 */
@NullMarked
package dev.taskpoll.examples.dashboard;

import org.jspecify.annotations.NullMarked;
