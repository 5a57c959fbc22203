package dev.taskpoll.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The asset libraries of Seedance 2.0 ({@code /kyyVideo2/asset/...}, integer {@code code}) and SD2 Manxue
 * ({@code /asset/sd2Manxue/...}, string {@code code}): an asset is {@code Processing} for a drawn time, then
 * {@code Active} or {@code Failed}. Validation failures answer HTTP 400 with the envelope and a non-zero code.
 */
final class SimAssets {

    private static final Set<String> KYY_TYPES = Set.of("Image", "Video", "Audio", "Document");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter CREATE_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private final SimBodies bodies;
    private final Random random;
    private final long minMillis;
    private final long maxMillis;
    private final double failureRate;
    private final ConcurrentHashMap<String, Asset> assets = new ConcurrentHashMap<>();

    SimAssets(SimBodies bodies, Random random, long minMillis, long maxMillis, double failureRate) {
        this.bodies = bodies;
        this.random = random;
        this.minMillis = minMillis;
        this.maxMillis = maxMillis;
        this.failureRate = failureRate;
    }

    /** An HTTP status and a body. */
    record Answer(int status, byte[] body) {
    }

    private record Asset(String id, String type, String url, String name, long createdAt, long readyAt,
                         boolean fails) {
        String statusAt(long now) {
            return now < readyAt ? "Processing" : fails ? "Failed" : "Active";
        }
    }

    private Asset create(String id, String type, String url, String name, long now) {
        long ready = now + minMillis + (long) (random.nextDouble() * (maxMillis - minMillis));
        Asset a = new Asset(id, type, url, name, now, ready, random.nextDouble() < failureRate);
        assets.put(id, a);
        return a;
    }

    Answer kyyUpload(JsonNode body, long now) {
        String type = body.path("assetType").asText();
        if (!KYY_TYPES.contains(type)) {
            return new Answer(400, bodies.intCodeError(400, "assetType: '" + type + "' is not one of " + KYY_TYPES
                    + " (capitalised)"));
        }
        String url = body.path("url").asText();
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            return new Answer(400, bodies.intCodeError(400, "url: a public http(s) URL is required"));
        }
        String id = "asset-" + STAMP.format(Instant.ofEpochMilli(now)) + "-" + suffix(5);
        create(id, type, url, body.path("name").asText(""), now);
        ObjectNode n = bodies.json.createObjectNode().put("code", 0).putNull("msg");
        n.putObject("data").put("assetId", id);
        return new Answer(200, bodies.bytes(n));
    }

    Answer kyyDetail(String id, long now) {
        Asset a = assets.get(id);
        if (a == null || !a.id.startsWith("asset-")) {
            return new Answer(404, bodies.intCodeError(404, "asset not found"));
        }
        ObjectNode n = bodies.json.createObjectNode().put("code", 0).putNull("msg");
        n.putObject("data").put("name", a.name).put("assetId", a.id).put("status", a.statusAt(now))
                .put("assetType", a.type).put("url", a.url)
                .put("createTime", CREATE_TIME.format(Instant.ofEpochMilli(a.createdAt)));
        return new Answer(200, bodies.bytes(n));
    }

    Answer sd2Upload(JsonNode body, long now) {
        int total = body.path("imageUrls").size() + body.path("videoUrls").size() + body.path("audioUrls").size();
        if (total == 0) {
            return new Answer(400, bodies.error("400", "imageUrls, videoUrls, audioUrls: at least one must be non-empty"));
        }
        ObjectNode n = bodies.json.createObjectNode().put("code", "0").putNull("msg");
        ObjectNode data = n.putObject("data");
        ArrayNode items = data.putArray("items");
        ArrayNode failed = data.putArray("failedItems");
        String[][] kinds = {{"imageUrls", "Image", "img"}, {"videoUrls", "Video", "video"}, {"audioUrls", "Audio", "audio"}};
        for (String[] k : kinds) {
            for (JsonNode u : body.path(k[0])) {
                String url = u.asText();
                if (!url.startsWith("http://") && !url.startsWith("https://")) {
                    failed.addObject().put("originalUrl", url).put("reason", "not a public URL");
                    continue;
                }
                String id = "asset_" + k[2] + "_" + suffix(10);
                create(id, k[1], url, "", now);
                items.addObject().put("assetType", k[1]).put("originalUrl", url).put("assetId", id)
                        .put("status", "submitted");
            }
        }
        return new Answer(200, bodies.bytes(n));
    }

    Answer sd2Status(JsonNode body, long now) {
        if (!body.path("assetIds").isArray() || body.path("assetIds").isEmpty()) {
            return new Answer(400, bodies.error("400", "assetIds: a non-empty array is required"));
        }
        ObjectNode n = bodies.json.createObjectNode().put("code", "0").putNull("msg");
        ObjectNode data = n.putObject("data");
        ArrayNode items = data.putArray("items");
        ArrayNode failed = data.putArray("failedItems");
        for (JsonNode idNode : body.get("assetIds")) {
            Asset a = assets.get(idNode.asText());
            if (a == null || !a.id.startsWith("asset_")) {
                failed.addObject().put("assetId", idNode.asText()).put("reason", "asset not found");
            } else {
                items.addObject().put("assetId", a.id).put("status", a.statusAt(now));
            }
        }
        return new Answer(200, bodies.bytes(n));
    }

    private String suffix(int n) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
