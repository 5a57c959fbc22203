package dev.taskpoll.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskpoll.StoredFile;
import dev.taskpoll.TaskRecord;
import dev.taskpoll.TaskStoreException;
import dev.taskpoll.spi.TaskStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code taskpoll tasks [--store FILE] [--json] [--state open|ended|in-doubt]}: lists the tasks the store records,
 * newest first. Reads only: it works while another process tracks the store.
 */
@Command(name = "tasks", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = TaskpollCli.EXIT_USAGE,
        description = "List the tasks the task store records, newest first (open, ended, or in doubt: a submit sent "
                + "whose answer never came). Exit 0, 1 when the store cannot be read, 64 bad input.")
final class TasksCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    StoreOption storeOption;

    @Option(names = "--api-key", description = "Cluster mode (--redis): the API key whose tasks to list (default:"
            + " $OPC_API_KEY); its fingerprint names them in Redis. Never printed.")
    String apiKey;

    @Option(names = "--json", description = "One JSON object per line: id, family, model, state, submittedAt, endedAt, "
            + "urls, error, files (path, size, sha256).")
    boolean json;

    @Option(names = "--state", paramLabel = "STATE", description = "open, ended or in-doubt (default: all).")
    String state;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        TaskRecord.Phase phase = phase(cl);
        Map<String, String> env = System.getenv();
        String key = apiKey != null ? apiKey : env.get("OPC_API_KEY");
        if (storeOption.redisUri(env) != null) {
            return list(cl, () -> storeOption.recording(env, cl, key), phase, storeOption.describe(env, cl, key));
        }
        Path file = storeOption.path(env);
        if (file == null) {
            throw new CommandLine.ParameterException(cl, "--store: none records nothing, so there is nothing to list;"
                    + " give a store file");
        }
        if (!java.nio.file.Files.exists(file)) {
            cl.getErr().println("taskpoll tasks: no task store at " + file + " (nothing submitted there yet; --store"
                    + " names another)");
            return 1;
        }
        return list(cl, () -> storeOption.recording(env, cl, key), phase, file.toString()); // (a directory: bad input)
    }

    private int list(CommandLine cl, java.util.function.Supplier<TaskStore> opener, TaskRecord.Phase phase,
                     String where) {
        List<TaskRecord> records;
        try (TaskStore store = opener.get()) {
            records = store.tasks(phase).collectList().block(Duration.ofMinutes(1));
        } catch (TaskStoreException e) {
            cl.getErr().println("taskpoll tasks: " + e.getMessage());
            return 1;
        }
        PrintWriter out = cl.getOut();
        for (TaskRecord r : records) {
            out.println(json ? json(r) : line(r));
        }
        if (!json) {
            cl.getErr().printf("%d task%s in %s%n", records.size(), records.size() == 1 ? "" : "s", where);
        }
        out.flush();
        return 0;
    }

    private TaskRecord.Phase phase(CommandLine cl) {
        if (state == null) {
            return null;
        }
        switch (state.toLowerCase(Locale.ROOT)) {
            case "open":
                return TaskRecord.Phase.OPEN;
            case "ended":
                return TaskRecord.Phase.ENDED;
            case "in-doubt":
            case "in_doubt":
                return TaskRecord.Phase.IN_DOUBT;
            default:
                throw new CommandLine.ParameterException(cl, "--state: '" + state
                        + "' is not one of open, ended, in-doubt");
        }
    }

    /** One task as a JSON object (the fields {@code --json} documents, and the intent's for a task in doubt). */
    static String json(TaskRecord r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", r.id());
        n.put("family", r.kind().name());
        n.put("model", r.model());
        n.put("state", r.state());
        n.put("submittedAt", r.submittedAt().toString());
        n.put("endedAt", r.endedAt() == null ? null : r.endedAt().toString());
        ArrayNode urls = n.putArray("urls");
        if (r.last() != null) {
            r.last().resultUrls().forEach(urls::add);
        }
        n.put("error", r.error() != null ? r.error() : r.last() != null ? r.last().error() : null);
        ArrayNode files = n.putArray("files");
        for (StoredFile f : r.files()) {
            files.addObject().put("path", f.path()).put("size", f.size()).put("sha256", f.sha256());
        }
        if (r.phase() == TaskRecord.Phase.IN_DOUBT) {
            n.put("intent", r.intentId());
            n.put("request", r.request());
        }
        return n.toString();
    }

    /**
     * One task as a line: id, family, model, state (its last status's), phase ({@code open}, {@code ended},
     * {@code in-doubt}: a task that timed out shows its last status, {@code PROCESSING}, and {@code ended}), when it
     * was submitted, its files, and the error that ended it, if one did.
     */
    static String line(TaskRecord r) {
        String id = r.id() != null ? r.id() : "(intent " + r.intentId() + ")";
        String error = r.error() != null ? r.error() : r.last() != null ? r.last().error() : null;
        return String.format(Locale.ROOT, "%-40s %-13s %-24s %-10s %-8s %s%s%s", id, r.kind().name(),
                r.model() == null ? "-" : r.model(), r.state(), r.phase().name().toLowerCase(Locale.ROOT)
                        .replace('_', '-'), r.submittedAt(),
                r.files().isEmpty() ? "" : "  " + r.files().size() + " file" + (r.files().size() == 1 ? "" : "s"),
                error == null ? "" : "  error: " + error);
    }
}
