package dev.taskpoll.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.examples.FamilyCatalog;
import dev.taskpoll.examples.FamilyNames;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code taskpoll families [FAMILY] [--model M] [--json]}: the families one can submit to, their models, default
 * poll policy, dialect, and the documented parameters with their rules (those {@code submit} checks before sending).
 * Reads nothing from the network.
 */
@Command(name = "families", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = TaskpollCli.EXIT_USAGE,
        description = "List the families, their models and their documented parameters and rules (what submit"
                + " checks before sending). Without FAMILY: every family, with its first model's parameters.")
final class FamiliesCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FAMILY", description = "One family (e.g. veo).")
    String familyName;

    @Option(names = "--model", description = "The parameters of this model (default: the family's first).")
    String model;

    @Option(names = "--json", description = "One JSON array: every family, every model's parameters.")
    boolean json;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        PrintWriter out = cl.getOut();
        if (json) {
            out.println(FamilyCatalog.json(new ObjectMapper()));
            out.flush();
            return 0;
        }
        if (familyName == null) {
            if (model != null) {
                throw new CommandLine.ParameterException(cl, "--model: needs a FAMILY (e.g. taskpoll families veo"
                        + " --model " + model + ")");
            }
            for (Map.Entry<String, Family> e : FamilyNames.generations().entrySet()) {
                print(out, e.getKey(), e.getValue(), e.getValue().models().get(0));
            }
            out.println("submit with: taskpoll submit FAMILY --model M --prompt P [--param field=value ...]");
        } else {
            Family family = SubmitCommand.family(cl, familyName);
            String m = model != null ? model : family.models().get(0);
            if (!family.supports(m)) {
                throw new CommandLine.ParameterException(cl, "--model: '" + m + "' is not one of "
                        + String.join(", ", family.models()));
            }
            print(out, FamilyNames.name(family), family, m);
        }
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, String name, Family f, String model) {
        out.printf("%s: %s results, dialect %s, polled every %ds, deadline %dm%n", name,
                f.resultKind().name().toLowerCase(java.util.Locale.ROOT),
                f.dialect().name().toLowerCase(java.util.Locale.ROOT), f.defaultPolicy().period().toSeconds(),
                f.defaultPolicy().deadline().toMinutes());
        out.println("  models: " + String.join(", ", f.models())
                + (f == Family.GENERIC_TASK ? " (examples: any model name is accepted)" : ""));
        out.println("  parameters of " + model + (f == Family.GENERIC_TASK ? " (fields of the request, --param"
                + " fields go into input):" : ":"));
        for (String line : FamilyCatalog.lines(f, model)) {
            out.println("    " + line);
        }
        out.println();
    }
}
