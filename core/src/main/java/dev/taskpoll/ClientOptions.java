package dev.taskpoll;

import dev.taskpoll.capture.CaptureOptions;
import dev.taskpoll.internal.http.Hosts;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link TaskpollClient} reaches the API: immutable; build with {@link #builder()}, derive with
 * {@link #mutate()}. {@link #toString()} never shows the API key.
 *
 * <p>Defaults: base URL {@value #DEFAULT_BASE_URL}; API key from the {@code OPC_API_KEY} environment variable;
 * at most 256 connections and 100,000 requests waiting for one (45 s at most); a connection idle for 45 s closed
 * ({@link #maxIdleTime()}); connect timeout 10 s; response
 * timeout 30 s; response bodies up to 1 MiB; submits sent again only when they provably were not
 * ({@link SubmitRetry#defaults()}); a durable store waited for 60 s at most per write of a submit (its intent, then
 * its id; {@link #storeTimeout()});
 * {@link TrackerOptions#defaults()}; https verified against the JDK's trust store
 * ({@link Builder#trustedCertificates} names others; nothing turns verification off). Plain {@code http} is refused
 * except to a loopback host, so the key never crosses a network in clear text unless
 * {@link Builder#allowPlainHttp(boolean)} says so.
 */
public final class ClientOptions {

    /** The documented GlobalAI OPC media base URL. */
    public static final String DEFAULT_BASE_URL = "https://zcbservice.aizfw.cn/kyyReactApiServer";
    /** The environment variable read when no key is set on the builder. */
    public static final String API_KEY_ENV = "OPC_API_KEY";

    /**
     * Whether {@code baseUrl} is on one of GlobalAI OPC's documented hosts, which do not serve the generic task API
     * (documented as ElkAPI's, with its own host and key): a generic submit through such a client is refused.
     *
     * @param baseUrl a base URL
     * @return whether its host is GlobalAI OPC's
     */
    public static boolean onGlobalAiOpc(String baseUrl) {
        String host = java.net.URI.create(baseUrl).getHost();
        return host != null && (host.equalsIgnoreCase("zcbservice.aizfw.cn")
                || host.equalsIgnoreCase("api.globalaiopc.com"));
    }

    private final String baseUrl;
    private final ApiKey apiKey;
    private final int maxConnections;
    private final int pendingAcquireMaxCount;
    private final Duration pendingAcquireTimeout;
    private final Duration connectTimeout;
    private final Duration maxIdleTime;
    private final Duration responseTimeout;
    private final int maxResponseBytes;
    private final boolean allowPlainHttp;
    private final SubmitRetry submitRetry;
    private final @Nullable CaptureOptions capture;
    private final TrackerOptions trackerOptions;
    private final java.util.List<java.security.cert.X509Certificate> trustedCertificates;
    /** What {@link Builder#http2(boolean)} said, or null: the default (HTTP/2 offered for https only). */
    private final @Nullable Boolean http2Given;
    private final boolean openSsl;
    private final Duration storeTimeout;

    private ClientOptions(Builder b, ApiKey key) {
        this.storeTimeout = b.storeTimeout;
        this.trustedCertificates = b.trustedCertificates;
        this.http2Given = b.http2;
        this.openSsl = b.openSsl;
        this.submitRetry = b.submitRetry;
        this.capture = b.capture;
        this.baseUrl = b.baseUrl;
        this.apiKey = key;
        this.maxConnections = b.maxConnections;
        this.pendingAcquireMaxCount = b.pendingAcquireMaxCount;
        this.pendingAcquireTimeout = b.pendingAcquireTimeout;
        this.connectTimeout = b.connectTimeout;
        this.maxIdleTime = b.maxIdleTime;
        this.responseTimeout = b.responseTimeout;
        this.maxResponseBytes = b.maxResponseBytes;
        this.allowPlainHttp = b.allowPlainHttp;
        this.trackerOptions = b.trackerOptions;
    }

    /**
     * A builder with the defaults listed in the class comment.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding these options, to derive a variant.
     *
     * @return a new builder
     */
    public Builder mutate() {
        Builder b = new Builder();
        b.baseUrl = baseUrl;
        b.apiKey = apiKey;
        b.maxConnections = maxConnections;
        b.pendingAcquireMaxCount = pendingAcquireMaxCount;
        b.pendingAcquireTimeout = pendingAcquireTimeout;
        b.connectTimeout = connectTimeout;
        b.maxIdleTime = maxIdleTime;
        b.responseTimeout = responseTimeout;
        b.maxResponseBytes = maxResponseBytes;
        b.allowPlainHttp = allowPlainHttp;
        b.submitRetry = submitRetry;
        b.capture = capture;
        b.trackerOptions = trackerOptions;
        b.trustedCertificates = trustedCertificates;
        b.http2 = http2Given;
        b.openSsl = openSsl;
        b.storeTimeout = storeTimeout;
        return b;
    }

    /**
     * The API's base URL, with its path prefix and without a trailing slash.
     *
     * @return the base URL
     */
    public String baseUrl() {
        return baseUrl;
    }

    /**
     * The API key.
     *
     * @return the key
     */
    public ApiKey apiKey() {
        return apiKey;
    }

    /**
     * The most connections open at once (default: 256).
     *
     * @return the connection limit
     */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * The most requests waiting for a connection (default: 100,000).
     *
     * @return the limit
     */
    public int pendingAcquireMaxCount() {
        return pendingAcquireMaxCount;
    }

    /**
     * The longest a request waits for a connection (default: 45 s).
     *
     * @return the timeout
     */
    public Duration pendingAcquireTimeout() {
        return pendingAcquireTimeout;
    }

    /**
     * The connect timeout (default: 10 s).
     *
     * @return the timeout
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * How long a pooled connection may sit idle before it is closed, not reused (default: 45 s). A connection idle
     * longer than a NAT gateway's or a load balancer's idle timeout (60 s at AWS's ALB, 4 min at Azure's) may have
     * been dropped on the way without a word: a submit sent on it waits for its response timeout and ends in doubt
     * ({@link SubmitOutcomeUnknownException}) though the API never saw it.
     *
     * @return the idle limit
     */
    public Duration maxIdleTime() {
        return maxIdleTime;
    }

    /**
     * How long to wait for a response once the request is sent, and for its body once its headers came (default: 30 s).
     *
     * @return the timeout
     */
    public Duration responseTimeout() {
        return responseTimeout;
    }

    /**
     * How long a submit waits for a durable task store to record it (default: 60 s); see
     * {@link Builder#storeTimeout(Duration)}.
     *
     * @return the timeout
     */
    public Duration storeTimeout() {
        return storeTimeout;
    }

    /**
     * The largest response body read, in bytes (default: 1 MiB).
     *
     * @return the cap, in bytes
     */
    public int maxResponseBytes() {
        return maxResponseBytes;
    }

    /**
     * How the client's tracker times its polls and retries (default: {@link TrackerOptions#defaults()}).
     *
     * @return the tracker's options
     */
    public TrackerOptions trackerOptions() {
        return trackerOptions;
    }

    /**
     * When a submit that provably did not reach the API is sent again (default: {@link SubmitRetry#defaults()}).
     *
     * @return the submit retry settings
     */
    public SubmitRetry submitRetry() {
        return submitRetry;
    }

    /**
     * The certificates trusted for https, instead of the JDK's trust store; empty (the default) for the JDK's. See
     * {@link Builder#trustedCertificates(java.util.Collection)}.
     *
     * @return the certificates; empty for the JDK's trust store
     */
    public java.util.List<java.security.cert.X509Certificate> trustedCertificates() {
        return trustedCertificates;
    }

    /** Whether the base URL is https (what decides TLS, and HTTP/2's default). */
    boolean https() {
        return isHttps(baseUrl);
    }

    private static boolean isHttps(String url) {
        return url.regionMatches(true, 0, "https:", 0, 6);
    }

    /**
     * Whether HTTP/2 is offered besides HTTP/1.1: as {@link Builder#http2(boolean)} said, else for an https base URL.
     *
     * @return true if it is offered
     */
    public boolean http2() {
        return http2Given != null ? http2Given : https();
    }

    /**
     * Whether TLS is OpenSSL's rather than the JDK's; see {@link Builder#openSsl(boolean)}.
     *
     * @return true for OpenSSL
     */
    public boolean openSsl() {
        return openSsl;
    }

    /**
     * Where every completed task's results are stored, or null (default: not stored).
     *
     * @return the capture's options, or null
     */
    public @Nullable CaptureOptions capture() {
        return capture;
    }

    @Override
    public String toString() {
        return "ClientOptions[baseUrl=" + baseUrl + ", apiKey=" + apiKey + ", maxConnections=" + maxConnections
                + ", pendingAcquireMaxCount=" + pendingAcquireMaxCount + ", connectTimeout=" + connectTimeout
                + ", maxIdleTime=" + maxIdleTime
                + ", responseTimeout=" + responseTimeout + ", maxResponseBytes=" + maxResponseBytes
                + ", submitRetry=" + submitRetry + ", storeTimeout=" + storeTimeout + (http2() ? ", http2" : "") + (openSsl ? ", openSsl" : "") + (trustedCertificates.isEmpty() ? ""
                : ", trustedCertificates=" + trustedCertificates.stream()
                .map(c -> c.getSubjectX500Principal().getName()).toList()) + "]";
    }

    /** Builds {@link ClientOptions}; setters validate at once and name the field they reject. */
    public static final class Builder {
        private String baseUrl = DEFAULT_BASE_URL;
        private @Nullable ApiKey apiKey;
        private int maxConnections = 256;
        private int pendingAcquireMaxCount = 100_000;
        private Duration pendingAcquireTimeout = Duration.ofSeconds(45);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration maxIdleTime = Duration.ofSeconds(45);
        private Duration responseTimeout = Duration.ofSeconds(30);
        private int maxResponseBytes = 1 << 20;
        private boolean allowPlainHttp;
        private SubmitRetry submitRetry = SubmitRetry.defaults();
        private @Nullable CaptureOptions capture;
        private TrackerOptions trackerOptions = TrackerOptions.defaults();
        private java.util.List<java.security.cert.X509Certificate> trustedCertificates = java.util.List.of();
        private @Nullable Boolean http2;
        private boolean openSsl;
        private Duration storeTimeout = Duration.ofSeconds(60);

        private Builder() {
        }

        /**
         * {@code url} as a message may show it: anything before an {@code @} (a user and a password, however the URI
         * reads them) as {@code ***}.
         */
        private static String shown(String url) {
            int cut = url.indexOf('?') >= 0 ? url.indexOf('?') : url.indexOf('#');
            if (cut >= 0) { // a query or fragment is never echoed: a key may have been put there by mistake
                url = url.substring(0, cut + 1) + "***";
            }
            int at = url.lastIndexOf('@');
            if (at < 0) {
                return url;
            }
            int scheme = url.indexOf("://");
            int from = scheme >= 0 && scheme < at ? scheme + 3 : 0;
            return url.substring(0, from) + "***" + url.substring(at);
        }

        /**
         * The API's base URL, with its path prefix, e.g. {@value #DEFAULT_BASE_URL}; http(s) only, port 10 or above.
         *
         * @param url the base URL
         * @return this builder
         */
        public Builder baseUrl(String url) {
            Objects.requireNonNull(url, "baseUrl");
            URI u;
            try {
                u = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new InvalidOptionException("baseUrl", "'" + shown(url) + "' is not a URI");
            }
            if (u.getRawUserInfo() != null) { // first, and not echoed: it may be a password
                throw new InvalidOptionException("baseUrl", "'" + u.getScheme() + "://***@" + u.getHost()
                        + "...' carries user info; it would be sent as part of the host name", "apiKey",
                        "the API key goes in apiKey");
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http")) {
                throw new InvalidOptionException("baseUrl", "'" + shown(url) + "' must start with https:// or http://");
            }
            if (u.getHost() == null || u.getRawQuery() != null || u.getRawFragment() != null) {
                throw new InvalidOptionException("baseUrl", "'" + shown(url)
                        + "' must have a host and no query or fragment");
            }
            if (u.getPort() >= 0 && u.getPort() < 10) {
                // Reactor Netty reads a port of one digit as part of the host name ("unknown host 127.0.0.1:1")
                throw new InvalidOptionException("baseUrl", "'" + url + "' has port " + u.getPort()
                        + "; ports 1 to 9 are not supported (use 10 to 65535, or none)");
            }
            this.baseUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
            return this;
        }

        /**
         * The API key (default: the {@code OPC_API_KEY} environment variable).
         *
         * @param key the key
         * @return this builder
         */
        public Builder apiKey(ApiKey key) {
            this.apiKey = Objects.requireNonNull(key, "apiKey");
            return this;
        }

        /**
         * The API key, from its text (see {@link ApiKey#of(String)}).
         *
         * @param key the key's text
         * @return this builder
         */
        public Builder apiKey(String key) {
            return apiKey(ApiKey.of(key));
        }

        /**
         * Allows plain http to a non-loopback host (default: false; loopback is always allowed, for tests).
         *
         * @param allow true to allow it
         * @return this builder
         */
        public Builder allowPlainHttp(boolean allow) {
            this.allowPlainHttp = allow;
            return this;
        }

        /**
         * The most connections open at once (default: 256; 1 to 10,000). With the fleet budget on, its
         * {@link FleetOptions#maxInFlight()} must not exceed this ({@link #build()} refuses it).
         *
         * @param max the connection limit
         * @return this builder
         */
        public Builder maxConnections(int max) {
            this.maxConnections = range("maxConnections", max, 1, 10_000);
            return this;
        }

        /**
         * The most requests waiting for a connection (default: 100,000); past it a request fails at once with a
         * transient {@link TransportException}, and so does one that waited longer than {@code timeout}
         * (default: 45 s).
         *
         * @param maxCount the most requests waiting (1 to 10,000,000)
         * @param timeout  the longest a request waits; positive
         * @return this builder
         */
        public Builder pendingAcquire(int maxCount, Duration timeout) {
            this.pendingAcquireMaxCount = range("pendingAcquireMaxCount", maxCount, 1, 10_000_000);
            this.pendingAcquireTimeout = positive("pendingAcquireTimeout", timeout);
            return this;
        }

        /**
         * Connect timeout (default: 10 s).
         *
         * @param timeout the timeout; 1 ms to about 24 days (the transport counts it in whole milliseconds, as an
         *                {@code int}: less than a millisecond was 0, which it takes as no timeout at all)
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = fromMillisecond("connectTimeout", timeout, Duration.ofMillis(Integer.MAX_VALUE),
                    Duration.ofMillis(Integer.MAX_VALUE) + " (the transport counts it in whole milliseconds)");
            return this;
        }

        /**
         * How long a pooled connection may sit idle before it is closed rather than reused (default: 45 s, under the
         * 60 s idle timeout of common load balancers). A connection a NAT gateway or a load balancer dropped while it
         * sat idle fails a request only after its response timeout, and a submit sent on it is then in doubt.
         *
         * @param idle the idle limit; 1 ms to 1 day
         * @return this builder
         */
        public Builder maxIdleTime(Duration idle) {
            this.maxIdleTime = fromMillisecond("maxIdleTime", idle, Duration.ofDays(1), "1 day (PT24H)");
            return this;
        }

        /**
         * How long to wait for a response once the request is sent, and between two parts of its body; and the
         * longest a body may go on arriving after its headers (checked as each part arrives: a server dripping a byte
         * at a time held a request for ever); default 30 s. Past any, a status request is a transient failure (a
         * submit's outcome is unknown).
         *
         * @param timeout the timeout; positive
         * @return this builder
         */
        public Builder responseTimeout(Duration timeout) {
            this.responseTimeout = positive("responseTimeout", timeout);
            return this;
        }

        /**
         * The largest response body read (default: 1 MiB; 1 KiB to 64 MiB), and the one limit on it: the JSON parser
         * takes documents and strings up to this size. A larger body is refused as soon as its size is known, with a
         * {@link ResponseTooLargeException} naming the cap, and is not retried (it would be as large again).
         *
         * @param max the cap, in bytes
         * @return this builder
         */
        public Builder maxResponseBytes(int max) {
            this.maxResponseBytes = range("maxResponseBytes", max, 1024, 64 << 20);
            return this;
        }

        /**
         * How long a submit waits for a durable task store (a file, or Redis in cluster mode) to record it (default:
         * 60 s, on the tracker's scheduler). A store waits for Redis while it is out of reach; a submit does not wait
         * longer than this, twice:
         * <ul>
         *   <li>before the request is sent, for its intent: past it, the submit fails with a
         *       {@link TaskStoreException} and nothing was sent (nothing is paid);</li>
         *   <li>after the API created the task, for its id: past it, the submit fails with a
         *       {@link TaskStoreException} that carries the task id ({@link TaskStoreException#taskId()}).</li>
         * </ul>
         * Neither write is cancelled (nor by a subscriber that cancels the submit): a created task is tracked once its
         * record lands, whoever waits for it then; an intent that lands after the submit gave up is marked as not sent
         * while the client is open (a client closed meanwhile, or a subscriber that cancels just as the intent lands,
         * leaves it listed in doubt though nothing was sent). Writes left waiting are bounded: once one has outlasted the
         * bound, while 1,000 store writes of submits (waited for or given up, by the bound or by a cancelling caller)
         * have neither landed nor failed, a submit is refused at once with {@code TaskStoreException}, nothing written
         * or sent. A store that does not persist ({@code TaskStore.none()}) is not waited for.
         *
         * @param timeout the timeout; positive
         * @return this builder
         */
        public Builder storeTimeout(Duration timeout) {
            this.storeTimeout = positive("storeTimeout", timeout);
            return this;
        }

        /**
         * When a submit is sent again (default: {@link SubmitRetry#defaults()}: 5 attempts in all). Only submits that
         * provably did not reach the API are.
         *
         * @param retry the settings
         * @return this builder
         */
        public Builder submitRetry(SubmitRetry retry) {
            this.submitRetry = Objects.requireNonNull(retry, "submitRetry");
            return this;
        }

        /**
         * Stores the results of every task the client tracks as it completes, subscribed or not (default: none): the
         * completed status is emitted once they are stored, and with a durable store each file is recorded, a task
         * that completed before a restart is captured when it resumes (its URLs still valid), and a result is never
         * stored twice. What happens is on {@link TaskpollClient#events()}.
         *
         * @param options where and how results are stored
         * @return this builder
         */
        public Builder capture(CaptureOptions options) {
            this.capture = Objects.requireNonNull(options, "capture");
            return this;
        }

        /**
         * Trusts these certificates for https, and only these, instead of the JDK's trust store (default: empty, the
         * JDK's): for an API behind a private certificate authority, or a test server. Each is a trust anchor (a CA's
         * certificate, or a server's own self-signed one); the server's name is still checked against its
         * certificate. There is deliberately no option that turns verification off. A certificate that is not
         * trusted fails a submit at once, before anything is sent; a poll retries (the task was paid for) and says
         * why in {@link PollRetrying}. The client's own capture ({@link #capture}) downloads with these unless its
         * options name their own.
         *
         * @param certificates the trust anchors; empty for the JDK's trust store
         * @return this builder
         * @throws InvalidOptionException if {@code certificates} is null or holds null
         */
        public Builder trustedCertificates(java.util.Collection<java.security.cert.X509Certificate> certificates) {
            if (certificates == null || certificates.stream().anyMatch(Objects::isNull)) {
                throw new InvalidOptionException("trustedCertificates", "must be a collection without nulls");
            }
            this.trustedCertificates = java.util.List.copyOf(certificates);
            return this;
        }

        /**
         * Offers HTTP/2 besides HTTP/1.1, or not (default: offered for an https base URL, not for plain http). Over
         * https the server chooses by ALPN ({@code h2}, else {@code http/1.1}), at no extra round trip; over plain http
         * (loopback), only when asked for, {@code h2c} by an upgrade. A server that speaks only HTTP/1.1 gets
         * HTTP/1.1: nothing else changes. {@link #maxConnections} bounds the connections; over HTTP/2 one more is
         * opened only when those open carry 100 requests each (fewer if the server allows fewer streams). Measured
         * over TLS (benchmarks/RESULTS.md, scenario H, two runs): half the client CPU per poll of HTTP/1.1 on 3
         * connections instead of 256. {@link TaskpollClient#close()} closes every connection the client opened.
         *
         * @param offer true to offer HTTP/2
         * @return this builder
         */
        public Builder http2(boolean offer) {
            this.http2 = offer;
            return this;
        }

        /**
         * TLS by OpenSSL (BoringSSL, through Netty's {@code io.netty:netty-tcnative-boringssl-static} with the
         * classifier of the platform, which the application adds) instead of the JDK's (default: false, the JDK's,
         * whatever is on the class path). Certificates are verified the same way either way. In two runs of the
         * benchmarks' scenario H it took 0.80-0.97x the client CPU per poll of the JDK's TLS. {@link #build()} refuses
         * it when OpenSSL cannot be loaded, naming the cause.
         *
         * @param on true for OpenSSL
         * @return this builder
         */
        public Builder openSsl(boolean on) {
            this.openSsl = on;
            return this;
        }

        /**
         * How the client's tracker times its polls and retries (default: {@link TrackerOptions#defaults()}).
         *
         * @param options the tracker's options
         * @return this builder
         */
        public Builder trackerOptions(TrackerOptions options) {
            this.trackerOptions = Objects.requireNonNull(options, "trackerOptions");
            return this;
        }

        /**
         * @return the options
         * @throws InvalidOptionException if no key was set and {@code OPC_API_KEY} is unset, the base URL is plain
         *                                http to a non-loopback host without {@code allowPlainHttp}, the fleet's
         *                                {@code maxInFlight} exceeds {@code maxConnections}, or {@code openSsl} is
         *                                asked for and OpenSSL cannot be loaded
         */
        public ClientOptions build() {
            return build(System::getenv);
        }

        ClientOptions build(Function<String, @Nullable String> environment) {
            ApiKey key = apiKey;
            if (key == null) {
                String fromEnv = environment.apply(API_KEY_ENV);
                if (fromEnv == null || fromEnv.isBlank()) {
                    throw new InvalidOptionException("apiKey", "not set", "apiKey", "call apiKey(...) or set the "
                            + API_KEY_ENV + " environment variable");
                }
                key = ApiKey.of(fromEnv.trim());
            }
            URI u = URI.create(baseUrl);
            if (u.getScheme().equalsIgnoreCase("http") && !allowPlainHttp && !Hosts.isLoopback(u.getHost())) {
                throw new InvalidOptionException("baseUrl", "'" + baseUrl + "' is plain http to a non-loopback host;"
                        + " the API key would travel in clear text", "allowPlainHttp",
                        "use https, or allowPlainHttp(true)");
            }
            FleetOptions fleet = trackerOptions.fleet();
            if (fleet.enabled() && fleet.maxInFlight() > maxConnections) {
                // measured (benchmarks, scenario B): 4,096 in flight over 256 connections left 3,840 requests
                // waiting in the pool, each with its own acquire timer, and cut throughput by a fifth
                throw new InvalidOptionException("trackerOptions.fleet.maxInFlight", fleet.maxInFlight()
                        + " must not exceed maxConnections (" + maxConnections + "): requests beyond the connections"
                        + " would queue in the connection pool instead of the fleet's budget", "maxConnections",
                        "raise maxConnections or lower maxInFlight");
            }
            if (openSsl && !io.netty.handler.ssl.OpenSsl.isAvailable()) {
                Throwable cause = io.netty.handler.ssl.OpenSsl.unavailabilityCause();
                throw new InvalidOptionException("openSsl", "OpenSSL cannot be loaded (" + (cause == null ? "unknown"
                        : cause.toString()) + ")", "openSsl", "add io.netty:netty-tcnative-boringssl-static with this"
                        + " platform's classifier, or leave openSsl(false) for the JDK's TLS");
            }
            return new ClientOptions(this, key);
        }

        private static int range(String field, int value, int min, int max) {
            if (value < min || value > max) {
                throw new InvalidOptionException(field, value + " must be between " + min + " and " + max);
            }
            return value;
        }

        /** {@code d} when positive and from 1 ms to {@code max} ({@code maxShown} in the message), else refused. */
        private static Duration fromMillisecond(String field, Duration d, Duration max, String maxShown) {
            positive(field, d);
            if (d.compareTo(Duration.ofMillis(1)) < 0 || d.compareTo(max) > 0) {
                throw new InvalidOptionException(field, d + " must be 1 ms to " + maxShown);
            }
            return d;
        }

        private static Duration positive(String field, Duration d) {
            Objects.requireNonNull(d, field);
            if (d.isZero() || d.isNegative()) {
                throw new InvalidOptionException(field, d + " must be positive");
            }
            return d;
        }
    }
}
