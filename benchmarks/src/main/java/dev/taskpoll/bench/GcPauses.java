package dev.taskpoll.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Stop-the-world GC pauses in a window of the run, in both JVMs: the client's from the JVM's own GC notifications
 * (delivered on its existing notification thread: no thread of ours), the simulator's from its {@code -Xlog:gc} file.
 * The harness's own {@code System.gc()} calls are left out. Poll lateness at the simulator includes both JVMs' pauses,
 * so this is what the lateness tail is read against.
 */
final class GcPauses implements AutoCloseable {

    /** One pause of the client: when it was reported ended (System.nanoTime) and how long it was. */
    record Pause(long endNanos, double millis) {
    }

    private final List<Pause> pauses = new CopyOnWriteArrayList<>();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::onNotification;

    /** Starts recording the client JVM's pauses. */
    static GcPauses client() {
        GcPauses p = new GcPauses();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(p.listener, null, null);
                p.emitters.add(e);
            }
        }
        return p;
    }

    private void onNotification(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        if (!"System.gc()".equals(info.getGcCause())) {
            pauses.add(new Pause(System.nanoTime(), info.getGcInfo().getDuration()));
        }
    }

    /** The client's pauses that ended in [fromNanos, toNanos] (System.nanoTime). */
    List<Double> between(long fromNanos, long toNanos) {
        return pauses.stream().filter(p -> p.endNanos() >= fromNanos && p.endNanos() <= toNanos)
                .map(Pause::millis).toList();
    }

    @Override
    public void close() {
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (ListenerNotFoundException ignored) {
                // never added: nothing to remove
            }
        }
    }

    private static final Pattern LOG_PAUSE =
            Pattern.compile("^\\[(\\d+\\.\\d+)s\\].*\\bPause (?:Young|Full|Remark|Cleanup)\\b.*?(\\d+\\.\\d+)ms\\s*$");

    /**
     * The pauses in a {@code -Xlog:gc} file (default decorations: uptime in seconds) that ended in
     * [fromUptimeNanos, toUptimeNanos] of that JVM's uptime, {@code System.gc()} ones left out.
     */
    static List<Double> fromLog(Path log, long fromUptimeNanos, long toUptimeNanos) throws IOException {
        List<Double> out = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Matcher m = LOG_PAUSE.matcher(line);
            if (!m.find() || line.contains("System.gc()")) {
                continue;
            }
            long end = (long) (Double.parseDouble(m.group(1)) * 1e9);
            if (end >= fromUptimeNanos && end <= toUptimeNanos) {
                out.add(Double.parseDouble(m.group(2)));
            }
        }
        return out;
    }

    /** "n, max m ms, s ms in all" (or "none"). */
    static String summary(List<Double> millis) {
        if (millis.isEmpty()) {
            return "none";
        }
        double max = millis.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        double sum = millis.stream().mapToDouble(Double::doubleValue).sum();
        return String.format(Locale.ROOT, "%d, max %.0f, all %.0f", millis.size(), max, sum);
    }
}
