package dev.taskpoll.testkit.blockhound;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** The blocking calls BlockHound found in this JVM and nobody has collected yet. */
public final class BlockingCalls {

    private static final ConcurrentLinkedQueue<String> FOUND = new ConcurrentLinkedQueue<>();

    private BlockingCalls() {
    }

    static void record(String call) {
        FOUND.add(call);
    }

    /** Takes every call recorded so far, e.g. "java.lang.Thread.sleep on reactor-http-epoll-2". */
    public static List<String> drain() {
        List<String> out = new ArrayList<>();
        for (String s; (s = FOUND.poll()) != null; ) {
            out.add(s);
        }
        return out;
    }
}
