package dev.taskpoll.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * What {@code java.util.logging} records (where Reactor's and taskpoll's loggers write when SLF4J is absent, as in
 * these tests), kept for a test's assertions; {@link #close()} detaches it and puts every level it changed back, so no
 * later test logs differently.
 *
 * <pre>{@code
 * try (LogCapture log = LogCapture.of(Level.WARNING, Leases.class.getName())) {
 *     ...
 *     assertThat(log.messages()).anyMatch(m -> m.contains("lost"));
 * }
 * }</pre>
 */
public final class LogCapture implements AutoCloseable {

    private static final SimpleFormatter FORMAT = new SimpleFormatter();

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Logger attached;
    private final List<Logger> changed = new ArrayList<>();
    private final List<Level> before = new ArrayList<>();
    private final Handler handler;

    private LogCapture(Level level, String[] loggers) {
        for (String name : loggers) {
            Logger l = Logger.getLogger(name);
            changed.add(l); // (held: a logger only weakly referenced may be collected with its level)
            before.add(l.getLevel());
            l.setLevel(level);
        }
        handler = new Handler() {
            @Override
            public void publish(LogRecord rec) {
                if (rec.getLevel().intValue() >= level.intValue()) {
                    records.add(rec);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        attached = changed.get(0);
        attached.addHandler(handler);
    }

    /**
     * Captures the records at {@code level} or above of {@code loggers[0]} and the loggers below it (for everything,
     * the root logger {@code ""}), with each named logger's level set to {@code level} until {@link #close()} (name a
     * logger below the first to lower its level too: a level set below wins over the one above).
     */
    public static LogCapture of(Level level, String... loggers) {
        if (loggers.length == 0) {
            throw new IllegalArgumentException("name at least one logger (\"\" for the root)");
        }
        return new LogCapture(level, loggers);
    }

    /** The records so far, in the order logged. */
    public List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** Each record's message with its parameters filled in, as a log line would show it. */
    public List<String> messages() {
        return records.stream().map(FORMAT::formatMessage).toList();
    }

    /**
     * Everything each record carries as text, whether or not a log line would print it: the logger's name, the raw
     * message, each parameter and the exception (what a secret could hide in).
     */
    public List<String> everything() {
        return records.stream().map(r -> r.getLoggerName() + " " + r.getMessage() + " "
                + Arrays.toString(r.getParameters()) + (r.getThrown() == null ? "" : " " + r.getThrown())).toList();
    }

    /** The levels this capture changed, as they are now (after {@link #close()}: as they were before it). */
    public List<Level> levels() {
        return changed.stream().map(Logger::getLevel).toList();
    }

    /** Detaches the capture and puts back the levels it changed. Idempotent. */
    @Override
    public void close() {
        attached.removeHandler(handler);
        for (int i = 0; i < changed.size(); i++) {
            changed.get(i).setLevel(before.get(i));
        }
    }
}
