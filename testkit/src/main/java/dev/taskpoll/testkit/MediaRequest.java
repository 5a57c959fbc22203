package dev.taskpoll.testkit;

import java.time.Instant;

/**
 * One request for result media, as the simulator saw it.
 *
 * @param path              the request path (without the query string)
 * @param at                when it arrived (simulated time)
 * @param range             the {@code Range} header, or empty
 * @param status            the HTTP status answered
 * @param authorizationSent whether it carried an {@code Authorization} header (an API key must never reach a result
 *                          host)
 */
public record MediaRequest(String path, Instant at, String range, int status, boolean authorizationSent) {
}
