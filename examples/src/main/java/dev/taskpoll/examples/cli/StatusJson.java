package dev.taskpoll.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.taskpoll.TaskStatus;

/** One status as one JSON line: {@code id}, {@code state}, {@code status}, {@code urls}, {@code error}, {@code observedAt}. */
final class StatusJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusJson() {
    }

    static String line(TaskStatus s) {
        ObjectNode n = JSON.createObjectNode()
                .put("id", s.taskId())
                .put("state", s.state().name())
                .put("status", s.rawStatus());
        ArrayNode urls = n.putArray("urls");
        s.resultUrls().forEach(urls::add);
        if (s.error() != null) {
            n.put("error", s.error());
        } else {
            n.putNull("error");
        }
        n.put("observedAt", s.observedAt().toString());
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
