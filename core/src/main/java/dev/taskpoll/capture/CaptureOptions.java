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
 *   <li>{@code maxAttempts}: 5 per file (transient failures: 5xx, 408, 429, resets, truncated bodies, timeouts),
 *       resuming with {@code Range} where the server allows it; back-off from 500 ms</li>
 *   <li>{@code maxRedirects}: 3, each target checked again like the first URL</li>
 *   <li>{@code allowPlainHttpOnLoopback}: false; only https is fetched, plain http to a loopback host only when true
 *       (tests)</li>
 *   <li>{@code connectTimeout} 10 s, {@code readTimeout} 60 s (between two reads)</li>
 *   <li>{@code urlLifetime}: 24 h (result URLs expire about a day after completion; the one place taskpoll keeps
 *       that lifetime) and {@code expiryWarning}: 1 h; a capture still pending {@code expiryWarning} before
 *       {@code observedAt + urlLifetime} emits a warning</li>
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
        this.urlLifetime = b.urlLifetime;
        this.expiryWarning = b.expiryWarning;
    }

    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    public Path directory() {
        return directory;
    }

    public long maxBytes() {
        return maxBytes;
    }

    public int concurrency() {
        return concurrency;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public int maxRedirects() {
        return maxRedirects;
    }

    public boolean allowPlainHttpOnLoopback() {
        return allowPlainHttpOnLoopback;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    public Duration urlLifetime() {
        return urlLifetime;
    }

    /** The certificates trusted for https downloads instead of the JDK's trust store; empty for the JDK's. */
    public java.util.List<java.security.cert.X509Certificate> trustedCertificates() {
        return trustedCertificates;
    }

    public Duration expiryWarning() {
        return expiryWarning;
    }


    public static final class Builder {
        private final Path directory;
        private long maxBytes = 2L << 30;
        private int concurrency = 4;
        private int maxAttempts = 5;
        private int maxRedirects = 3;
        private boolean allowPlainHttpOnLoopback;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(60);
        private Duration urlLifetime = Duration.ofHours(24);
        private Duration expiryWarning = Duration.ofHours(1);
        private java.util.List<java.security.cert.X509Certificate> trustedCertificates = java.util.List.of();

        private Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        public Builder maxBytes(long max) {
            if (max < 1) {
                throw new IllegalArgumentException("capture.maxBytes: " + max + " must be at least 1");
            }
            this.maxBytes = max;
            return this;
        }

        public Builder concurrency(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("capture.concurrency: " + n + " must be at least 1");
            }
            this.concurrency = n;
            return this;
        }

        public Builder maxAttempts(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("capture.maxAttempts: " + n + " must be at least 1");
            }
            this.maxAttempts = n;
            return this;
        }

        public Builder maxRedirects(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("capture.maxRedirects: " + n + " must not be negative");
            }
            this.maxRedirects = n;
            return this;
        }

        /** Fetch plain {@code http} URLs whose host is loopback (for tests against a local simulator). */
        public Builder allowPlainHttpOnLoopback(boolean allow) {
            this.allowPlainHttpOnLoopback = allow;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive("capture.connectTimeout", d);
            return this;
        }

        public Builder readTimeout(Duration d) {
            this.readTimeout = positive("capture.readTimeout", d);
            return this;
        }

        public Builder urlLifetime(Duration d) {
            this.urlLifetime = positive("capture.urlLifetime", d);
            return this;
        }

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
         * @throws IllegalArgumentException if {@code certificates} is null or holds null
         */
        public Builder trustedCertificates(java.util.Collection<java.security.cert.X509Certificate> certificates) {
            if (certificates == null || certificates.stream().anyMatch(Objects::isNull)) {
                throw new IllegalArgumentException("capture.trustedCertificates: must be a collection without nulls");
            }
            this.trustedCertificates = java.util.List.copyOf(certificates);
            return this;
        }

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
