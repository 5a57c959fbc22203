package dev.taskpoll.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.InvalidRequestException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The rules a request is checked against, described: what the families command and the dashboard's form show. */
class ParameterRulesTest {

    private static Map<String, ParameterRules> of(Family f, String model) {
        return f.parameters(model).stream().collect(Collectors.toMap(ParameterRules::field, p -> p));
    }

    @Test
    void eachFieldIsDescribedWithTheRulesItIsCheckedAgainst() {
        Map<String, ParameterRules> veo = of(Family.VEO, "veo_3_1_fast");
        assertThat(veo.get("prompt").required()).isTrue();
        assertThat(veo.get("resolution").rules()).containsExactly("one of [720p, 1080p, 4K] (any case)");
        assertThat(veo.get("resolution").choices()).containsExactly("720p", "1080p", "4K");
        assertThat(of(Family.VEO, "veo_3_1_pro_stable").get("resolution").choices()).as("4K only for fast and pro")
                .containsExactly("720p", "1080p");
        assertThat(veo.get("last_image").rules()).containsExactly("requires first_image");
        Map<String, ParameterRules> videos = of(Family.VIDEOS, "videos");
        assertThat(videos.get("duration").required()).isTrue();
        assertThat(videos.get("duration").rules()).contains("an integer from 4 to 15");
        assertThat(of(Family.SEEDANCE_1_5, "seedance_1_5_pro_720p").get("duration").rules())
                .containsExactly("an integer from 4 to 12, or -1 (the model picks)");
        assertThat(of(Family.SEEDANCE_2_0, "seedance_2_0").get("referenceVideos").required())
                .as("seedance_2_0 needs a reference video").isTrue();
        assertThat(of(Family.SEEDANCE_2_0, "seedance_2_0_pro").get("referenceVideos").required()).isFalse();
        assertThat(of(Family.SORA, "openAiSora2Plus").get("size").rules()).contains("not together with aspect_ratio");
        assertThat(Family.GENERIC_TASK.parameters("kling-v2")).extracting(ParameterRules::field)
                .containsExactly("input", "callback_url");
        assertThatThrownBy(() -> Family.VEO.parameters("sora-2")).hasMessageContaining("'sora-2' is not one of");
    }

    /** Every documented field of every model is described, and every value offered as a choice is accepted. */
    @Test
    void everyDocumentedFieldIsDescribedAndEveryChoiceOfferedPassesItsRule() {
        for (Family f : Family.values()) {
            for (String model : f.models()) {
                List<ParameterRules> ps = f.parameters(model);
                assertThat(ps).as("%s %s", f, model).isNotEmpty();
                for (ParameterRules p : ps) {
                    for (String choice : p.choices()) {
                        Object value = choice.matches("-?\\d+") ? (Object) Integer.valueOf(choice)
                                : choice.equals("true") || choice.equals("false") ? (Object) Boolean.valueOf(choice)
                                : choice;
                        try {
                            GenerationRequest.builder(f, model).prompt("x").param(p.field(), value).build();
                        } catch (InvalidRequestException e) {
                            // another rule may refuse a field sent alone (resolution requires ratio): not this value
                            assertThat(e.getMessage()).as("%s %s %s=%s", f, model, p.field(), choice)
                                    .doesNotContain("is not one of").doesNotContain("is only for")
                                    .doesNotContain("must be");
                        }
                    }
                }
            }
        }
    }
}
