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

    /** {@code 127.x.x.x} as an address: four numbers of 0-255, the first 127. */
    private static final java.util.regex.Pattern LOOPBACK_V4 =
            java.util.regex.Pattern.compile("127(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

    /**
     * {@code localhost}, {@code 127.x.x.x} (an address, not a name that begins so: {@code 127.corp.example} is a host
     * on the network) or {@code ::1}: the rule the client keeps for its base URL in its internal {@code Hosts}, which
     * this package may not use (ModuleDescriptorTest); {@code UrlPolicyTest} holds this copy to it.
     */
    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || LOOPBACK_V4.matcher(h).matches() || h.equals("[::1]") || h.equals("::1");
    }
}
