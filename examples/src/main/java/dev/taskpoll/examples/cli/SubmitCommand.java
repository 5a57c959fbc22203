package dev.taskpoll.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.Submission;
import dev.taskpoll.SubmitRejectedException;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskStoreException;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TaskpollException;
import dev.taskpoll.TransportException;
import dev.taskpoll.capture.CaptureEvent;
import dev.taskpoll.capture.CaptureOptions;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.examples.FamilyNames;
import dev.taskpoll.spi.TaskStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;
import reactor.core.publisher.Flux;

/**
 * {@code taskpoll submit <family> --model M --prompt P [--param k=v ...] [--wait] [--download DIR]}: validates the
 * request (nothing is sent when it breaks a documented rule), submits it, prints the task id at once; with
 * {@code --wait} it then tracks the task as {@code watch} does; with {@code --download} it also stores the results.
 * The task is recorded in the task store ({@code --store}): without {@code --wait} it is tracked by whoever tracks the
 * store ({@code taskpoll run}); with it, by this process, unless a worker tracks the store already (then this process
 * follows the task in the store).
 */
@Command(name = "submit", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = TaskpollCli.EXIT_USAGE,
        description = "Submit one generation and print its task id; --wait tracks it like watch. Exit 0 submitted "
                + "(or, with --wait, completed), 2 failed or cancelled, 1 API or tracking error, 64 bad input.")
final class SubmitCommand implements Callable<Integer> {

    /** The longest a submit may take: its retries' waits (4 of at most 5 min) and each attempt's answer. */
    static final Duration SUBMIT_BOUND = Duration.ofMinutes(30);

    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    Connection connection;

    @Mixin
    StoreOption storeOption;

    @Parameters(index = "0", paramLabel = "FAMILY",
            description = "The model family: ${COMPLETION-CANDIDATES} (case and - or _ as you like).",
            completionCandidates = Names.class)
    String familyName;

    @Option(names = "--prompt", description = "The prompt.")
    String prompt;

    @Option(names = "--param", paramLabel = "KEY=VALUE",
            description = "A request field (repeatable); the value is JSON when it parses as JSON (5, true, [..]), "
                    + "else a string. For the task family, fields of its input object.")
    List<String> params = List.of();

    @Option(names = "--wait", description = "Track the task after submitting: one JSON line per status change.")
    boolean wait;

    @Option(names = "--download", paramLabel = "DIR",
            description = "Store the results in DIR/<task id>/ once completed (implies --wait). A download with no"
                    + " data for --timeout (at most 60 s, at least 1 s) is stalled and tried again from where it stopped: 5 attempts in"
                    + " all.")
    Path download;

    @Option(names = "--interval", description = "Poll period while waiting, e.g. 30s (default: the family's).")
    String interval;

    @Option(names = "--timeout", description = "Deadline while waiting, e.g. 30m (default: the family's).")
    String timeout;

