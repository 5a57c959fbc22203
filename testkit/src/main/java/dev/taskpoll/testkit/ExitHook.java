package dev.taskpoll.testkit;

/**
 * An action run if the JVM exits before {@link #close()} (an exception past a test's cleanup, a timeout, Ctrl-C,
 * SIGTERM): what kills a child process a test or a benchmark started, so that it does not outlive the run. A JVM killed
 * with SIGKILL runs no hook.
 *
 * <pre>{@code
 * Process p = ...start();
 * try (ExitHook h = ExitHook.register("simulator-stop", p::destroyForcibly)) { ... }
 * }</pre>
 */
public final class ExitHook implements AutoCloseable {

    private final Thread hook;

    private ExitHook(Thread hook) {
        this.hook = hook;
    }

    /** Registers {@code action} to run at the JVM's exit, on a thread named {@code name}. */
    public static ExitHook register(String name, Runnable action) {
        Thread t = new Thread(action, name);
        Runtime.getRuntime().addShutdownHook(t);
        return new ExitHook(t);
    }

    /** Unregisters the action (it does not run). Idempotent; while the JVM is exiting, the action runs anyway. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException exiting) {
            // the JVM is exiting: the hook runs (or ran)
        }
    }
}
