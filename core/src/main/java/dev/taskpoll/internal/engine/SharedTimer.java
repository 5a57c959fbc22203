package dev.taskpoll.internal.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * One timer for every task of a tracker: entries are kept in buckets by due tick (the due time rounded up to the
 * resolution), and a single wake-up is armed on the {@link Scheduler} for the earliest bucket. Everything that falls
 * due in the same tick runs together, on the scheduler's thread.
 *
 * <p>Why not one {@code Flux.interval} per task: measured on this kind of machine (shared/reference/perf-limits.md),
 * firing the polls due in the same few milliseconds together costs about 40% less CPU per poll than a timer per task,
 * and keeps about 30 bytes per task instead of hundreds. Unlike a fixed global tick, it does not wake while nothing is
 * due, which also keeps virtual-time tests cheap.
 *
 * <p>Time is the scheduler's: {@link Scheduler#now(TimeUnit)} in milliseconds, so a virtual-time or accelerated
 * scheduler drives it completely; a step back of the clock is taken up ({@link #now()}). Thread-safe; critical sections
 * are a few map operations.
 */
public final class SharedTimer {

    private static final Logger log = Loggers.getLogger(SharedTimer.class);

    private final Scheduler scheduler;
    private final long resolutionMillis;

    // guarded by this
    private final TreeMap<Long, Entry> buckets = new TreeMap<>();
    /** The earliest tick a wake-up is pending for; MAX_VALUE when none. Later stale wake-ups are harmless. */
    private long armedTick = Long.MAX_VALUE;
    private int size;

    public SharedTimer(Scheduler scheduler, long resolutionMillis) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        if (resolutionMillis < 1) {
            throw new IllegalArgumentException("resolution: " + resolutionMillis + " ms must be at least 1 ms");
        }
        this.resolutionMillis = resolutionMillis;
    }

    /** The scheduler whose clock this timer keeps (for an operator's own timeout on the same clock). */
    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * The current time in milliseconds, by the scheduler's clock, except that it never goes back by more than
     * {@link #STEP_BACK_MILLIS}: a real scheduler's clock is the system's, which an operator or NTP may set back (an
     * hour, say); the timer's wake-up then found nothing due and slept the hour again, and the fleet budget and the
     * circuit, which read this time too, stood still as long. Such a step is taken up into an offset, once, and the
     * time goes on from where it was (logged). A step forward cannot be told from a stalled host: what falls due
     * runs at once, as after a pause.
     */
    public long now() {
        long t = scheduler.now(TimeUnit.MILLISECONDS) + offset;
        long last = latest.get();
        if (t > last) {
            latest.compareAndSet(last, t); // lost to another thread's later reading: it holds a later time
        } else if (t < last - STEP_BACK_MILLIS) {
            t = steppedBack();
        }
        return t;
    }

    /** How far the scheduler's clock may go back before the timer takes it for a step of the clock: 1 s. */
    static final long STEP_BACK_MILLIS = 1_000;

    /** Added to the scheduler's time: the sum of the steps back taken up so far. */
    private volatile long offset;
    /** The latest time read (by any thread, offset included). */
    private final java.util.concurrent.atomic.AtomicLong latest = new java.util.concurrent.atomic.AtomicLong(
            Long.MIN_VALUE);

    private synchronized long steppedBack() {
        long raw = scheduler.now(TimeUnit.MILLISECONDS);
        long t = raw + offset;
        long last = latest.get();
        if (t < last - STEP_BACK_MILLIS) { // not taken up by another thread meanwhile
            offset += last - t;
            log.warn("the clock went back by {} ms; timed tasks go on from where its time was", last - t);
            return last;
        }
        return t;
    }

    /** How many entries are waiting. */
    public synchronized int size() {
        return size;
    }

    /**
     * Runs {@code task} once at {@code dueMillis} (scheduler time), rounded up to the resolution. A task that throws
     * is logged and does not disturb the others. The task may run before this method returns when it is already
     * due and the scheduler runs due work synchronously (a virtual-time scheduler does).
     *
     * @return a handle whose {@code dispose()} removes the entry if it has not run yet
     */
    public Disposable schedule(Runnable task, long dueMillis) {
        Entry e = new Entry(this, task);
        e.scheduleAt(dueMillis);
        return e;
    }

    /**
     * An entry for an owner that schedules the same task again and again (a task's next poll): each
     * {@link Rearmable#scheduleAt} moves it, so nothing is allocated per scheduling, and no short-lived entry is left
     * for the garbage collector to copy while it waits a whole period. Not scheduled until {@code scheduleAt}.
     */
    public Rearmable rearmable(Runnable task) {
        return new Entry(this, task);
    }

    /** A reusable timer entry: {@code dispose()} unschedules it, and it can be scheduled again afterwards. */
    public interface Rearmable extends Disposable {

        /** Schedules the task at {@code dueMillis} (scheduler time), replacing any pending scheduling of it. */
        void scheduleAt(long dueMillis);
    }

    private void insert(Entry e, long dueMillis) {
        long tick = Math.floorDiv(dueMillis + resolutionMillis - 1, resolutionMillis);
        boolean arm;
        synchronized (this) {
            unlink(e);
            e.tick = tick;
            e.bucketed = true;
            Entry head = buckets.put(tick, e); // e heads the bucket: one walk of the map, not a get and a put
            if (head != null) {
                e.next = head;
                head.prev = e;
            }
            size++;
            arm = tick < armedTick;
            if (arm) {
                armedTick = tick;
            }
        }
        if (arm) {
            armAt(tick);
        }
    }

    /**
     * A {@code Mono} that emits {@code 0} after {@code delayMillis}, on this timer (like {@code Mono.delay}, which
     * {@code retryWhen} companions need a value from); cancelling it removes the entry.
     */
    public Mono<Long> delay(long delayMillis) {
        return Mono.create(sink -> {
            Disposable d = schedule(() -> sink.success(0L), now() + delayMillis);
            sink.onCancel(d);
        });
    }

    // never called under the lock: the scheduler may run the wake-up synchronously
    private void armAt(long tick) {
        long delay = Math.max(0, tick * resolutionMillis - now());
        scheduler.schedule(() -> fire(tick), delay, TimeUnit.MILLISECONDS);
    }

    private void fire(long wakeTick) {
        List<Runnable> due = new ArrayList<>();
        long next = Long.MAX_VALUE;
        boolean arm = false;
        synchronized (this) {
            if (armedTick == wakeTick) {
                armedTick = Long.MAX_VALUE;
            }
            long nowTick = Math.floorDiv(now(), resolutionMillis);
            while (!buckets.isEmpty() && buckets.firstKey() <= nowTick) {
                for (Entry e = buckets.pollFirstEntry().getValue(); e != null; ) {
                    Entry following = e.next;
                    e.prev = e.next = null;
                    e.bucketed = false;
                    size--;
                    due.add(e.task);
                    e = following;
                }
            }
            if (!buckets.isEmpty() && buckets.firstKey() < armedTick) {
                next = buckets.firstKey();
                armedTick = next;
                arm = true;
            }
        }
        if (arm) {
            armAt(next);
        }
        for (Runnable r : due) {
            try {
                r.run();
            } catch (Throwable t) {
                log.error("a timer task failed", t);
            }
        }
    }

    private synchronized void remove(Entry e) {
        unlink(e);
    }

    // guarded by this
    private void unlink(Entry e) {
        if (!e.bucketed) {
            return;
        }
        e.bucketed = false;
        size--;
        if (e.prev != null) {
            e.prev.next = e.next;
        } else if (e.next != null) {
            buckets.put(e.tick, e.next);
        } else {
            buckets.remove(e.tick);
        }
        if (e.next != null) {
            e.next.prev = e.prev;
        }
        e.prev = e.next = null;
    }

    /** An intrusive list node: a bucket is the chain of entries from the head kept in the map. */
    private static final class Entry implements Rearmable {
        final SharedTimer timer;
        final Runnable task;
        // guarded by timer
        long tick;
        @Nullable Entry prev;
        @Nullable Entry next;
        boolean bucketed;

        Entry(SharedTimer timer, Runnable task) {
            this.timer = timer;
            this.task = task;
        }

        @Override
        public void scheduleAt(long dueMillis) {
            timer.insert(this, dueMillis);
        }

        @Override
        public void dispose() {
            timer.remove(this);
        }

        @Override
        public boolean isDisposed() {
            synchronized (timer) {
                return !bucketed;
            }
        }
    }
}
