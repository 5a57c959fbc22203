package dev.taskpoll.capture;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How results are captured. Immutable; build with {@link #builder(Path)}. Defaults:
 *
 * <ul>
 *   <li>{@code directory}: required; files go to {@code <directory>/<task directory>/<n>.<ext>}, where the task
 *       directory is the task id percent-encoded (shortened with a hash past 128 characters)</li>
 *   <li>{@code maxBytes}: 2 GiB per file, counted while streaming</li>
 *   <li>{@code concurrency}: 4 downloads at once across all tasks</li>
 *   <li>{@code maxAttempts}: 5 per file in a row without progress (transient failures: 5xx, 408, 429, resets,
 *       truncated bodies, timeouts; an attempt that took the file 256 KiB past the furthest it had reached does not
 *       count), resuming with {@code Range} where the server allows it; back-off from 500 ms doubling to 10 s, ±50%</li>
 *   <li>{@code maxRedirects}: 3, each target checked again like the first URL</li>
 *   <li>{@code allowPlainHttpOnLoopback}: false; only https is fetched, plain http to a loopback host only when true
 *       (tests)</li>
 *   <li>{@code connectTimeout} 10 s, {@code readTimeout} 60 s (between two reads; and once it has passed, an attempt
 *       whose data averages under 1 KiB/s is given up and tried again)</li>
 *   <li>{@code downloadTimeout}: 1 h for one file, its attempts and the waits between them together; then the file's
 *       download fails (its partial file removed), freeing its download slot for other tasks' results</li>
 *   <li>{@code urlLifetime}: 24 h (result URLs expire about a day after completion; the one place taskpoll keeps
 *       that lifetime) and {@code expiryWarning}: 1 h; a capture still pending {@code expiryWarning} before
 *       {@code urlLifetime} after the task completed (the provider's {@code completed_at}, when it says and it is
 *       plausible) or else after the status was observed emits a warning</li>
 * </ul>
 * Retries and the warning are timed by the client's scheduler and clock ({@link ResultCapture#create}).
 */
public final class CaptureOptions {

    private final Path directory;
    private final long maxBytes;
    private final int concurrency;
    private final int maxAttempts;
    private final int maxRedirects;
    private final boolean allowPlainHttpOnLoopback;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final Duration downloadTimeout;
    private final Duration urlLifetime;
    private final Duration expiryWarning;
    private final java.util.List<java.security.cert.X509Certificate> trustedCertificates;

    private CaptureOptions(Builder b) {
        this.trustedCertificates = b.trustedCertificates;
        this.directory = b.directory;
        this.maxBytes = b.maxBytes;
        this.concurrency = b.concurrency;
        this.maxAttempts = b.maxAttempts;
        this.maxRedirects = b.maxRedirects;
        this.allowPlainHttpOnLoopback = b.allowPlainHttpOnLoopback;
        this.connectTimeout = b.connectTimeout;
        this.readTimeout = b.readTimeout;
        this.downloadTimeout = b.downloadTimeout;
        this.urlLifetime = b.urlLifetime;
        this.expiryWarning = b.expiryWarning;
    }

    /**
     * A builder with the defaults listed in the class comment.
     *
     * @param directory where the files go
     * @return a new builder
     */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /**
     * Where the files go: {@code <directory>/<task directory>/<n>.<ext>}.
     *
     * @return the directory
     */
    public Path directory() {
        return directory;
    }

    /**
     * The largest file stored, in bytes, counted while streaming (default 2 GiB).
     *
     * @return the cap, in bytes
     */
    public long maxBytes() {
        return maxBytes;
    }

    /**
     * How many downloads run at once across all tasks (default 4).
     *
     * @return the number of downloads
     */
    public int concurrency() {
        return concurrency;
    }

    /**
     * Attempts per file, the first included (default 5).
     *
     * @return the number of attempts
     */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * How many redirects a download follows (default 3).
     *
     * @return the number of redirects
     */
    public int maxRedirects() {
        return maxRedirects;
    }

    /**
     * Whether plain {@code http} URLs whose host is loopback are fetched (default false).
     *
     * @return true if they are
     */
    public boolean allowPlainHttpOnLoopback() {
        return allowPlainHttpOnLoopback;
    }

    /**
     * The connect timeout (default 10 s).
     *
     * @return the timeout
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * The longest wait between two reads (default 60 s).
     *
     * @return the timeout
     */
    public Duration readTimeout() {
        return readTimeout;
    }

    /**
     * The longest one file's download may take, its attempts and the waits between them together (default 1 h).
     *
     * @return the timeout
     */
    public Duration downloadTimeout() {
        return downloadTimeout;
    }

    /**
     * How long result URLs live after the status was observed (default 24 h).
     *
     * @return the lifetime
     */
    public Duration urlLifetime() {
        return urlLifetime;
    }

    /**
     * The certificates trusted for https downloads instead of the JDK's trust store; empty for the JDK's.
     *
     * @return the certificates; empty for the JDK's trust store
     */
    public java.util.List<java.security.cert.X509Certificate> trustedCertificates() {
        return trustedCertificates;
    }

    /**
     * How long before the result URLs expire a capture still pending emits a warning (default 1 h).
     *
     * @return the margin
     */
    public Duration expiryWarning() {
        return expiryWarning;
    }


    /** Builds {@link CaptureOptions}; setters validate at once and name the field they reject. */
    public static final class Builder {
        private final Path directory;
        private long maxBytes = 2L << 30;
        private int concurrency = 4;
        private int maxAttempts = 5;
        private int maxRedirects = 3;
        private boolean allowPlainHttpOnLoopback;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(60);
        private Duration downloadTimeout = Duration.ofHours(1);
        private Duration urlLifetime = Duration.ofHours(24);
        private Duration expiryWarning = Duration.ofHours(1);
        private java.util.List<java.security.cert.X509Certificate> trustedCertificates = java.util.List.of();

        private Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /**
         * The largest file stored, counted while streaming (default 2 GiB).
         *
         * @param max the cap, in bytes; at least 1
         * @return this builder
         */
        public Builder maxBytes(long max) {
            if (max < 1) {
                throw new IllegalArgumentException("capture.maxBytes: " + max + " must be at least 1");
            }
            this.maxBytes = max;
            return this;
        }

        /**
         * How many downloads run at once across all tasks (default 4).
         *
         * @param n the number of downloads; at least 1
         * @return this builder
         */
        public Builder concurrency(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("capture.concurrency: " + n + " must be at least 1");
            }
            this.concurrency = n;
            return this;
        }

        /**
         * Attempts per file, the first included (default 5).
         *
         * @param n the number of attempts; at least 1
         * @return this builder
         */
        public Builder maxAttempts(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("capture.maxAttempts: " + n + " must be at least 1");
            }
            this.maxAttempts = n;
            return this;
        }

        /**
         * How many redirects a download follows, each target checked again like the first URL (default 3).
         *
         * @param n the number of redirects; not negative
         * @return this builder
         */
        public Builder maxRedirects(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("capture.maxRedirects: " + n + " must not be negative");
            }
            this.maxRedirects = n;
            return this;
        }

        /**
         * Fetch plain {@code http} URLs whose host is loopback (for tests against a local simulator).
         *
         * @param allow true to fetch them (default false)
         * @return this builder
         */
        public Builder allowPlainHttpOnLoopback(boolean allow) {
            this.allowPlainHttpOnLoopback = allow;
            return this;
        }

        /**
         * The connect timeout (default 10 s).
         *
         * @param d the timeout; positive
         * @return this builder
         */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive("capture.connectTimeout", d);
            return this;
        }

        /**
         * The longest wait between two reads (default 60 s).
         *
         * @param d the timeout; positive
         * @return this builder
         */
        public Builder readTimeout(Duration d) {
            this.readTimeout = positive("capture.readTimeout", d);
            return this;
        }

        /**
         * The longest one file's download may take, its attempts and the waits between them together (default 1 h):
         * past it the download fails, naming the bytes it got, and its partial file is removed. Bounds a host that
         * brings data just fast enough for the read timeout and the slowest rate, attempt after attempt.
         *
         * @param d the timeout; positive
         * @return this builder
         */
        public Builder downloadTimeout(Duration d) {
            this.downloadTimeout = positive("capture.downloadTimeout", d);
            return this;
        }

        /**
         * How long result URLs live after the status was observed (default 24 h).
         *
         * @param d the lifetime; positive
         * @return this builder
         */
        public Builder urlLifetime(Duration d) {
            this.urlLifetime = positive("capture.urlLifetime", d);
            return this;
        }

        /**
         * How long before the result URLs expire a capture still pending emits a warning (default 1 h).
         *
         * @param d the margin; not negative
         * @return this builder
         */
        public Builder expiryWarning(Duration d) {
            Objects.requireNonNull(d, "capture.expiryWarning");
            if (d.isNegative()) {
                throw new IllegalArgumentException("capture.expiryWarning: " + d + " must not be negative");
            }
            this.expiryWarning = d;
            return this;
        }

        /**
         * Trusts these certificates for https downloads, and only these, instead of the JDK's trust store (default:
         * empty: the JDK's, or, for a client's own capture, the client's
         * {@link dev.taskpoll.ClientOptions#trustedCertificates()}). The host name is still checked; nothing turns
         * verification off. A download from a host whose certificate is not trusted fails permanently, naming why.
         *
         * @param certificates the trust anchors; empty for the default
         * @return this builder
         * @throws IllegalArgumentException if {@code certificates} is null or holds null
         */
        public Builder trustedCertificates(java.util.Collection<java.security.cert.X509Certificate> certificates) {
            if (certificates == null || certificates.stream().anyMatch(Objects::isNull)) {
                throw new IllegalArgumentException("capture.trustedCertificates: must be a collection without nulls");
            }
            this.trustedCertificates = java.util.List.copyOf(certificates);
            return this;
        }

        /**
         * The options this builder holds.
         *
         * @return the options
         */
        public CaptureOptions build() {
            return new CaptureOptions(this);
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " must be positive");
            }
            return d;
        }
    }
}
