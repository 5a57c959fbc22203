package dev.taskpoll.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A real {@code redis-server} for tests (Debian's package): started on a free loopback port with AOF on
 * ({@code appendfsync everysec}) in a directory of the test's, stopped, killed ({@code SIGKILL}) or restarted on the
 * same port and data. No mock: cluster mode is tested against the server it runs on. A test JVM that exits without
 * {@link #close()} (a failed {@code @BeforeAll}, a timeout, Ctrl-C) takes its server down with it: a shutdown hook kills
 * it. (A JVM killed with SIGKILL runs no hook: its server stays.)
 *
 * <pre>{@code
 * String why = RedisServer.missing();   // null when redis-server is on the PATH
 * try (RedisServer redis = RedisServer.start(dir)) { ... redis.uri() ... }
 * }</pre>
 */
public final class RedisServer implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final @Nullable String password;
    private volatile @Nullable Process process;
    /** Kills the server if the JVM exits first; registered from the first start to {@link #close()}. */
    private @Nullable ExitHook reaper;

    private RedisServer(Path dir, int port, @Nullable String password) {
        this.dir = dir;
        this.port = port;
        this.password = password;
    }

    private void reap() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    /** Why Redis tests cannot run here ({@code redis-server} not on the PATH), or null when they can. */
    public static @Nullable String missing() {
        for (String d : String.valueOf(System.getenv("PATH")).split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, "redis-server"))) {
                return null;
            }
        }
        return "redis-server is not on the PATH (Debian: apt-get install redis-server); the Redis tests need a real"
                + " one";
    }

    /**
     * For a test: starts one in {@code dir} (a password when not null); without {@code redis-server} on the PATH,
     * skips the test with the reason (a JUnit assumption), except in CI (the {@code CI} variable set), where the Redis
     * tests must run and it fails instead.
     */
    public static RedisServer startOrSkip(Path dir, @Nullable String password) {
        String why = missing();
        if (why != null) {
            if (System.getenv("CI") != null) {
                throw new AssertionError(why + " (in CI the Redis tests must run: .ci/run installs it)");
            }
            org.junit.jupiter.api.Assumptions.abort(why);
        }
        return start(dir, password);
    }

    /** {@link #startOrSkip(Path, String)} without a password. */
    public static RedisServer startOrSkip(Path dir) {
        return startOrSkip(dir, null);
    }

    /** Starts one in {@code dir} (its AOF goes there) on a free port, without a password. */
    public static RedisServer start(Path dir) {
        return start(dir, null);
    }

    /** Starts one in {@code dir} on a free port, requiring {@code password} when not null. */
    public static RedisServer start(Path dir, @Nullable String password) {
        RedisServer r = new RedisServer(dir, freePort(), password);
        r.reaper = ExitHook.register("redis-server-reaper", r::reap);
        try {
            r.launch();
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
        return r;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() {
        try {
            Files.createDirectories(dir);
            List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir",
                    dir.toString(), "--daemonize", "no", "--loglevel", "warning"));
            if (password != null) {
                cmd.addAll(List.of("--requirepass", password));
            }
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-server", e);
        }
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < until) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited at start: " + log());
            }
            if (pong()) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("redis-server did not answer on port " + port + " within 20 s: " + log());
    }

    private boolean pong() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            String cmd = (password != null ? "AUTH " + password + "\r\n" : "") + "PING\r\n";
            s.getOutputStream().write(cmd.getBytes(StandardCharsets.UTF_8));
            s.setSoTimeout(500);
            byte[] buf = new byte[64];
            int n = s.getInputStream().read(buf);
            return n > 0 && new String(buf, 0, n, StandardCharsets.UTF_8).contains("PONG")
                    || n > 0 && password != null && readMore(s).contains("PONG");
        } catch (IOException e) {
            return false;
        }
    }

    private static String readMore(Socket s) throws IOException {
        byte[] buf = new byte[64];
        int n = s.getInputStream().read(buf);
        return n > 0 ? new String(buf, 0, n, StandardCharsets.UTF_8) : "";
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** {@code redis://[:password@]127.0.0.1:port}. */
    public String uri() {
        return password == null ? "redis://127.0.0.1:" + port : "redis://:" + password + "@127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The server's process id. */
    public long pid() {
        return process.pid();
    }

    /** SIGKILL: what AOF synced is kept (everysec: up to about a second may be lost). */
    public void kill() {
        process.destroyForcibly();
        waitFor();
    }

    /** Starts it again on the same port and directory (reloading its AOF). */
    public void restart() {
        if (process.isAlive()) {
            kill();
        }
        launch();
    }

    private void waitFor() {
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM (Redis then writes its AOF and exits), then SIGKILL if it is still there after 5 s. */
    @Override
    public void close() {
        if (reaper != null) {
            reaper.close();
        }
        Process process = this.process;
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
