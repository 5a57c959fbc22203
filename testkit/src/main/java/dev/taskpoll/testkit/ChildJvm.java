package dev.taskpoll.testkit;

import java.nio.file.Path;

/**
 * How the multi-process tests (the command line's, the kill test's, the failover test's) start another JVM: this
 * JVM's {@code java}, and the flags that keep short-lived JVMs from taking the machine's cores from each other.
 */
public final class ChildJvm {

    /**
     * C1 only. Each process a test starts is a JVM of seconds to a couple of minutes, and five or six share two cores:
     * with C2, a {@code taskpoll submit --redis} spent 4.7 s of CPU for 3.1-3.8 s of wall, with C1 (and the serial
     * collector) 2.7 s for 2.9-3.0 s. What the process does is the same either way.
     */
    public static final String C1 = "-XX:TieredStopAtLevel=1";

    /** The serial collector: one collector thread for a small heap. */
    public static final String SERIAL_GC = "-XX:+UseSerialGC";

    private ChildJvm() {
    }

    /**
     * The {@code java} of the JVM running this code.
     *
     * @return its path
     */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
