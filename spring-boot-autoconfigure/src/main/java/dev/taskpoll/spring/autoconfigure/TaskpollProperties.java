package dev.taskpoll.spring.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code taskpoll.*} properties. Immutable; checked when the client is made, with messages naming the property.
 *
 * @param apiKey    the API key (else the environment's {@code OPC_API_KEY}); required; never logged or shown
 * @param baseUrl   the API's base URL (else {@code OPC_BASE_URL}, else the documented one)
 * @param store     the task store
 * @param redis     cluster mode on Redis
 * @param capture   where results are stored
 * @param fleet     the API key's fleet budget
 * @param callbacks the generic dialect's callbacks
 * @param policies  poll policies by family ({@code veo}, {@code nano-banana}) or model ({@code veo_3_1_fast}): a
 *                  period and a deadline, each optional
 * @param cadence   when tasks are polled: {@code learned} (the default: where each model's tasks are learned to
 *                  complete, the models kept in the store) or {@code fixed} (every period of the task's policy)
 */
@ConfigurationProperties("taskpoll")
public record TaskpollProperties(@Nullable String apiKey, @Nullable String baseUrl, @DefaultValue Store store,
                                 @DefaultValue Redis redis, @DefaultValue Capture capture, @DefaultValue Fleet fleet,
                                 @DefaultValue Callbacks callbacks, @Nullable Map<String, Policy> policies,
                                 @DefaultValue("learned") String cadence) {

    public TaskpollProperties {
        policies = policies == null ? Map.of() : Map.copyOf(policies);
    }

    /**
     * @param path the embedded store's file (SQLite), relative to the working directory; {@code none} for memory
     *             only (nothing survives a restart)
     */
    public record Store(@DefaultValue("taskpoll-tasks.db") String path) {
    }

    /**
     * @param uri    cluster mode: {@code redis://[:password@]host[:port][/db]} or {@code rediss://...}; wins over the
     *               store's path
     * @param prefix the key prefix (the API key's fingerprint follows it)
     */
    public record Redis(@Nullable String uri, @DefaultValue("taskpoll") String prefix) {
        @Override
        public String toString() { // never the URI's password
            return "Redis[uri=" + (uri == null ? null : redacted(uri)) + ", prefix="
                    + prefix + "]";
        }

        /**
         * The URI with everything between the scheme and the last '@' hidden (a password may hold '/' or '@'): the
         * rule of {@code RedisStoreOptions}, written here because the redis module is optional.
         */
        static String redacted(String uri) {
            int at = uri.lastIndexOf('@');
            int scheme = uri.indexOf("://");
            return at > 0 && scheme >= 0 ? uri.substring(0, scheme + 3) + "***@" + uri.substring(at + 1) : uri;
        }
    }

    /** @param directory results are stored under it when set ({@code <directory>/<task>/<n>.<ext>}) */
    public record Capture(@Nullable Path directory) {
    }

    /**
     * @param maxRate     the most status requests per second for the API key (this instance, or the cluster's share)
     * @param maxInFlight the most status requests in flight at once
     */
    public record Fleet(@DefaultValue("500") int maxRate, @DefaultValue("256") int maxInFlight) {
    }

    /**
     * @param baseUrl the public URL this application is reached at, for the generic dialect's {@code callback_url}s;
     *                callbacks are off when unset
     * @param path    the WebFlux route registered for them
     */
    public record Callbacks(@Nullable String baseUrl, @DefaultValue("/taskpoll/callbacks") String path) {
    }

    /**
     * A bare number is seconds ({@code period=20} is 20 s, as {@code 20s}); a unit may be given ({@code 500ms},
     * {@code 2m}). Spring's default for a bare number, milliseconds, polled a {@code period=20} every 20 ms.
     *
     * @param period   the poll period
     * @param deadline the deadline
     */
    public record Policy(@Nullable @org.springframework.boot.convert.DurationUnit(java.time.temporal.ChronoUnit.SECONDS)
                         Duration period,
                         @Nullable @org.springframework.boot.convert.DurationUnit(java.time.temporal.ChronoUnit.SECONDS)
                         Duration deadline) {
    }

    @Override
    public String toString() { // never the key
        return "TaskpollProperties[apiKey=" + (apiKey == null ? "unset" : "***") + ", baseUrl=" + baseUrl + ", store="
                + store + ", redis=" + (redis.uri() == null ? "none" : "set") + ", capture=" + capture + ", fleet="
                + fleet + ", callbacks=" + callbacks + ", policies=" + policies + "]";
    }
}
