package dev.taskpoll.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/** What the harness reads of its own JVM: CPU time, heap after a full GC, live threads. */
final class Figures {

    private Figures() {
    }

    /** The live threads' names, grouped by pool (the digits dropped), with counts. */
    static String threadNames() {
        java.util.Map<String, Long> byName = java.util.Arrays.stream(
                        ManagementFactory.getThreadMXBean().dumpAllThreads(false, false))
                .map(t -> t.getThreadName().replaceAll("\\d+", "#"))
                .collect(java.util.stream.Collectors.groupingBy(x -> x, java.util.TreeMap::new,
                        java.util.stream.Collectors.counting()));
        return byName.entrySet().stream().map(e -> e.getKey() + (e.getValue() > 1 ? " x" + e.getValue() : ""))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * CPU time (ns, 10 ms resolution) of the JIT's compiler threads now alive, read from {@code /proc/self/task}; 0
     * where there is no {@code /proc}. A row's CPU per poll includes it: a row of 16 real seconds spends up to a third
     * of its CPU compiling (perf, 2026-12-01), which a service running for hours pays once. Compiler threads that
     * exit during a window take their time with them (HotSpot starts and stops them with the load), so this can
     * only under-count.
     */
    static long jitNanos() {
        return threadNanos("C1 CompilerThre", "C2 CompilerThre");
    }

    /** CPU time (ns, 10 ms resolution) of the embedded store's thread ({@code taskpoll-store}), as {@link #jitNanos}. */
    static long storeNanos() {
        return threadNanos("taskpoll-store");
    }

    /** CPU time (ns, 10 ms resolution) of this process's live threads whose name starts with one of {@code names}. */
    private static long threadNanos(String... names) {
        long ticks = 0;
        java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        if (tasks == null) {
            return 0;
        }
        for (java.io.File t : tasks) {
            try {
                String stat = java.nio.file.Files.readString(t.toPath().resolve("stat"));
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String comm = stat.substring(open + 1, close);
                for (String name : names) {
                    if (comm.startsWith(name)) {
                        String[] f = stat.substring(close + 2).split(" "); // f[0] is field 3 (state)
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime: fields 14, 15
                        break;
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                // a thread that ended while we read: its time is gone from the sum either way
            }
        }
        return ticks * 10_000_000L; // USER_HZ is 100 on Linux
    }

    static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
