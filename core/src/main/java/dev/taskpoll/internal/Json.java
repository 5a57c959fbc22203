package dev.taskpoll.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The Jackson set-up for untrusted bodies: bounded document size, string length, number length and nesting. */
public final class Json {

    /** Largest document parsed: 1 MiB. */
    public static final int MAX_DOCUMENT_BYTES = 1 << 20;
    /** Longest string value: 256 KiB (signed result URLs and error texts are far shorter). */
    public static final int MAX_STRING_LENGTH = 256 * 1024;
    /** Deepest nesting: 32 levels (status bodies have 3). */
    public static final int MAX_NESTING_DEPTH = 32;

    private Json() {
    }

    /** A new mapper with those limits; unknown fields are tolerated. Thread-safe once built; share it. */
    public static ObjectMapper newMapper() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxDocumentLength(MAX_DOCUMENT_BYTES)
                        .maxStringLength(MAX_STRING_LENGTH)
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxNumberLength(64)
                        .build())
                .build();
        return new ObjectMapper(factory)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);
    }
}
