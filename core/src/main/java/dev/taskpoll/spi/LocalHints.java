package dev.taskpoll.spi;

import dev.taskpoll.TaskStatus;
import dev.taskpoll.catalog.TaskKind;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** {@link StatusHints#local()}: a direct call into the one connected tracker. */
final class LocalHints implements StatusHints {

    private volatile @Nullable Listener listener;

    @Override
    public void connect(Listener l) {
        Objects.requireNonNull(l, "listener");
        synchronized (this) {
            if (listener != null) {
                throw new IllegalStateException("StatusHints.local(): already connected to a tracker; give each"
                        + " tracker its own");
            }
            listener = l;
        }
    }

    @Override
    public void offer(TaskKind kind, TaskStatus status) {
        Listener l = listener;
        if (l != null) {
            l.hint(kind, status);
        }
    }

    @Override
    public void forget(TaskKind kind, String taskId) {
        Listener l = listener;
        if (l != null) {
            l.forget(kind, taskId);
        }
    }
}
