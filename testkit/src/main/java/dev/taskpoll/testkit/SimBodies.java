package dev.taskpoll.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

/** The JSON bodies the simulator answers with, in the documented shapes. */
final class SimBodies {

    final ObjectMapper json = new ObjectMapper();
    private final SimMedia media;
    private final EnvelopeForm envelopeForm;

    SimBodies(SimMedia media, EnvelopeForm envelopeForm) {
        this.media = media;
        this.envelopeForm = envelopeForm;
        // Fill Jackson's (de)serializer caches now: it creates entries under a ReentrantLock, and two event loops
        // parsing their first request at once would park one of them (BlockHound caught it, and the request hung).
        try {
            json.readTree("{\"a\":[1,\"b\",true,null,{\"c\":1.5}]}");
            json.writeValueAsBytes(json.createObjectNode().put("a", 1).putNull("b"));
        } catch (IOException e) {
            throw new IllegalStateException("Jackson could not warm up", e);
        }
    }

    byte[] create(SimTask t) {
        ObjectNode n = json.createObjectNode();
        if (t.family.envelope()) {
            switch (envelopeForm) {
                case PROJECT_ID -> n.put("code", "0").putNull("msg").putObject("data").put("projectId", t.id);
                case DATA_ID_INTEGER_CODE -> n.put("code", 0).putNull("msg").putObject("data").put("id", t.id);
                case TOP_LEVEL_ID -> n.put("code", "0").putNull("msg").put("id", t.id);
            }
        } else {
            n.put("id", t.id).put("object", t.family.createObject()).put("created", t.createdAt / 1000)
                    .put("model", t.model).put("status", "queued").putNull("error");
        }
        return bytes(n);
    }

    /** {@code GET /v1/result/{id}} at {@code now}; {@code statusOverride} replaces the status (fault injection). */
    byte[] query(SimTask t, long now, String statusOverride) {
        String status = statusOverride != null ? statusOverride : t.statusAt(now);
        ObjectNode n = json.createObjectNode()
                .put("id", t.id).put("object", t.family.queryObject()).put("created", t.createdAt / 1000)
                .put("model", t.model).put("status", status);
        String urlField = t.family.image() ? "image_url" : "video_url";
        if (status.equals("completed")) {
            n.put(urlField, media.url(t));
            if (!t.family.image()) {
                n.put("actualDuration", 8);
            }
            if (t.family.tokens()) {
                n.put("totalTokens", 108_900);
            }
        } else {
            n.putNull(urlField);
        }
        if (status.equals("failed")) {
            n.put("error", t.error);
        } else {
            n.putNull("error");
        }
        return bytes(n);
    }

    /** {@code GET /v1/task/{id}} (and callback bodies) at {@code now}. */
    byte[] generic(SimTask t, long now, String statusOverride) {
        String status = statusOverride != null ? statusOverride : t.statusAt(now);
        ObjectNode n = json.createObjectNode().put("id", t.id).put("model", t.model).put("status", status)
                .put("created", t.createdAt / 1000);
        ArrayNode outputs = n.putArray("outputs");
        if (status.equals("completed")) {
            outputs.add(media.url(t));
        }
        if (status.equals("failed")) {
            n.put("error", t.error);
        }
        return bytes(n);
    }

    byte[] error(String code, String message) {
        return bytes(json.createObjectNode().put("code", code).put("msg", message));
    }

    byte[] intCodeError(int code, String message) {
        return bytes(json.createObjectNode().put("code", code).put("msg", message));
    }

    byte[] ledger(List<TaskTruth> truths, java.util.Set<String> overlapped) {
        ArrayNode all = json.createArrayNode();
        for (TaskTruth t : truths) {
            ObjectNode n = all.addObject().put("id", t.id()).put("family", t.family()).put("model", t.model())
                    .put("createdAt", t.createdAt().toString()).put("processingAt", t.processingAt().toString())
                    .put("finishedAt", t.finishedAt().toString()).put("outcome", t.outcome().raw())
                    .put("prompt", t.prompt()).put("answeredLate", t.answeredLate())
                    .put("overlapped", overlapped.contains(t.id()));
            ArrayNode polls = n.putArray("polls");
            t.polls().forEach(p -> polls.addObject().put("at", p.at().toString()).put("outcome", p.outcome().name()));
            ArrayNode callbacks = n.putArray("callbacks");
            t.callbacks().forEach(c -> callbacks.addObject().put("at", c.at().toString()).put("status", c.status())
                    .put("httpStatus", c.httpStatus()).put("note", c.note()));
        }
        return bytes(json.createObjectNode().set("tasks", all));
    }

    byte[] bytes(JsonNode n) {
        try {
            return json.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
