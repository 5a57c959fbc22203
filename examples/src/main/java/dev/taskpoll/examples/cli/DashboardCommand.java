package dev.taskpoll.examples.cli;

import dev.taskpoll.examples.dashboard.DashboardApplication;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code taskpoll dashboard}: the Spring Boot WebFlux live dashboard, until interrupted. */
@Command(name = "dashboard", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = TaskpollCli.EXIT_USAGE,
        description = "Serve the live dashboard (Spring Boot WebFlux) against the embedded simulator, or a real API "
                + "with --base-url/--api-key (or OPC_BASE_URL/OPC_API_KEY). Ctrl-C stops it.")
final class DashboardCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port (0: any free one; default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--address", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String address;

    @Option(names = "--scale", defaultValue = "60",
            description = "The simulator's simulated seconds per real second (default: ${DEFAULT-VALUE}).")
    double scale;

    @Option(names = "--out", defaultValue = "taskpoll-out", description = "Where results are stored (default: ${DEFAULT-VALUE}).")
    String out;

    @Option(names = "--store", paramLabel = "FILE",
            description = "The task store, so that a restart shows earlier generations and tracks the unfinished "
                    + "ones again (default: <out>/dashboard.db; none for memory only).")
    String store;

    @Option(names = "--base-url", description = "A real API's base URL instead of the simulator.")
    String baseUrl;

    @Option(names = "--api-key", description = "The real API's key. Never printed.")
    String apiKey;

    @Override
    public Integer call() throws InterruptedException {
        CommandLine cl = spec.commandLine();
        if (port < 0 || port > 65_535) {
            throw new CommandLine.ParameterException(cl, "--port: " + port + " must be between 0 and 65535");
        }
        if (!(scale >= 1 && scale <= 10_000)) {
            throw new CommandLine.ParameterException(cl, "--scale: " + scale + " must be between 1 and 10000");
        }
        try { // an address that names no host is said as such (the port's probe blamed the port)
            java.net.InetAddress.getByName(address);
        } catch (java.net.UnknownHostException e) {
            throw new CommandLine.ParameterException(cl, "--address: '" + address + "' cannot be resolved; give an"
                    + " address of this machine, e.g. 127.0.0.1 or 0.0.0.0");
        }
        if (port != 0) { // one line for a port in use, before Spring Boot would report it in eighty
            try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(new java.net.InetSocketAddress(address, port));
            } catch (java.io.IOException e) {
                throw new CommandLine.ParameterException(cl, "--port: " + port + " on " + address + " is not free ("
                        + e.getMessage() + "); pick another, or --port 0 for any free one");
            }
        }
        String envBase = System.getenv("OPC_BASE_URL");
        if (apiKey != null && baseUrl == null && (envBase == null || envBase.isEmpty())) {
            // a key alone would run the embedded simulator (which has its own): the user thinks it generates for real
            throw new CommandLine.ParameterException(cl, "--api-key: given without --base-url (or OPC_BASE_URL);"
                    + " without one the dashboard runs on its embedded simulator, which takes no key: give --base-url"
                    + " " + dev.taskpoll.ClientOptions.DEFAULT_BASE_URL + " (or the API's) to use the key, or leave"
                    + " --api-key out");
        }
        if (baseUrl != null) { // one line naming the flag, before Spring Boot would report it in a hundred and fifty
            try {
                dev.taskpoll.ClientOptions.Builder b = dev.taskpoll.ClientOptions.builder().baseUrl(baseUrl);
                if (apiKey != null) {
                    b.apiKey(apiKey);
                }
                b.build(); // the key (else OPC_API_KEY) and the plain-http rule, as the dashboard's client checks them
            } catch (dev.taskpoll.InvalidOptionException e) {
                throw new CommandLine.ParameterException(cl, Connection.message(e));
            }
        }
        // the store: one line when another process tracks it (a second dashboard with the same --out), before Spring
        // Boot would fail in a hundred
        java.nio.file.Path storeFile = store == null ? java.nio.file.Path.of(out).resolve("dashboard.db")
                : "none".equals(store) ? null : java.nio.file.Path.of(store); // as the other commands and the starter
        if (storeFile != null) {
            try {
                dev.taskpoll.sqlite.SqliteStore.open(storeFile).close();
            } catch (dev.taskpoll.TaskStoreException e) {
                cl.getErr().println("taskpoll dashboard: " + e.getMessage() + (e.holder() != null
                        ? "; a dashboard or run there uses it: give this one another --out DIR or --store FILE" : ""));
                cl.getErr().flush();
                return 1;
            }
        }
        List<String> args = new ArrayList<>(List.of("--server.port=" + port, "--server.address=" + address,
                "--taskpoll.sim-scale=" + scale, "--taskpoll.out=" + out));
        if (store != null) {
            args.add("--taskpoll.store.path=" + store);
        }
        if (baseUrl != null) {
            args.add("--taskpoll.base-url=" + baseUrl);
        }
        if (apiKey != null) {
            args.add("--taskpoll.api-key=" + apiKey);
        }
        ConfigurableApplicationContext app = DashboardApplication.start(args.toArray(String[]::new));
        CountDownLatch closed = new CountDownLatch(1);
        app.addApplicationListener(e -> {
            if (e instanceof ContextClosedEvent) {
                closed.countDown();
            }
        });
        cl.getOut().printf("taskpoll dashboard at http://%s:%s/%n", address,
                app.getEnvironment().getProperty("local.server.port"));
        cl.getOut().flush();
        closed.await();
        return 0;
    }
}
