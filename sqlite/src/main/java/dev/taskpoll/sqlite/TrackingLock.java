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

    private final FileChannel channel;
    private final FileLock lock;

    private TrackingLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock of {@code db}, or fails naming the process that holds it. */
    static TrackingLock take(Path db) {
        Path file = db.resolveSibling(db.getFileName() + ".lock");
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new TaskStoreException("task store " + db + ": cannot open its lock file " + file + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        try {
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // this very process holds it already
            }
            if (l == null) {
                String holder = holder(ch);
                ch.close();
                throw TaskStoreException.held(db.toString(), holder);
            }
            ByteBuffer me = ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n")
                    .getBytes(StandardCharsets.US_ASCII));
            ch.truncate(0);
            while (me.hasRemaining()) {
                ch.write(me, me.position());
            }
            ch.force(false);
            return new TrackingLock(ch, l);
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
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // released with the process anyway
        }
    }
}
