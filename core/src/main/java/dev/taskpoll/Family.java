package dev.taskpoll;

import java.time.Duration;

/**
 * The catalogue of model families: for each, the dialect, the create path, the create-response shape, the default
 * poll policy and deadline, whether {@code cancelled} can occur, the result kind and how long result URLs live.
 * Facts from the GlobalAI OPC documentation (section 7 of the API fact sheet); the tracker and the client both read
 * them from here.
 *
 * <p>Default poll periods: 30 s for video, 20 s for Seedance 2.0, 3 s for images, 5 s for the generic task dialect.
 * Default deadlines: 30 min for video and the generic dialect, 5 min for images. Override them per tracker with
 * {@link TrackerOptions.Builder#policy(Family, PollPolicy)} or per task with {@link TaskRef#withPolicy(PollPolicy)}.
 */
public enum Family {
    SORA(Dialect.OPC, "/v1/sora/videos", CreateShape.TASK_OBJECT, ResultKind.VIDEO, false, 30),
    VEO(Dialect.OPC, "/v1/veo/videos", CreateShape.TASK_OBJECT, ResultKind.VIDEO, false, 30),
    SEEDANCE_1_5(Dialect.OPC, "/v1/seedance/videos", CreateShape.TASK_OBJECT, ResultKind.VIDEO, true, 30),
    SEEDANCE_2_0(Dialect.OPC, "/v1/kyyvideo2/videos", CreateShape.TASK_OBJECT, ResultKind.VIDEO, false, 20),
    VIDU(Dialect.OPC, "/v1/vidu/videos", CreateShape.TASK_OBJECT, ResultKind.VIDEO, false, 30),
    GROK(Dialect.OPC, "/v1/grok/videos", CreateShape.TASK_OBJECT, ResultKind.VIDEO, false, 30),
    STARVIDEOS(Dialect.OPC, "/v1/starvideos/videos", CreateShape.TASK_OBJECT, ResultKind.VIDEO, false, 30),
    VIDEOS(Dialect.OPC, "/v1/videos/videos", CreateShape.CODE_ENVELOPE, ResultKind.VIDEO, false, 30),
    SD2_MANXUE(Dialect.OPC, "/v1/sd2_manxue/videos", CreateShape.CODE_ENVELOPE, ResultKind.VIDEO, false, 30),
    NANO_BANANA(Dialect.OPC, "/v1/banana/images", CreateShape.TASK_OBJECT, ResultKind.IMAGE, false, 3),
    GPT_IMAGE_2(Dialect.OPC, "/v1/image2/images", CreateShape.TASK_OBJECT, ResultKind.IMAGE, false, 3),
    /** The generic task API (ElkAPI): {@code POST /v1/task/submit}, {@code GET /v1/task/{id}}, callbacks. */
    GENERIC_TASK(Dialect.TASK, "/v1/task/submit", CreateShape.TASK_OBJECT, ResultKind.ANY, false, 5);

    /** How a create call answers. */
    public enum CreateShape {
        /** {@code {"id":...,"status":"queued",...}} */
        TASK_OBJECT,
        /** {@code {"code":"0","msg":null,"data":{"projectId":...}}} */
        CODE_ENVELOPE
    }

    /** What a completed task yields. */
    public enum ResultKind { VIDEO, IMAGE, ANY }

    private final Dialect dialect;
    private final String createPath;
    private final CreateShape createShape;
    private final ResultKind resultKind;
    private final boolean canBeCancelled;
    private final PollPolicy defaultPolicy;

    Family(Dialect dialect, String createPath, CreateShape createShape, ResultKind resultKind,
           boolean canBeCancelled, int periodSeconds) {
        this.dialect = dialect;
        this.createPath = createPath;
        this.createShape = createShape;
        this.resultKind = resultKind;
        this.canBeCancelled = canBeCancelled;
        this.defaultPolicy = PollPolicy.of(Duration.ofSeconds(periodSeconds),
                Duration.ofMinutes(resultKind == ResultKind.IMAGE ? 5 : 30));
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The create path relative to the base URL, e.g. {@code /v1/sora/videos}. */
    public String createPath() {
        return createPath;
    }

    public CreateShape createShape() {
        return createShape;
    }

    public ResultKind resultKind() {
        return resultKind;
    }

    /** Whether the documentation lists {@code cancelled} as a status of this family (Seedance 1.5 only). */
    public boolean canBeCancelled() {
        return canBeCancelled;
    }

    /** The documented default poll policy: see the class comment. */
    public PollPolicy defaultPolicy() {
        return defaultPolicy;
    }

    /** How long result URLs stay valid after completion: about 24 h for every family. */
    public Duration resultUrlLifetime() {
        return Duration.ofHours(24);
    }
}
