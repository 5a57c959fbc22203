package dev.taskpoll.catalog;

import dev.taskpoll.PollPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The catalogue of model families: for each, the dialect, the create path, the create-response shape, the default
 * poll policy and deadline, whether {@code cancelled} can occur, the result kind and how long result URLs live.
 * Facts from the GlobalAI OPC documentation (section 7 of the API fact sheet); the tracker and the client both read
 * them from here. The asset libraries are not families: see {@link AssetLibrary}.
 *
 * <p>Default poll periods: 30 s for video, 20 s for Seedance 2.0, 3 s for images, 5 s for the generic task dialect.
 * Default deadlines: 30 min for video and the generic dialect, 5 min for images. Override them per tracker with
 * {@link dev.taskpoll.TrackerOptions.Builder#policy(TaskKind, PollPolicy)} or per task with {@link dev.taskpoll.TaskRef#withPolicy(PollPolicy)}.
 */
public enum Family implements TaskKind {
    /** Sora videos: {@code POST /v1/sora/videos}. */
    SORA(Dialect.OPC, "/v1/sora/videos", CreateShape.TASK_OBJECT, ResultKind.VIDEO, false, 30,
            "openAiSora2Plus", "openAiSora2Pro"),
    /** VEO videos: {@code POST /v1/veo/videos}. */
    VEO(Dialect.OPC, "/v1/veo/videos", CreateShape.TASK_OBJECT, ResultKind.VIDEO, false, 30,
            "veo_3_1_fast", "veo_3_1_pro", "veo_3_1_pro_stable", "veo_3_1_fast_stable"),
    /** Seedance 1.5 videos: {@code POST /v1/seedance/videos}; the one family whose tasks can be {@code cancelled}. */
    SEEDANCE_1_5(Dialect.OPC, "/v1/seedance/videos", CreateShape.TASK_OBJECT, ResultKind.VIDEO, true, 30,
            "seedance_1_5_pro_720p", "seedance_1_5_pro_480p", "seedance_1_5_pro_1080p"),
    /** Seedance 2.0 videos: {@code POST /v1/kyyvideo2/videos}. */
    SEEDANCE_2_0(Dialect.OPC, "/v1/kyyvideo2/videos", CreateShape.TASK_OBJECT, ResultKind.VIDEO, false, 20,
            "seedance_2_0_pro", "seedance_2_0_fast_pro", "seedance_2_0", "seedance_2_0_fast"),
    /** Vidu videos: {@code POST /v1/vidu/videos}. */
    VIDU(Dialect.OPC, "/v1/vidu/videos", CreateShape.TASK_OBJECT, ResultKind.VIDEO, false, 30,
            "viduq3-turbo", "viduq3-pro"),
    /** Grok videos: {@code POST /v1/grok/videos}. */
    GROK(Dialect.OPC, "/v1/grok/videos", CreateShape.TASK_OBJECT, ResultKind.VIDEO, false, 30,
            "grok_video3", "grok_video3_pro", "grok_video3_max", "grok_video3_stable"),
    /** StarVideos videos: {@code POST /v1/starvideos/videos}. */
    STARVIDEOS(Dialect.OPC, "/v1/starvideos/videos", CreateShape.TASK_OBJECT, ResultKind.VIDEO, false, 30,
            "starvideos_o3"),
    /**
     * The Videos family: {@code POST /v1/videos/videos}, answered with a code envelope (the task id is its
     * {@code projectId}).
     */
    VIDEOS(Dialect.OPC, "/v1/videos/videos", CreateShape.CODE_ENVELOPE, ResultKind.VIDEO, false, 30,
            "videos", "videos_fast", "videos_stable", "videos_stable_fast"),
    /**
     * SD2 Manxue videos: {@code POST /v1/sd2_manxue/videos}, answered with a code envelope (the task id is its
     * {@code projectId}).
     */
    SD2_MANXUE(Dialect.OPC, "/v1/sd2_manxue/videos", CreateShape.CODE_ENVELOPE, ResultKind.VIDEO, false, 30,
            "sd2_manxue_720p", "sd2_manxue_1080p", "sd2_manxue_2k", "sd2_manxue_4k", "sd2_manxue_fast_720p",
            "sd2_manxue_fast_1080p", "sd2_manxue_video_720p", "sd2_manxue_video_1080p", "sd2_manxue_video_2k",
            "sd2_manxue_video_4k", "sd2_manxue_video_fast_720p", "sd2_manxue_video_fast_1080p"),
    /** Nano Banana images: {@code POST /v1/banana/images}. */
    NANO_BANANA(Dialect.OPC, "/v1/banana/images", CreateShape.TASK_OBJECT, ResultKind.IMAGE, false, 3,
            "nano-banana-2", "nano-banana", "nano-banana-pro", "nano-banana-2-stable", "nano-banana-pro-stable"),
    /** GPT Image 2 images: {@code POST /v1/image2/images}. */
    GPT_IMAGE_2(Dialect.OPC, "/v1/image2/images", CreateShape.TASK_OBJECT, ResultKind.IMAGE, false, 3,
            "gpt-image-2", "gpt-image-2-r"),
    /**
     * The generic task API (ElkAPI): {@code POST /v1/task/submit}, {@code GET /v1/task/{id}}, callbacks. Any model
     * name is accepted; {@link #models()} lists the documentation's examples.
     */
    GENERIC_TASK(Dialect.TASK, "/v1/task/submit", CreateShape.TASK_OBJECT, ResultKind.ANY, false, 5,
            "kling-v2", "kling-v1-6", "luma-ray-2", "luma-photon", "runway-gen4", "runwayml-gen3a-turbo", "veo-3",
            "minimax-video-01", "vidu-2.0", "jimeng-v2", "doubao-seedance-1-0-pro", "flux-pro", "flux-kontext-pro",
            "grok-2-image", "wanx-v2");

    /** How a create call answers. */
    public enum CreateShape {
        /** {@code {"id":...,"status":"queued",...}} */
        TASK_OBJECT,
        /** {@code {"code":"0","msg":null,"data":{"projectId":...}}} */
        CODE_ENVELOPE
    }

    /** What a completed task yields. */
    public enum ResultKind {
        /** Videos. */
        VIDEO,
        /** Images. */
        IMAGE,
        /** Whatever the model makes (the generic task dialect). */
        ANY
    }

    private final Dialect dialect;
    private final String createPath;
    private final CreateShape createShape;
    private final ResultKind resultKind;
    private final boolean canBeCancelled;
    private final PollPolicy defaultPolicy;
    private final List<String> models;

    Family(Dialect dialect, String createPath, CreateShape createShape, ResultKind resultKind,
           boolean canBeCancelled, int periodSeconds, String... models) {
        this.models = List.of(models);
        this.dialect = dialect;
        this.createPath = createPath;
        this.createShape = createShape;
        this.resultKind = resultKind;
        this.canBeCancelled = canBeCancelled;
        this.defaultPolicy = PollPolicy.of(Duration.ofSeconds(periodSeconds),
                Duration.ofMinutes(resultKind == ResultKind.IMAGE ? 5 : 30));
    }

    @Override
    public Dialect dialect() {
        return dialect;
    }

    /**
     * The create path relative to the base URL, e.g. {@code /v1/sora/videos}.
     *
     * @return the path
     */
    public String createPath() {
        return createPath;
    }

    /**
     * How a create call of this family answers.
     *
     * @return the shape
     */
    public CreateShape createShape() {
        return createShape;
    }

    /**
     * What a completed task of this family yields.
     *
     * @return the result kind
     */
    public ResultKind resultKind() {
        return resultKind;
    }

    /**
     * Whether the documentation lists {@code cancelled} as a status of this family (Seedance 1.5 only).
     *
     * @return true for Seedance 1.5
     */
    public boolean canBeCancelled() {
        return canBeCancelled;
    }

    /** The documented default poll policy: see the class comment. */
    @Override
    public PollPolicy defaultPolicy() {
        return defaultPolicy;
    }

    /**
     * The documented models, the first being a sensible default (the generic dialect: the documentation's examples;
     * it accepts any model).
     *
     * @return the models
     */
    public List<String> models() {
        return models;
    }

    /**
     * Whether {@code model} is documented for this family (the generic dialect takes any non-blank model).
     *
     * @param model the model
     * @return whether it is documented (any non-blank model for the generic dialect)
     */
    public boolean supports(String model) {
        return this == GENERIC_TASK ? !model.isBlank() : models.contains(model);
    }

    /**
     * The documented request fields of {@code model} and their rules (those a request is checked against before it
     * is sent): for help texts and forms. Refused with {@link IllegalArgumentException} for a model the family does
     * not document.
     *
     * @param model a model of this family
     * @return the rules, field by field
     */
    public List<ParameterRules> parameters(String model) {
        return RequestValidator.describe(this, model);
    }

    /**
     * The family {@code name} names, in any case, with {@code -} or {@code _}: {@code veo}, {@code nano-banana},
     * {@code NANO_BANANA}.
     *
     * @param name the family's name
     * @return the family, or empty if none has that name
     */
    public static Optional<Family> ofName(String name) {
        String n = name.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        for (Family f : values()) {
            if (f.name().equals(n)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /**
     * The family of a documented GlobalAI OPC model, if any (the generic dialect's examples are not matched).
     *
     * @param model the model
     * @return the family, or empty
     */
    public static Optional<Family> ofModel(String model) {
        for (Family f : values()) {
            if (f != GENERIC_TASK && f.models.contains(model)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

}
