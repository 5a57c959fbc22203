package dev.taskpoll.capture;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The directory name of a task's results: one file-name-safe segment for every id the library accepts (1 to 512
 * characters), that cannot escape the capture directory and cannot collide with another id's.
 *
 * <ul>
 *   <li>Every character but {@code A-Z a-z 0-9 - _} and a {@code .} that is not the first is percent-encoded
 *       (UTF-8), so {@code /}, {@code \}, {@code ..}, a leading dot (a hidden directory) and control characters cannot
 *       occur, and the encoding is one-to-one.</li>
 *   <li>An encoding longer than {@value #MAX_LENGTH} characters (file systems allow 255 bytes) becomes its first
 *       {@value #PREFIX} characters, {@code ~}, and the SHA-256 of the id (32 hex digits): {@code ~} never occurs
 *       in the plain encoding (it is encoded), so a shortened name cannot equal another id's plain one.</li>
 * </ul>
 */
final class TaskDirectory {

    static final int MAX_LENGTH = 128;
    static final int PREFIX = 64;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private TaskDirectory() {
    }

    static String name(String taskId) {
        byte[] bytes = taskId.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length + 8);
        for (int i = 0; i < bytes.length; i++) {
            char c = (char) (bytes[i] & 0xff);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || (c == '.' && i > 0);
            if (plain) {
                sb.append(c);
            } else {
                sb.append('%').append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
            }
        }
        if (sb.length() <= MAX_LENGTH) {
            return sb.toString();
        }
        int cut = PREFIX;
        if (sb.charAt(cut - 1) == '%') {
            cut -= 1; // never cut inside a %XX escape
        } else if (sb.charAt(cut - 2) == '%') {
            cut -= 2;
        }
        return sb.substring(0, cut) + "~" + HexFormat.of().formatHex(sha256(bytes), 0, 16);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
