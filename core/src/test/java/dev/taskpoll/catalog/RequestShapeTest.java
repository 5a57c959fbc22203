package dev.taskpoll.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskpoll.TaskRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A request's shape: what besides the model changes how long a generation takes, read from its body. */
class RequestShapeTest {

    @Test
    void durationResolutionReferenceMediaAndAudioMakeTheShape() {
        assertThat(GenerationRequest.sora("openAiSora2Plus", "a fox").seconds(8).size("1280x720")
                .inputReference("https://x/a.png").build().shape()).isEqualTo("duration=8,resolution=1280x720,refs");
        assertThat(GenerationRequest.seedance20("seedance_2_0_pro", "a fox").duration(8).generateAudio(true).build()
                .shape()).isEqualTo("duration=8,audio");
        assertThat(GenerationRequest.veo("veo_3_1_fast", "a fox").resolution("1080p").build().shape())
                .isEqualTo("resolution=1080p");
        assertThat(GenerationRequest.seedance15("seedance_1_5_pro_1080p", "a fox").image("https://x/a.png", null)
                .build().shape()).isEqualTo("refs");
        assertThat(GenerationRequest.nanoBanana("nano-banana-2", "a fox").build().shape()).as("nothing set").isNull();
    }

    @Test
    void theGenericDialectsInputIsReadAndOddValuesAreKeptShortAndPrintable() {
        assertThat(GenerationRequest.shapeOf(Map.of("model", "m", "input", Map.of("duration", 5, "resolution",
                "720p")))).isEqualTo("duration=5,resolution=720p");
        assertThat(GenerationRequest.shapeOf(Map.of("resolution", "a very long value with spaces and / slashes!")))
                .isEqualTo("resolution=a_very_long_value_with_s");
        assertThat(GenerationRequest.shapeOf(Map.of("image_urls", List.of()))).as("no reference given").isNull();
    }

    @Test
    void aSubmittedTasksReferenceCarriesItsShape() {
        String shape = GenerationRequest.sora("openAiSora2Plus", "a fox").seconds(8).build().shape();
        TaskRef ref = TaskRef.of("t", Family.SORA, "openAiSora2Plus").withShape(shape);
        assertThat(ref.shape()).isEqualTo("duration=8");
        assertThat(ref.withPolicy(dev.taskpoll.PollPolicy.of(java.time.Duration.ofSeconds(5),
                java.time.Duration.ofMinutes(5))).withModel("openAiSora2Pro").shape()).isEqualTo("duration=8");
    }

    @Test
    void aShapeThatCouldNotBeAModelKeyIsRefusedNamingTheField() {
        TaskRef ref = TaskRef.of("t", Family.VEO, "veo_3_1_fast");
        assertThatThrownBy(() -> ref.withShape(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shape: ' ' must be 1 to 128 characters, not blank");
        assertThatThrownBy(() -> ref.withShape("duration=8\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shape: control character at index 10 is not allowed");
        assertThat(GenerationRequest.shapeOf(Map.of("duration", 1, "resolution", "r".repeat(500), "quality", "q"
                .repeat(500), "image_urls", List.of("u"), "generate_audio", true)).length())
                .as("at most 24 characters a value: always a valid shape").isLessThanOrEqualTo(TaskRef.MAX_MODEL_LENGTH);
    }
}
