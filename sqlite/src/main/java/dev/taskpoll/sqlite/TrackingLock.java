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

    /** Takes the lock of {@code db}, or fails naming the process that holds it. */
    static TrackingLock take(Path db) {
        Path file = db.resolveSibling(db.getFileName() + ".lock");
        Path key = file.toAbsolutePath().normalize();
        if (!HELD.add(key)) {
            throw TaskStoreException.held(db.toString(), "pid " + ProcessHandle.current().pid(), true);
        }
        try {
            return take(db, file, key);
        } catch (RuntimeException e) {
            HELD.remove(key);
            throw e;
        }
    }

    private static TrackingLock take(Path db, Path file, Path key) {
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
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // this very process holds it already
                here = true;
            }
            if (l == null) {
                String holder = holder(ch);
                ch.close();
                throw TaskStoreException.held(db.toString(), holder, here);
            }
            ByteBuffer me = ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n")
                    .getBytes(StandardCharsets.US_ASCII));
            ch.truncate(0);
            while (me.hasRemaining()) {
                ch.write(me, me.position());
            }
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

    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(64);
            ch.read(b, 0);
            String text = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
            return text.startsWith("pid ") ? text : "pid unknown";
        } catch (IOException e) {
            return "pid unknown";
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
