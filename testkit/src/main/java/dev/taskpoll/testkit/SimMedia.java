package dev.taskpoll.testkit;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Result media: every completed task's URL {@code {base}/_media/{id}/0.mp4?expires=<sim seconds>&sig=<hmac>} serves
 * deterministic bytes (an MP4 {@code ftyp} or PNG signature, then pseudo-random bytes seeded by the task id) of a
 * configured size, until the URL expires.
 */
final class SimMedia {

    private volatile String baseUrl = "";
    private final long lifetimeMillis;
    private final int videoBytes;
    private final int imageBytes;
    private final byte[] secret;
    /** One keyed MAC per event loop: looking the algorithm up and keying it per URL cost more than signing. */
    private final ThreadLocal<Mac> macs;

    SimMedia(long lifetimeMillis, int videoBytes, int imageBytes, long seed) {
        this.lifetimeMillis = lifetimeMillis;
        this.videoBytes = videoBytes;
        this.imageBytes = imageBytes;
        this.secret = Long.toHexString(seed ^ 0x5eed5eedL).getBytes(StandardCharsets.UTF_8);
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret, "HmacSHA256"));
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    void baseUrl(String url) {
        this.baseUrl = url;
    }

    String url(SimTask t) {
        long expires = (t.doneAt + lifetimeMillis) / 1000;
        String file = "0." + (t.family.image() ? "png" : "mp4");
        return baseUrl + "/_media/" + t.id + "/" + file + "?expires=" + expires + "&sig="
                + sign(t.id + "/" + file + "/" + expires);
    }

    /** The bytes behind a task's result URL. */
    byte[] content(SimTask t) {
        byte[] b = new byte[t.family.image() ? imageBytes : videoBytes];
        new SplittableRandom(t.id.hashCode()).nextBytes(b);
        byte[] header = t.family.image()
                ? new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a}
                : new byte[] {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'};
        System.arraycopy(header, 0, b, 0, Math.min(header.length, b.length));
        return b;
    }

    String contentType(SimTask t) {
        return t.family.image() ? "image/png" : "video/mp4";
    }

    /**
     * Checks a request: {@code null} when it may be served, else the HTTP status and reason: 404 for an unknown task
     * or file, 403 for a wrong signature, 410 once expired, 409 before the task completed.
     */
    @Nullable Refusal check(@Nullable SimTask t, String file, @Nullable String expires, @Nullable String sig,
                            long now) {
        if (t == null || !file.equals("0." + (t.family.image() ? "png" : "mp4"))) {
            return new Refusal(404, "no such media");
        }
        if (expires == null || sig == null || !sig.equals(sign(t.id + "/" + file + "/" + expires))) {
            return new Refusal(403, "signature does not match");
        }
        if (now < t.doneAt || t.outcome != SimOutcome.COMPLETED) {
            return new Refusal(409, "not ready");
        }
        long exp;
        try {
            exp = Long.parseLong(expires);
        } catch (NumberFormatException e) {
            return new Refusal(403, "signature does not match");
        }
        return now / 1000 >= exp ? new Refusal(410, "URL expired") : null;
    }

    private String sign(String what) {
        // doFinal resets the MAC to its key, ready for the next URL
        return HexFormat.of().formatHex(macs.get().doFinal(what.getBytes(StandardCharsets.UTF_8)), 0, 12);
    }

    record Refusal(int status, String reason) {
    }
}
