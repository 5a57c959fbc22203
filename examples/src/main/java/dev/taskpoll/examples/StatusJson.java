package dev.taskpoll.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskpoll.TaskStatus;

/**
 * One status as JSON, the same for {@code taskpoll watch}/{@code get}/{@code submit} and the dashboard's events:
 * {@code id}, {@code state}, {@code status}, {@code urls}, {@code error}, {@code observedAt}.
 */
public final class StatusJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusJson() {
    }

    /** The status as a JSON object, to embed in a larger answer. */
    public static ObjectNode node(TaskStatus s) {
        ObjectNode n = JSON.createObjectNode()
                .put("id", s.taskId())
                .put("state", s.state().name())
                .put("status", s.rawStatus());
        ArrayNode urls = n.putArray("urls");
        s.resultUrls().forEach(urls::add);
        n.put("error", s.error()); // null when there is none
        n.put("observedAt", s.observedAt().toString());
        return n;
    }

    /** The status as one line of JSON. */
    public static String line(TaskStatus s) {
        return node(s).toString();
    }

    /**
     * As {@link #node}, its result URLs without their query (a signature: anyone holding it may fetch the result) nor
     * user info: for what others may see (the dashboard's events and API, which serve the stored copy instead).
     */
    public static ObjectNode shared(TaskStatus s) {
        ObjectNode n = node(s);
        ArrayNode urls = n.putArray("urls");
        s.resultUrls().forEach(u -> urls.add(withoutQuery(u)));
        return n;
    }

    /** {@link #shared} as one line of JSON. */
    public static String sharedLine(TaskStatus s) {
        return shared(s).toString();
    }

    private static String withoutQuery(String url) {
        try {
            java.net.URI u = java.net.URI.create(url);
            if (u.getHost() == null) {
                return "(URL without host)";
            }
            return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "")
                    + (u.getRawPath() == null ? "" : u.getRawPath()) + (u.getRawQuery() != null ? "?…" : "");
        } catch (IllegalArgumentException e) {
            return "(unparseable URL)";
        }
    }
}
