package dev.taskpoll.internal.http;

import java.nio.charset.StandardCharsets;

/**
 * Percent-encodes a string as one URI path segment (RFC 3986): everything but the unreserved characters
 * {@code A-Z a-z 0-9 - . _ ~} is encoded, so {@code /}, {@code ?}, {@code #} and {@code %} in a task id cannot
 * change the path. Callers reject the dot segments {@code .} and {@code ..} themselves.
 */
public final class PathSegment {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PathSegment() {
    }

    public static String encode(String segment) {
        boolean clean = true;
        for (int i = 0; i < segment.length() && clean; i++) {
            clean = unreserved(segment.charAt(i));
        }
        if (clean) {
            return segment;
        }
        byte[] bytes = segment.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length * 3);
        for (byte b : bytes) {
            char c = (char) (b & 0xff);
            if (unreserved(c)) {
                sb.append(c);
            } else {
                sb.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
            }
        }
        return sb.toString();
    }

    private static boolean unreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
