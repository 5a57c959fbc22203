package dev.taskpoll.internal.http;

import java.util.Locale;

/** Host names: the one place that says which hosts are this machine. */
public final class Hosts {

    private Hosts() {
    }

    /** {@code 127.x.x.x} as an address: four numbers of 0-255, the first 127. */
    private static final java.util.regex.Pattern LOOPBACK_V4 =
            java.util.regex.Pattern.compile("127(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

    /**
     * {@code localhost}, {@code 127.x.x.x} (an address, not a name that begins so: {@code 127.corp.example} is a
     * host on the network, where a plain-http request would carry the API key in clear) or {@code ::1}.
     */
    public static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || LOOPBACK_V4.matcher(h).matches() || h.equals("[::1]") || h.equals("::1");
    }
}
