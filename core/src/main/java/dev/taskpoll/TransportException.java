package dev.taskpoll;

import org.jspecify.annotations.Nullable;

/**
 * A request did not get a complete HTTP response: connection refused or reset, response timeout, pool exhausted.
 * The tracker retries it with back-off.
 */
public class TransportException extends TaskpollException {

    private static final long serialVersionUID = 1L;

    /**
     * A request without a complete HTTP response.
     *
     * @param taskId the task, or null
     * @param what   what failed (connection refused, response timeout...)
     * @param cause  the failure, or null
     */
    public TransportException(@Nullable String taskId, String what, @Nullable Throwable cause) {
        super(what + (taskId == null ? "" : " for task '" + taskId + "'"), taskId, null, cause);
    }

    private TransportException(String message, @Nullable String taskId, @Nullable TaskStatus lastStatus,
                               @Nullable Throwable cause) {
        super(message, taskId, lastStatus, cause);
    }

    /**
     * Whether {@code failure}, or any cause of it, is a TLS handshake that refused the server's certificate (not
     * issued by a trusted authority, expired, or not for the host's name): trying again does not help until the
     * certificate or the trusted authorities change. A submit fails at once on it (nothing was sent); a poll retries
     * it (the task was paid for); result capture does not retry the download.
     *
     * @param failure the failure
     * @return true when a certificate was refused
     */
    public static boolean certificateRefused(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException
                    || t instanceof java.security.cert.CertPathValidatorException
                    || (t instanceof javax.net.ssl.SSLHandshakeException && String.valueOf(t.getMessage())
                    .contains("PKIX"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Why a certificate was refused, in the TLS stack's words without its class names ({@code PKIX path building
     * failed: unable to find valid certification path to requested target}), when {@link #certificateRefused} says one
     * was: for a caller that words the failure itself (the command line names its own option to trust an authority).
     *
     * @param failure the failure
     * @return the innermost reason, or null when no certificate was refused
     */
    public static @Nullable String certificateProblem(Throwable failure) {
        if (!certificateRefused(failure)) {
            return null;
        }
        String reason = "no reason given";
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !(t instanceof TaskpollException)) { // the TLS stack's words, not ours
                reason = t.getMessage();
            }
        }
        return reason.replaceAll("(?:[a-z]+\\.)+[A-Za-z]*Exception: ", "");
    }

    @Override
    public TransportException withLastStatus(@Nullable TaskStatus status) {
        return new TransportException(getMessage(), taskId(), status, getCause());
    }
}
