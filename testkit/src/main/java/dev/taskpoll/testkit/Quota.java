package dev.taskpoll.testkit;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests per simulated second per API key: a token bucket holding one second of requests (at least one request,
 * so that rates below one per second work), refilled continuously. {@link #tryAcquire} returns 0 when the request
 * may pass, else the milliseconds until it would.
 */
final class Quota {

    private final double perSecond;
    private final double capacity;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    Quota(double perSecond) {
        this.perSecond = perSecond;
        this.capacity = Math.max(1, perSecond);
    }

    long tryAcquire(String key, long nowMillis) {
        Bucket b = buckets.computeIfAbsent(key, k -> new Bucket(capacity, nowMillis));
        synchronized (b) {
            b.tokens = Math.min(capacity, b.tokens + (nowMillis - b.last) * perSecond / 1000.0);
            b.last = nowMillis;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - b.tokens) * 1000.0 / perSecond);
        }
    }

    private static final class Bucket {
        double tokens;
        long last;

        Bucket(double tokens, long last) {
            this.tokens = tokens;
            this.last = last;
        }
    }
}
