package dev.taskpoll.internal.http;

import dev.taskpoll.MalformedResponseException;
import org.jspecify.annotations.Nullable;

/**
 * A status answer that is the envelope of a business failure ({@code code} other than {@code 0}, the reason in
 * {@code msg}; opc-api.md, section 10): retried as any body that is not a status, but the API answered, so the fleet's
 * circuit counts it as an answer, not as the API failing (a batch of purged task ids would otherwise open it for every
 * task). Once it ends a task it is reported as a {@link MalformedResponseException}.
 */
public final class EnvelopeFailure extends MalformedResponseException {

    private static final long serialVersionUID = 1L;

    public EnvelopeFailure(@Nullable String taskId, String reason) {
        super(taskId, reason);
    }
}
