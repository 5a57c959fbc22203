package dev.taskpoll.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taskpoll.catalog.Family;
import dev.taskpoll.examples.FamilyNames;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code taskpoll families}: before it, the only way to learn a model's name was an error message. */
class FamiliesCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return TaskpollCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void listsEveryFamilyWithItsModelsPolicyAndParameters() {
        assertThat(run("families")).isZero();
        for (String name : FamilyNames.generations().keySet()) {
            assertThat(out.toString()).contains(name + ": ");
        }
        assertThat(out.toString()).contains("veo: video results, dialect opc, polled every 30s, deadline 30m")
                .contains("models: veo_3_1_fast, veo_3_1_pro")
                .contains("resolution       one of [720p, 1080p, 4K] (any case)");
    }

    @Test
    void oneFamilyForOneModelAndBadNamesAreUsageErrors() {
        assertThat(run("families", "videos", "--model", "videos_stable")).isZero();
        assertThat(out.toString()).contains("parameters of videos_stable:")
                .contains("duration         is required (an integer from 4 to 15)")
                .contains("prompt           is required (a non-empty string); at most 5000 characters");
        assertThat(run("families", "veo", "--model", "sora-2")).isEqualTo(64);
        assertThat(err.toString()).contains("--model: 'sora-2' is not one of veo_3_1_fast");
        assertThat(run("families", "midjourney")).isEqualTo(64);
        assertThat(err.toString()).contains("FAMILY: 'midjourney' is not one of sora, veo");
    }

    @Test
    void jsonHoldsEveryModelsParameters() throws Exception {
        assertThat(run("families", "--json")).isZero();
        JsonNode all = new ObjectMapper().readTree(out.toString());
        assertThat(all).hasSize(Family.values().length);
        for (JsonNode f : all) {
            for (JsonNode m : f.get("models")) {
                assertThat(f.get("parameters").get(m.asText())).as(f.get("name") + " " + m).isNotEmpty();
            }
        }
        JsonNode veo = all.get(1);
        assertThat(veo.get("name").asText()).isEqualTo("veo");
        assertThat(veo.get("period").asText()).isEqualTo("PT30S");
        JsonNode resolution = veo.get("parameters").get("veo_3_1_fast").get(1);
        assertThat(resolution.get("field").asText()).isEqualTo("resolution");
        assertThat(resolution.get("choices").toString()).isEqualTo("[\"720p\",\"1080p\",\"4K\"]");
    }
}
