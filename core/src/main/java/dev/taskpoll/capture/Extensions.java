package dev.taskpoll.capture;

import java.util.Locale;
import java.util.Map;

/** A file extension from a content type; never from a name the server chose. */
final class Extensions {

    private static final Map<String, String> KNOWN = Map.ofEntries(
            Map.entry("video/mp4", "mp4"), Map.entry("video/webm", "webm"), Map.entry("video/quicktime", "mov"),
            Map.entry("image/png", "png"), Map.entry("image/jpeg", "jpg"), Map.entry("image/webp", "webp"),
            Map.entry("image/gif", "gif"), Map.entry("audio/mpeg", "mp3"), Map.entry("audio/wav", "wav"),
            Map.entry("application/json", "json"), Map.entry("text/plain", "txt"));

    private Extensions() {
    }

    static String of(String contentType) {
        String base = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return KNOWN.getOrDefault(base, "bin");
    }
}
