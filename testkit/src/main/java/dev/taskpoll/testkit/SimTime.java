package dev.taskpoll.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Simulated time that runs {@code scale} times faster than real time, shared by the simulator and the client under
 * test so that both agree on what "30 s" and "now" mean. {@code SimTime.accelerated(1000)} makes a simulated minute
 * last 60 real milliseconds.
 *
 * <pre>{@code
 * SimTime time = SimTime.accelerated(1000);
 * TrackerOptions options = TrackerOptions.builder().scheduler(time.scheduler()).build();   // the client's timers
 * Simulator sim = Simulator.builder().time(time).build().start();                          // the server's clock
 * }</pre>
 *
 * <p>Simulated time starts at the real wall-clock time of creation. The {@link #scheduler()} divides every delay by
 * the scale and reports simulated time from {@code now()}; the {@link #clock()} reads the same time.
 */
public final class SimTime {

    private final double scale;
    private final long epochMillis;
    private final long startNanos;
    private final LongSupplier realNanos;
    private final Scheduler scheduler;
    private final boolean following;

    private SimTime(double scale, Scheduler delegate, long epochMillis, LongSupplier realNanos) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale: " + scale + " must be a positive finite number");
        }
        this.scale = scale;
        this.epochMillis = epochMillis;
        this.realNanos = realNanos;
        this.startNanos = realNanos.getAsLong();
        this.scheduler = scale == 1.0 ? delegate : new ScaledScheduler(delegate);
        this.following = false;
    }

    private SimTime(Scheduler scheduler) {
        this.scale = 1.0;
        this.epochMillis = 0;
        this.startNanos = 0;
        this.realNanos = () -> 0;
        this.scheduler = scheduler;
        this.following = true;
    }

    /**
     * Time that is whatever {@code scheduler.now()} says, with no scaling: give it a
     * {@code reactor.test.scheduler.VirtualTimeScheduler} and both the simulator and the client run on virtual
     * time that the test advances.
     */
    public static SimTime following(Scheduler scheduler) {
        return new SimTime(java.util.Objects.requireNonNull(scheduler, "scheduler"));
    }

    /** Real time: scale 1, on {@link Schedulers#parallel()}. */
    public static SimTime realTime() {
        return accelerated(1.0, Schedulers.parallel());
    }

    /** Time {@code scale} times faster than real, timers on {@link Schedulers#parallel()}. */
    public static SimTime accelerated(double scale) {
        return accelerated(scale, Schedulers.parallel());
    }

    /** Time {@code scale} times faster than real, timers on {@code delegate}. */
    public static SimTime accelerated(double scale, Scheduler delegate) {
        return new SimTime(scale, delegate, System.currentTimeMillis(), System::nanoTime);
    }

    /**
     * Time {@code scale} times faster than {@code delegate}'s own time, which is its real time: for testing the
     * scaling itself on a virtual-time scheduler, where "real" time is virtual too.
     */
    static SimTime scaling(double scale, Scheduler delegate) {
        return new SimTime(scale, delegate, delegate.now(TimeUnit.MILLISECONDS),
                () -> delegate.now(TimeUnit.NANOSECONDS));
    }

    /** How many simulated milliseconds pass per real millisecond. */
    public double scale() {
        return scale;
    }

    /** Simulated epoch milliseconds. */
    public long nowMillis() {
        if (following) {
            return scheduler.now(TimeUnit.MILLISECONDS);
        }
        return epochMillis + (long) ((realNanos.getAsLong() - startNanos) * scale / 1_000_000.0);
    }

    public Instant now() {
        return Instant.ofEpochMilli(nowMillis());
    }

    /** The real duration that a simulated duration takes. */
    public Duration toReal(Duration simulated) {
        return Duration.ofNanos((long) Math.ceil(simulated.toNanos() / scale));
    }

    /**
     * The simulated duration that passes in a real one: what to give a bound kept on this time (a tracker on its
     * scheduler) so that it means {@code real} of wall-clock time. The inverse of {@link #toReal(Duration)}, rounded up;
     * saturates at {@code Long.MAX_VALUE} nanoseconds.
     */
    public Duration toSimulated(Duration real) {
        double nanos = Math.ceil((real.getSeconds() * 1e9 + real.getNano()) * scale);
        return nanos >= Long.MAX_VALUE ? Duration.ofNanos(Long.MAX_VALUE) : Duration.ofNanos((long) nanos);
    }

    /** A clock of simulated time (UTC). */
    public Clock clock() {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                throw new UnsupportedOperationException("simulated clocks are UTC only");
            }

            @Override
            public long millis() {
                return nowMillis();
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(nowMillis());
            }
        };
    }

    /** A scheduler whose delays are simulated durations and whose {@code now()} is simulated time. */
    public Scheduler scheduler() {
        return scheduler;
    }

    private long realNanos(long delay, TimeUnit unit) {
        return (long) Math.ceil(unit.toNanos(delay) / scale);
    }

    private final class ScaledScheduler implements Scheduler {
        private final Scheduler delegate;

        ScaledScheduler(Scheduler delegate) {
            this.delegate = delegate;
        }

        @Override
        public Disposable schedule(Runnable task) {
            return delegate.schedule(task);
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            return delegate.schedule(task, realNanos(delay, unit), TimeUnit.NANOSECONDS);
        }

        @Override
        public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
            return delegate.schedulePeriodically(task, realNanos(initialDelay, unit), Math.max(1, realNanos(period, unit)),
                    TimeUnit.NANOSECONDS);
        }

        @Override
        public long now(TimeUnit unit) {
            return unit.convert(nowMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public Worker createWorker() {
            Worker w = delegate.createWorker();
            return new Worker() {
                @Override
                public Disposable schedule(Runnable task) {
                    return w.schedule(task);
                }

                @Override
                public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
                    return w.schedule(task, realNanos(delay, unit), TimeUnit.NANOSECONDS);
                }

                @Override
                public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
                    return w.schedulePeriodically(task, realNanos(initialDelay, unit),
                            Math.max(1, realNanos(period, unit)), TimeUnit.NANOSECONDS);
                }

                @Override
                public void dispose() {
                    w.dispose();
                }

                @Override
                public boolean isDisposed() {
                    return w.isDisposed();
                }
            };
        }

        @Override
        public void dispose() {
            // the delegate belongs to whoever passed it in
        }

        @Override
        public void init() {
            delegate.init();
        }
    }
}
