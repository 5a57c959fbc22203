package dev.taskpoll.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The share of this virtual machine's CPU time that the host gave to others ("steal", from {@code /proc/stat})
 * between two samples. This machine is shared: when the host is busy, both JVMs lose whole slices of a core, and
 * polls go out late for it. Each scale row reports it beside its lateness, so the two can be read together.
 */
final class HostSteal {

    private HostSteal() {
    }

    /** The aggregate {@code cpu} line's counters (user, nice, system, idle, iowait, irq, softirq, steal); empty if unreadable. */
    static long[] sample() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
            return parse(lines.isEmpty() ? "" : lines.get(0));
        } catch (IOException | RuntimeException e) {
            return new long[0];
        }
    }

    static long[] parse(String cpuLine) {
        String[] f = cpuLine.trim().split("\\s+");
        if (f.length < 9 || !f[0].equals("cpu")) {
            return new long[0];
        }
        long[] out = new long[8];
        for (int i = 0; i < 8; i++) {
            out[i] = Long.parseLong(f[i + 1]);
        }
        return out;
    }

    /** Steal as a percentage of all CPU time between the samples, one decimal; "n/a" without two good samples. */
    static String percent(long[] from, long[] to) {
        if (from.length < 8 || to.length < 8) {
            return "n/a";
        }
        long total = 0;
        for (int i = 0; i < 8; i++) {
            total += to[i] - from[i];
        }
        return total <= 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", 100.0 * (to[7] - from[7]) / total);
    }
}
