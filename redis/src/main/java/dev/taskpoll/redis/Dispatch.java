package dev.taskpoll.redis;

import io.lettuce.core.api.reactive.RedisReactiveCommands;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Every Redis command of a store sent from one dedicated thread, never from the thread that subscribes.
 *
 * <p>Why: Lettuce guards its connection's write path with a lock ({@code SharedLock}: every write takes a
 * {@code ReentrantLock}; reconnects and closes take it exclusively). Two event loops of the engine writing at once, or
 * one writing while Lettuce reconnects, park on it: a blocking call on an event loop (BlockHound caught it, and a
 * {@code BlockingOperationError} thrown inside that lock left it held, wedging the connection). Commands subscribed
 * on this thread instead contend only with Lettuce's own threads; answers still arrive on Lettuce's event loop. The
 * cost is one hand-off per command (a task on a single-thread {@code ScheduledThreadPoolExecutor}).
 */
final class Dispatch implements AutoCloseable {

    private final ExecutorService thread;
    private final Scheduler scheduler;
    private final RedisReactiveCommands<String, String> commands;

    @SuppressWarnings("unchecked")
    Dispatch(RedisReactiveCommands<String, String> direct, String name) {
        // a scheduled executor: its queue's offer takes a lock only for a few field writes (Reactor's BlockHound
        // integration allows it, as it does for its own schedulers); a plain executor's queue would park the caller
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "taskpoll-redis-" + name);
            t.setDaemon(true);
            return t;
        });
        this.scheduler = Schedulers.fromExecutorService(thread, "taskpoll-redis-" + name);
        InvocationHandler h = (proxy, method, args) -> {
            Object out;
            try {
                out = method.invoke(direct, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (out instanceof Mono<?> m) {
                return m.subscribeOn(scheduler);
            }
            if (out instanceof Flux<?> f) {
                return f.subscribeOn(scheduler);
            }
            return out;
        };
        this.commands = (RedisReactiveCommands<String, String>) Proxy.newProxyInstance(
                RedisReactiveCommands.class.getClassLoader(), new Class<?>[] {RedisReactiveCommands.class}, h);
    }

    /** The commands, each sent from the dispatch thread when subscribed. */
    RedisReactiveCommands<String, String> commands() {
        return commands;
    }

    @Override
    public void close() {
        scheduler.dispose();
    }
}
