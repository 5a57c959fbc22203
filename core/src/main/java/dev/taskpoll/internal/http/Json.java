package dev.taskpoll.internal.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Jackson set-up for untrusted bodies: bounded document size, string length, number length and nesting. The
 * document and string limits are the client's response cap ({@code ClientOptions.maxResponseBytes}), so that a body
 * the client reads is a body the parser takes: there is one limit, not two.
 */
public final class Json {

    /** Deepest nesting: 32 levels (status bodies have 3). */
    public static final int MAX_NESTING_DEPTH = 32;

    private Json() {
    }

    /**
     * A new mapper for documents of at most {@code maxBytes}; unknown fields are tolerated. Thread-safe once built; share it.
     *
     * <p>Its (de)serializer caches are filled here, on the calling thread: Jackson creates a cache entry under a
     * {@code ReentrantLock}, and two event loops doing their first parse at the same time would otherwise park one
     * of them (BlockHound caught exactly that).
     */
    public static ObjectMapper newMapper(int maxBytes) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxDocumentLength(maxBytes)
                        .maxStringLength(maxBytes)
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxNumberLength(64)
                        .build())
                .build();
        ObjectMapper mapper = new ObjectMapper(factory)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);
        return warm(mapper);
    }

    /** Fills the caches for the types taskpoll reads and writes: trees, and maps of strings, numbers, lists. */
    public static ObjectMapper warm(ObjectMapper mapper) {
        try {
            mapper.readTree("{\"a\":[1,\"b\",true,null,{\"c\":1.5}]}");
            mapper.writeValueAsBytes(java.util.Map.of("a", java.util.List.of(1, "b", true, 2L, 2.5),
                    "m", java.util.Map.of("k", "v")));
            mapper.writeValueAsBytes(mapper.createObjectNode().put("a", 1));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Jackson could not warm up", e);
        }
        return mapper;
    }
}
