package dev.taskpoll.sqlite;

import dev.taskpoll.TaskStoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Who tracks a store file: an operating-system lock on {@code <file>.lock}, which holds the holder's pid. The lock
 * goes with the process, however it ends (a {@code kill -9} included), so a restarted tracker takes it again at once.
 *
 * <p>A worker (a store that resumes every open task, and adopts those other processes add) takes it exclusively: no
 * other tracker beside it. A process that tracks only the tasks it is given ({@code resume(false)}: {@code taskpoll
 * submit --wait}) takes it shared: several such processes track their own tasks side by side, none of them beside a
 * worker, which would adopt their tasks and poll them twice. Nothing checks that they track different tasks: two
 * that track the same one both poll it. Within one JVM a file is tracked by one store at a time, shared or not.
 * While such processes overlap one after another, a worker starting meanwhile is refused each time. The lock file
 * lists the holders (one line each, a shared one marked; rewritten without a lock of its own, so two holders starting
 * together may lose a line): what a refused tracker's message names.
 */
final class TrackingLock implements AutoCloseable {

    /**
     * The lock files this process holds. A second take of one is refused here, before any channel of it is opened:
     * the lock is a POSIX one, which belongs to the process, and closing any channel of the file (as a refused take
     * did) released it, so that another process could take it beside the first tracker.
     */
    private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final FileChannel channel;
    private final FileLock lock;
    private final Path held;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private TrackingLock(FileChannel channel, FileLock lock, Path held) {
        this.channel = channel;
        this.lock = lock;
        this.held = held;
    }

    /** What a shared holder writes after its pid, one line each. */
    private static final String SHARED_MARK = " shared";

    /**
     * Takes the lock of {@code db}, exclusively or {@code shared}, or fails naming the process that holds it (a shared
     * lock is refused only by a worker's, an exclusive one by any).
     */
    static TrackingLock take(Path db, boolean shared) {
        Path file = db.resolveSibling(db.getFileName() + ".lock");
        Path key = file.toAbsolutePath().normalize();
        if (!HELD.add(key)) {
            throw TaskStoreException.held(db.toString(), "pid " + ProcessHandle.current().pid(), true);
        }
        try {
            return take(db, file, key, shared);
        } catch (RuntimeException e) {
            HELD.remove(key);
            throw e;
        }
    }

    private static TrackingLock take(Path db, Path file, Path key, boolean shared) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new TaskStoreException("task store " + db + ": cannot open its lock file " + file + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        try {
            FileLock l;
            boolean here = false;
            try {
                l = ch.tryLock(0, Long.MAX_VALUE, shared);
            } catch (OverlappingFileLockException e) {
                l = null; // this very process holds it already
                here = true;
            }
            if (l == null) {
                String holder = holder(ch);
                ch.close();
                throw TaskStoreException.held(db.toString(), holder, here);
            }
            // an exclusive holder is named alone; shared ones add their pid to those of the others still running
            StringBuilder lines = new StringBuilder();
            if (shared) {
                for (String line : read(ch)) {
                    if (line.endsWith(SHARED_MARK) && alive(line)) {
                        lines.append(line).append('\n');
                    }
                }
            }
            lines.append("pid ").append(ProcessHandle.current().pid()).append(shared ? SHARED_MARK : "").append('\n');
            ByteBuffer me = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.US_ASCII));
            int length = me.remaining();
            while (me.hasRemaining()) {
                ch.write(me, me.position());
            }
            ch.truncate(length);
            ch.force(false);
            return new TrackingLock(ch, l, key);
        } catch (IOException e) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the first failure is the one reported
            }
            throw new TaskStoreException("task store " + db + ": cannot lock " + file + " ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * Who holds the lock, as its file says: {@code pid 42} (a worker), or the pids of the processes that track only
     * their own tasks and are still running ({@code pid 42, which tracks only its own tasks}).
     */
    private static String holder(FileChannel ch) {
        java.util.List<String> pids = new java.util.ArrayList<>();
        boolean shared = false;
        for (String line : read(ch)) {
            if (!line.startsWith("pid ")) {
                continue;
            }
            if (line.endsWith(SHARED_MARK)) {
                shared = true;
                if (!alive(line)) {
                    continue; // a holder that ended since (killed: it could not remove its line)
                }
            }
            pids.add(line.substring(4, line.length() - (line.endsWith(SHARED_MARK) ? SHARED_MARK.length() : 0)));
        }
        if (pids.isEmpty()) {
            return "pid unknown";
        }
        if (!shared) {
            return "pid " + pids.get(0);
        }
        return (pids.size() == 1 ? "pid " + pids.get(0) + ", which tracks only its own tasks"
                : "pids " + String.join(", ", pids) + ", which track only their own tasks");
    }

    private static java.util.List<String> read(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(4096);
            ch.read(b, 0);
            String text = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
            return text.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            return java.util.List.of();
        }
    }

    /** Whether the process a line names runs (on this host; a line that names none counts as running). */
    private static boolean alive(String line) {
        String digits = line.substring(4).replaceAll("[^0-9].*$", "");
        try {
            return ProcessHandle.of(Long.parseLong(digits)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return true;
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // (a second close must not forget a take of the same file made since)
        }
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // released with the process anyway
        } finally {
            HELD.remove(held);
        }
    }
}
