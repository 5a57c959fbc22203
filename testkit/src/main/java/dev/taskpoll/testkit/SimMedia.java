package dev.taskpoll.testkit;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Result media: every completed task's URL {@code {base}/_media/{id}/0.mp4?expires=<sim seconds>&sig=<hmac>} serves,
 * until the URL expires, either real files (the default): a PNG rendered from the task's prompt (colours from its
 * hash, the prompt written on it) and, for every video, a short valid H.264 MP4 (2 s, 320x180, a resource made once
 * with ffmpeg's test source), so that results open in a viewer; or, when sizes are configured
 * ({@link Simulator.Builder#mediaSize}), deterministic bytes of those sizes (an MP4 {@code ftyp} or PNG signature,
 * then pseudo-random bytes seeded by the task id), for tests of sizes and caps.
 */
final class SimMedia {

    /** The MP4 every video serves with real media (42,752 bytes). */
    private static final byte[] SAMPLE_MP4 = sample();

    private static byte[] sample() {
        try (java.io.InputStream in = SimMedia.class.getResourceAsStream("sample.mp4")) {
            if (in == null) {
                throw new IllegalStateException("dev/taskpoll/testkit/sample.mp4 is missing from the class path");
            }
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private volatile String baseUrl = "";
    private final long lifetimeMillis;
    private final int videoBytes;
    private final int imageBytes;
    private final byte[] secret;
    /** One keyed MAC per event loop: looking the algorithm up and keying it per URL cost more than signing. */
    private final ThreadLocal<Mac> macs;

    private final boolean real;

    SimMedia(long lifetimeMillis, int videoBytes, int imageBytes, long seed, boolean real) {
        this.real = real;
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

    /** Whether {@link #content} renders (CPU and fonts: to be called off an event loop). */
    boolean renders(SimTask t) {
        return real && t.family.image() && t.rendered == null;
    }

    /** The bytes behind a task's result URL. */
    byte[] content(SimTask t) {
        if (real) {
            if (!t.family.image()) {
                return SAMPLE_MP4;
            }
            byte[] png = t.rendered;
            if (png == null) { // two first requests at once may both draw it: the same bytes
                png = png(t.prompt == null ? t.id : t.prompt, t.id);
                t.rendered = png;
            }
            return png;
        }
        byte[] b = new byte[t.family.image() ? imageBytes : videoBytes];
        new SplittableRandom(t.id.hashCode()).nextBytes(b);
        byte[] header = t.family.image()
                ? new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a}
                : new byte[] {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'};
        System.arraycopy(header, 0, b, 0, Math.min(header.length, b.length));
        return b;
    }

    static {
        javax.imageio.ImageIO.setUseCache(false); // PNGs are written in memory: no temporary file
    }

    /** A 512x288 PNG: a gradient in colours from the prompt's hash, the prompt written on it (wrapped). */
    static byte[] png(String prompt, String id) {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(512, 288,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        try {
            int h = prompt.hashCode();
            g.setPaint(new java.awt.GradientPaint(0, 0, new java.awt.Color(h & 0xffffff), 512, 288,
                    new java.awt.Color((h >>> 8) ^ 0x5a5a5a)));
            g.fillRect(0, 0, 512, 288);
            g.setRenderingHint(java.awt.RenderingHints.KEY_TEXT_ANTIALIASING,
                    java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, 24));
            java.awt.FontMetrics fm = g.getFontMetrics();
            java.util.List<String> lines = new java.util.ArrayList<>();
            StringBuilder line = new StringBuilder();
            for (String word : prompt.split("\\s+")) {
                if (line.length() > 0 && fm.stringWidth(line + " " + word) > 472) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                line.append(line.length() > 0 ? " " : "").append(word);
            }
            lines.add(line.toString());
            int y = 40;
            for (String l : lines.subList(0, Math.min(lines.size(), 7))) {
                g.setColor(java.awt.Color.BLACK);
                g.drawString(l, 22, y + 2);
                g.setColor(java.awt.Color.WHITE);
                g.drawString(l, 20, y);
                y += fm.getHeight();
            }
            g.setFont(new java.awt.Font(java.awt.Font.MONOSPACED, java.awt.Font.PLAIN, 12));
            g.drawString("taskpoll simulator \u00b7 " + id, 20, 276);
        } finally {
            g.dispose();
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(img, "png", out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
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
