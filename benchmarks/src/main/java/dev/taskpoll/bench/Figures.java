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

    static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