    /** The families one can submit to, in their command-line spelling (for picocli's completion candidates). */
    static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return FamilyNames.generations().keySet().iterator();
        }
    }

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        Family family = family(cl, familyName);
        GenerationRequest request = request(cl, family);
        PollPolicy policy = family.defaultPolicy();
        if (interval != null) {
            policy = policy.withPeriod(Connection.interval(cl, interval));
            connection.intervalGiven = true;
        }
        if (timeout != null) {
            policy = policy.withDeadline(Connection.duration(cl, "--timeout", timeout));
        }
        boolean track = wait || download != null;
        StoreOption.downloadDirectory(cl, download);
        Map<String, String> env = System.getenv();
        connection.check(cl, env); // bad input leaves no store file behind, and sends nothing
        if (family == Family.GENERIC_TASK) {
            String base = connection.baseUrl(env);
            if (dev.taskpoll.ClientOptions.onGlobalAiOpc(base == null ? dev.taskpoll.ClientOptions.DEFAULT_BASE_URL
                    : base)) {
                // the library refuses it too (nothing sent); here as bad input, naming the flag
                throw new CommandLine.ParameterException(cl, "--base-url: '" + (base == null
                        ? dev.taskpoll.ClientOptions.DEFAULT_BASE_URL + "' (the default)" : base + "'")
                        + " is GlobalAI OPC's, and generic-task is ElkAPI's API (https://api.elkapi.com, with its own"
                        + " key): pass --base-url and --api-key for it");
            }
        }
        Path file = storeOption.path(env);
        TaskStore store;
        boolean observe = false;
        String key = connection.apiKey(env);
        try {
            if (!track) {
                // the task is tracked by whoever tracks the store (taskpoll run; in cluster mode, the shard's holder)
                store = storeOption.recording(env, cl, key);
            } else {
                try {
                    // this task only, recorded as it goes; in cluster mode, this instance joins the others
                    store = storeOption.tracking(env, cl, key, false);
                } catch (TaskStoreException held) {
                    if (held.holder() == null) {
                        throw held;
                    }
                    // a worker (taskpoll run) tracks the store: follow the task there instead of polling it twice
                    cl.getErr().println("taskpoll submit: task store " + file.toAbsolutePath().normalize()
                            + " is already tracked by another process (" + held.holder() + "); following the task in"
                            + " the store, as that process records it"
                            + (download != null ? " (its results are stored by that process, if it stores any, not"
                            + " in " + download + ")" : ""));
                    store = storeOption.recording(env, cl, key);
                    observe = true;
                }
            }
        } catch (TaskStoreException e) {
            cl.getErr().println("taskpoll submit: " + e.getMessage());
            return 1;
        }
        CaptureOptions capture = download == null || observe ? null : captureOptions(env, policy.deadline());
        // the policy is recorded with the task: whoever tracks it (this process, or taskpoll run) polls it so
        try (TaskpollClient client = connection.client(cl, env, store, capture, family, policy)) {
            Submission submission;
            try {
                // bounded by the submit's own retries (at most 5 attempts, a Retry-After honoured up to 5 min): a
                // shorter bound here gave up on a submit the API had answered 429 and left it listed in doubt
                submission = client.submit(request).block(SUBMIT_BOUND);
            } catch (IllegalStateException e) { // the bound passed: the submit was cancelled, and may have reached it
                cl.getErr().println("taskpoll submit: no answer from the API within " + SUBMIT_BOUND.toMinutes()
                        + " minutes; the submit may have reached it" + (store == TaskStore.none() ? ""
                        : ", so it is listed in doubt (taskpoll tasks --state in-doubt), not sent again"));
                return 1;
            } catch (TaskpollException e) {
                if (e instanceof dev.taskpoll.TaskStoreException && e.taskId() != null) {
                    // created (and billed) but not recorded: the id goes where scripts read it all the same
                    cl.getOut().println(e.taskId());
                    cl.getOut().flush();
                }
                String refused = TransportException.certificateProblem(e);
                // the library's advice names its own option to trust an authority; this command line has --ca-cert
                cl.getErr().println("taskpoll submit: " + (refused == null ? e.getMessage() : request.family()
                        + " submit not sent: the server's certificate is not trusted (" + refused + "); no task was"
                        + " created. Trust the server's certificate authority with --ca-cert FILE, or fix its"
                        + " certificate")
                        + (e instanceof SubmitRejectedException r && r.serverMessage() != null
                        ? " (the provider said: " + r.serverMessage() + ")" : ""));
                return 1;
            }
            cl.getOut().println(submission.taskId());
            cl.getOut().flush();
            if (!track) {
                // stdout is the id alone (for scripts); how to follow it goes to stderr
                cl.getErr().println("taskpoll submit: " + (store == TaskStore.none() ? "not recorded (--store none)"
                        : "recorded; taskpoll run tracks it") + "; to follow it: taskpoll watch "
                        + submission.taskId() + (family.dialect() == dev.taskpoll.catalog.Dialect.TASK
                        ? " --dialect task" : "") + " (get and watch read its dialect and model from the store)");
                cl.getErr().flush();
                return 0;
            }
            if (observe) {
                return StoreFollower.follow(cl, "submit", client, submission.taskId(), policy.deadline(),
                        download != null);
            }
            // SIGTERM while tracking: stop, commit the store, remove a partial download (the task stays open)
            boolean recorded = store != TaskStore.none();
            Thread hook = new Thread(() -> {
                client.close();
                cl.getErr().println("taskpoll submit: stopped; task '" + submission.taskId() + "' stays open"
                        + (recorded ? " in the task store (taskpoll run tracks it on)" : "")
                        + (capture == null ? "" : "; a download in progress was removed"));
                cl.getErr().flush();
            }, "taskpoll-submit-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                return track(cl, client, submission, policy, capture);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException stopping) {
                    // the JVM is stopping: the hook runs
                }
            }
        }
    }

    private static int track(CommandLine cl, TaskpollClient client, Submission submission, PollPolicy policy,
                             @Nullable CaptureOptions capture) {
        Flux<TaskStatus> statuses = client.track(submission.withPolicy(policy));
        // the client stores the results (and records them) before it emits the completed status: its capture
        // events come first, from the client's event feed
        Flux<?> events = capture == null ? statuses : Flux.merge(statuses, client.events()
                .filter(e -> e instanceof CaptureEvent && e.taskId().equals(submission.taskId()))
                .takeUntilOther(statuses.then()));
        // the deadline bounds tracking; a capture after it is bounded by its own limits: each file by its download
        // timeout (1 h), 4 files at once (twice that covers a task of up to 8 results)
        Duration bound = capture == null ? policy.deadline() : policy.deadline().plus(capture.downloadTimeout()
                .multipliedBy(2)).plusSeconds(10);
        List<String> ids = List.of(submission.taskId());
        return WatchCommand.follow(cl, "submit", ids, List.of(events), WatchCommand.retries(client, ids), bound);
    }

    /**
     * Plain http to a result host only when the API itself was given as plain http on loopback (a local server). A
     * download is stalled when no byte came for the task's deadline ({@code --timeout}), or 60 s when that is longer:
     * a short {@code --timeout} also bounds the wait for a stalled result host.
     */
    private CaptureOptions captureOptions(Map<String, String> env, Duration deadline) {
        CaptureOptions.Builder b = CaptureOptions.builder(download).allowPlainHttpOnLoopback(
                connection.plainLoopback(env));
        if (deadline.compareTo(STALL) < 0) {
            b.readTimeout(deadline.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : deadline);
        }
        return b.build();
    }

    private static final Duration STALL = Duration.ofSeconds(60);

    /** The family {@code name} names, else bad input naming the choices. */
    static Family family(CommandLine cl, String name) {
        return FamilyNames.parse(name).orElseThrow(() -> new CommandLine.ParameterException(cl, "FAMILY: '"
                + name + "' is not one of " + String.join(", ", FamilyNames.generations().keySet())));
    }

    private GenerationRequest request(CommandLine cl, Family family) {
        if (connection.model == null) {
            throw new CommandLine.ParameterException(cl, "--model: required; " + FamilyNames.name(family)
                    + " models: " + String.join(", ", family.models()));
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        for (String p : params) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new CommandLine.ParameterException(cl, "--param: '" + p + "' is not KEY=VALUE");
            }
            fields.put(p.substring(0, eq), value(p.substring(eq + 1)));
        }
        try {
            GenerationRequest.Builder b;
            if (family == Family.GENERIC_TASK) {
                Map<String, Object> input = new LinkedHashMap<>();
                if (prompt != null) {
                    input.put("prompt", prompt);
                }
                input.putAll(fields);
                b = GenerationRequest.task(connection.model, input);
            } else {
                b = GenerationRequest.builder(family, connection.model);
                if (prompt != null) {
                    b.prompt(prompt);
                }
                fields.forEach(b::param);
            }
            GenerationRequest request = b.build();
            FamilyNames.undocumented(request, "taskpoll submit: --param ").forEach(cl.getErr()::println);
            return request;
        } catch (IllegalArgumentException | dev.taskpoll.InvalidRequestException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }

    /** A JSON value when the text parses as one ({@code 5}, {@code true}, {@code [1,2]}), else the text. */
    static @Nullable Object value(String text) {
        try {
            return JSON.readValue(text, Object.class); // null for "null": sent as JSON null, as the README says
        } catch (JsonProcessingException e) {
            return text;
        }
    }
}
