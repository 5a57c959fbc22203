package dev.taskpoll.testkit;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 answer read from a raw socket, for tests that need what a client library hides (a connection reused
 * or pipelined on purpose): its status line, its headers (names in lower case) and its body, which must carry a
 * {@code Content-Length}. Bound the socket's reads ({@code setSoTimeout}) so that a hang fails a test.
 *
 * @param statusLine the first line, e.g. {@code HTTP/1.1 200 OK}
 * @param headers    the headers by lower-case name (the last of a repeated one)
 * @param body       the body, all of its {@code Content-Length}
 */
public record RawHttp(String statusLine, Map<String, String> headers, byte[] body) {

    /** The status code. */
    public int status() {
        return Integer.parseInt(statusLine.split(" ")[1]);
    }

    /** Reads one answer; an answer without {@code Content-Length}, or a connection ending before its end, fails. */
    public static RawHttp read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the connection ended in an answer's head: "
                        + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                throw new IOException("not a header line: '" + lines[i] + "'");
            }
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        String length = headers.get("content-length");
        if (length == null) {
            throw new IOException("an answer without Content-Length: " + lines[0] + " " + headers);
        }
        int n = Integer.parseInt(length);
        byte[] body = in.readNBytes(n);
        if (body.length != n) {
            throw new EOFException("the connection ended after " + body.length + " of " + n + " body bytes");
        }
        return new RawHttp(lines[0], headers, body);
    }
}
