package dev.taskpoll.internal.http;

import java.util.Locale;

/** Host names: the one place that says which hosts are this machine. */
public final class Hosts {

    private Hosts() {
    }

    /** {@code localhost}, {@code 127.x.x.x} or {@code ::1}. */
    public static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("::1");
    }
}
