package dev.taskpoll.capture;

import java.net.URI;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Which result URLs may be fetched: https; plain http only to a loopback host, and only when opted in. */
final class UrlPolicy {

    private UrlPolicy() {
    }

    /** Null when allowed, else why not. */
    static @Nullable String check(URI uri, CaptureOptions options) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null) {
            return "no host";
        }
        if (scheme.equals("https")) {
            return null;
        }
        if (scheme.equals("http")) {
            if (!isLoopback(uri.getHost())) {
                return "plain http to a non-loopback host";
            }
            return options.allowPlainHttpOnLoopback() ? null
                    : "plain http (allowed only to loopback, with allowPlainHttpOnLoopback)";
        }
        return "scheme '" + scheme + "' is not https";
    }

    /** This machine, as the client decides it for its own base URL ({@code Hosts.isLoopback}: one rule, not two). */
    static boolean isLoopback(String host) {
        return dev.taskpoll.internal.http.Hosts.isLoopback(host);
    }
}
