package dev.taskpoll.examples.cli;

import dev.taskpoll.ClientOptions;
import dev.taskpoll.FleetOptions;
import dev.taskpoll.InvalidOptionException;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskRef;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TrackerOptions;
import dev.taskpoll.capture.CaptureOptions;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.spi.TaskStore;
import dev.taskpoll.testkit.DurationText;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The options every command that talks to a real API shares: where, which key, which dialect and family. */
final class Connection {

    @Option(names = "--base-url", description = "The API base URL (default: $OPC_BASE_URL, else the documented one).")
    String baseUrl;

    @Option(names = "--api-key", description = "The API key (default: $OPC_API_KEY). Never printed.")
    String apiKey;

    @Option(names = "--ca-cert", paramLabel = "FILE", description = "PEM file of the certificate authorities to"
            + " trust for https, instead of the JDK's (an API behind a private authority; the simulator's"
            + " --ca-cert-out). Verification is never turned off.")
    java.nio.file.Path caCert;

    @Option(names = "--dialect",
            description = "opc (GET /v1/result/{id}) or task (GET /v1/task/{id}); default: the dialect the task "
                    + "store recorded for the id (get, watch), else opc.")
    String dialect;

    @Option(names = "--model", description = "The model: submit requires it; get and watch use it to pick the"
            + " family's poll policy when the task store has no record of the task (default: 30 s, 30 min).")
    String model;

    @Option(names = "--cadence", paramLabel = "learned|fixed",
            description = "When to poll: learned (the default: where each model's tasks are learned to complete, "
                    + "starting from the docs' ranges; run and submit keep what they learn in the task store) or "
                    + "fixed (the family's period, or --interval; the default when --interval is given).")
    String cadence;

    /** Set by a command given --interval: without --cadence, its tasks poll on that fixed grid. */
    boolean intervalGiven;

    /** Sets on {@code t} the cadence --cadence names, or the default: learned, or fixed when --interval was given. */
    void cadence(CommandLine cl, TrackerOptions.Builder t) {
        try {
            t.cadence(cadence != null ? cadence : intervalGiven ? "fixed" : "learned");
        } catch (InvalidOptionException e) {
            throw new CommandLine.ParameterException(cl, message(e));
        }
    }

    Family family(CommandLine cl) {
        switch (dialect == null ? "opc" : dialect.toLowerCase(Locale.ROOT)) {
            case "task":
                return Family.GENERIC_TASK;
            case "opc":
                if (model == null) {
                    return Family.VEO;
                }
                return Family.ofModel(model).orElseThrow(() -> new CommandLine.ParameterException(cl,
                        "--model: '" + model + "' is not a documented GlobalAI OPC model"));
            default:
                throw new CommandLine.ParameterException(cl, "--dialect: '" + dialect + "' is not one of opc, task");
        }
    }

