package dev.taskpoll.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskpoll.PollPolicy;
import dev.taskpoll.Submission;
import dev.taskpoll.TaskStatus;
import dev.taskpoll.TaskpollClient;
import dev.taskpoll.TaskpollException;
import dev.taskpoll.capture.CaptureOptions;
import dev.taskpoll.capture.ResultCapture;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.catalog.GenerationRequest;
import dev.taskpoll.examples.FamilyNames;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
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
 */
@Command(name = "submit", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = TaskpollCli.EXIT_USAGE,
        description = "Submit one generation and print its task id; --wait tracks it like watch. Exit 0 submitted "
                + "(or, with --wait, completed), 2 failed or cancelled, 1 API or tracking error, 64 bad input.")
final class SubmitCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    Connection connection;

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
            description = "Store the results in DIR/<task id>/ once completed (implies --wait).")
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
        Family family = family(cl);
        GenerationRequest request = request(cl, family);
        PollPolicy policy = family.defaultPolicy();
        if (interval != null) {
            policy = policy.withPeriod(Connection.duration(cl, "--interval", interval));
        }
        if (timeout != null) {
            policy = policy.withDeadline(Connection.duration(cl, "--timeout", timeout));
        }
        boolean track = wait || download != null;
        try (TaskpollClient client = connection.client(cl, System.getenv());
             ResultCapture capture = download == null ? null : ResultCapture.create(client, captureOptions(client))) {
            Submission submission;
            try {
                submission = client.submit(request).block(Duration.ofMinutes(2));
            } catch (TaskpollException e) {
                cl.getErr().println("taskpoll submit: " + e.getMessage());
                return 1;
            }
            cl.getOut().println(submission.taskId());
            cl.getOut().flush();
            if (!track) {
                return 0;
            }
            Flux<TaskStatus> statuses = client.track(submission.withPolicy(policy));
            // capture events go to follow(), which prints them (on this thread) before the completed status
            Flux<?> events = capture == null ? statuses : capture.attach(statuses);
            return WatchCommand.follow(cl, "submit", List.of(events), policy.deadline());
        }
    }

    /** Plain http to a result host only when the API itself was given as plain http on loopback (a local server). */
    private CaptureOptions captureOptions(TaskpollClient client) {
        URI base = URI.create(client.options().baseUrl());
        boolean local = base.getScheme().equalsIgnoreCase("http");
        return CaptureOptions.builder(download).allowPlainHttpOnLoopback(local).build();
    }

    private Family family(CommandLine cl) {
        return FamilyNames.parse(familyName).orElseThrow(() -> new CommandLine.ParameterException(cl, "FAMILY: '"
                + familyName + "' is not one of " + String.join(", ", FamilyNames.generations().keySet())));
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
            return b.build();
        } catch (IllegalArgumentException | dev.taskpoll.InvalidRequestException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }

    /** A JSON value when the text parses as one ({@code 5}, {@code true}, {@code [1,2]}), else the text. */
    static Object value(String text) {
        try {
            Object v = JSON.readValue(text, Object.class);
            return v == null ? text : v;
        } catch (JsonProcessingException e) {
            return text;
        }
    }
}
