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
 * What {@code java.util.logging} records, kept for a test's assertions: where taskpoll's and Reactor's loggers write
 * in these tests (SLF4J bound to it by {@code slf4j-jdk14}, or Reactor's own fallback). Each record is turned into text
 * as it is logged. {@link #close()} detaches the capture and puts back every level it changed, so no later test logs
 * differently.
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

    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final List<String> everything = new CopyOnWriteArrayList<>();
    private final Logger attached;
    private final List<Logger> changed = new ArrayList<>();
    private final List<Level> before = new ArrayList<>();
    private final Handler handler;

    private LogCapture(Level level, String[] loggers) {
        for (String name : loggers) {
            Logger l = Logger.getLogger(name);
            if (!l.isLoggable(level)) { // lowered only: what it logged before, it still logs
                changed.add(l); // (held: a logger only weakly referenced may be collected with its level)
                before.add(l.getLevel());
                l.setLevel(level);
            }
        }
        handler = new Handler() {
            @Override
            public void publish(LogRecord rec) {
                if (rec.getLevel().intValue() >= level.intValue()) {
                    messages.add(FORMAT.formatMessage(rec));
                    everything.add(rec.getLoggerName() + " " + rec.getMessage() + " "
                            + Arrays.toString(rec.getParameters()) + (rec.getThrown() == null ? "" : " "
                            + rec.getThrown()));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        attached = Logger.getLogger(loggers[0]);
        attached.addHandler(handler);
    }

    /**
     * Captures the records at {@code level} or above of {@code loggers[0]} and the loggers below it ({@code ""}, the
     * root, for everything). Each named logger that logs less than {@code level} is lowered to it until
     * {@link #close()} (name a logger below the first to lower it too: a level set below wins over the one above); one
     * that already logs more keeps its level.
     */
    public static LogCapture of(Level level, String... loggers) {
        if (loggers.length == 0) {
            throw new IllegalArgumentException("name at least one logger (\"\" for the root)");
        }
        return new LogCapture(level, loggers);
    }

    /** Each record's message with its parameters filled in, as a log line shows it, in the order logged. */
    public List<String> messages() {
        return List.copyOf(messages);
    }

    /**
     * Everything each record carried as text when it was logged, whether or not a log line prints it: the logger's
     * name, the raw message, each parameter and the exception (what a secret could hide in).
     */
    public List<String> everything() {
        return List.copyOf(everything);
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