    TaskRef ref(CommandLine cl, String id, PollPolicy policy) {
        try {
            return TaskRef.of(id, family(cl)).withPolicy(policy);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "task " + e.getMessage());
        }
    }

    /**
     * The task {@code id}: its kind and model as the task store recorded them ({@code known}) when neither
     * {@code --dialect} nor {@code --model} was given, else as those say; polled with {@code policy} applied to its
     * kind's default (see {@link #policy}).
     */
    TaskRef ref(CommandLine cl, String id, @Nullable TaskRecord known, java.util.function.UnaryOperator<PollPolicy>
            policy) {
        if (known != null && dialect == null && model == null) {
            return TaskRef.of(id, known.kind(), known.model()).withPolicy(policy.apply(known.kind().defaultPolicy()));
        }
        return ref(cl, id, policy.apply(family(cl).defaultPolicy()));
    }

    /**
     * Whether result hosts may be plain http: only when the API itself was given as plain http (which the client
     * allows on loopback only: a local simulator).
     */
    boolean plainLoopback(Map<String, String> env) {
        String base = baseUrl(env);
        return base != null && base.toLowerCase(Locale.ROOT).startsWith("http://");
    }

    /** The base URL these options name (--base-url, else OPC_BASE_URL), or null: the library's default. */
    @Nullable String baseUrl(Map<String, String> env) {
        return baseUrl != null ? baseUrl : env.get("OPC_BASE_URL");
    }

    /** The API key these options name (--api-key, else OPC_API_KEY), or null. */
    @Nullable String apiKey(Map<String, String> env) {
        return apiKey != null ? apiKey : env.get("OPC_API_KEY");
    }

    TaskpollClient client(CommandLine cl, Map<String, String> env) {
        return client(cl, env, TaskStore.none(), null);
    }

    /**
     * A client of the API these options name, recording in {@code store} (the client closes it) and storing results
     * with {@code capture} when not null.
     */
    TaskpollClient client(CommandLine cl, Map<String, String> env, TaskStore store, @Nullable CaptureOptions capture) {
        return client(cl, env, store, capture, null, null);
    }

    /**
     * Checks what {@link #client} would refuse (the key, the base URL, the cadence, {@code --ca-cert}) without making a
     * client: a command calls it before it opens a store, so that bad input leaves no file behind.
     */
    void check(CommandLine cl, Map<String, String> env) {
        options(cl, env, TaskStore.none(), null, null, null);
    }

    /** As above, tracking {@code family}'s tasks with {@code policy} (what a submit records) when both are given. */
    TaskpollClient client(CommandLine cl, Map<String, String> env, TaskStore store, @Nullable CaptureOptions capture,
                          @Nullable Family family, @Nullable PollPolicy policy) {
        return TaskpollClient.create(options(cl, env, store, capture, family, policy));
    }

    private ClientOptions options(CommandLine cl, Map<String, String> env, TaskStore store,
                                  @Nullable CaptureOptions capture, @Nullable Family family,
                                  @Nullable PollPolicy policy) {
        ClientOptions.Builder b = ClientOptions.builder();
        String url = baseUrl(env);
        String key = apiKey(env);
        try {
            if (url != null) {
                b.baseUrl(url);
            }
            if (key == null || key.isBlank()) {
                throw new CommandLine.ParameterException(cl, "--api-key: not set; pass --api-key or set OPC_API_KEY");
            }
            TrackerOptions.Builder t = TrackerOptions.builder().fleet(FleetOptions.disabled()).store(store);
            cadence(cl, t);
            if (family != null && policy != null) {
                t.policy(family, policy);
            }
            b.apiKey(key).trackerOptions(t.build());
            if (caCert != null) {
                b.trustedCertificates(certificates(cl, caCert));
            }
            if (capture != null) {
                b.capture(capture);
            }
            return b.build();
        } catch (CommandLine.ParameterException e) {
            store.close();
            throw e;
        } catch (InvalidOptionException e) {
            store.close();
            throw new CommandLine.ParameterException(cl, message(e));
        } catch (IllegalArgumentException e) {
            store.close();
            throw new CommandLine.ParameterException(cl, String.valueOf(e.getMessage()));
        }
    }

    /** The X.509 certificates of a PEM (or DER) file; an unreadable or empty one is refused, naming --ca-cert. */
    static java.util.List<java.security.cert.X509Certificate> certificates(CommandLine cl, java.nio.file.Path file) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            java.util.List<java.security.cert.X509Certificate> certs = new java.util.ArrayList<>();
            for (java.security.cert.Certificate c : java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificates(in)) {
                certs.add((java.security.cert.X509Certificate) c);
            }
            if (certs.isEmpty()) {
                throw new CommandLine.ParameterException(cl, "--ca-cert: '" + file + "' holds no certificate");
            }
            return certs;
        } catch (java.io.IOException e) {
            throw new CommandLine.ParameterException(cl, "--ca-cert: '" + file + "' cannot be read ("
                    + e.getClass().getSimpleName() + ")");
        } catch (java.security.cert.CertificateException e) {
            throw new CommandLine.ParameterException(cl, "--ca-cert: '" + file + "' is not a PEM or DER X.509"
                    + " certificate (" + e.getMessage() + ")");
        }
    }

    /**
     * A refused option as this command line names it: the library's option becomes its flag, and a remedy that names
     * a library method becomes this command line's (it has no allowPlainHttp).
     */
    static String message(InvalidOptionException e) {
        String flag = switch (e.option()) {
            case "baseUrl" -> "--base-url";
            case "apiKey" -> "--api-key";
            case "cadence" -> "--cadence";
            case "trustedCertificates" -> "--ca-cert";
            case "redis.uri" -> "--redis";
            case "redis.lease" -> "--lease";
            default -> e.option();
        };
        String remedy = switch (String.valueOf(e.remedyOption())) {
            case "allowPlainHttp" -> "use https (plain http is for loopback hosts only)";
            case "apiKey" -> "the API key goes in --api-key or OPC_API_KEY";
            default -> e.remedy();
        };
        return e.message(flag, remedy);
    }

    /** {@code --interval}: a poll period, at least 1 ms (what {@code PollPolicy} takes). */
    static Duration interval(CommandLine cl, String text) {
        Duration d = duration(cl, "--interval", text);
        if (d.toMillis() < 1) {
            throw new CommandLine.ParameterException(cl, "--interval: '" + text + "' must be at least 1 ms");
        }
        return d;
    }

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or ISO-8601 ({@code PT30S}): see {@link DurationText}. */
    static Duration duration(CommandLine cl, String option, String text) {
        try {
            return DurationText.parse(option, text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }
}
