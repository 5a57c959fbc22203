package dev.taskpoll.testkit;

/**
 * How the simulator's envelope families (Videos, SD2 Manxue) answer a create call. The fact sheet (opc-api.md,
 * section 11, items 5 and 6) found all of these in the vendors' pages: a client should accept each.
 */
public enum EnvelopeForm {
    /** {@code {"code":"0","msg":null,"data":{"projectId":ID}}}: the Videos page's example (the default). */
    PROJECT_ID,
    /** {@code {"code":0,"msg":null,"data":{"id":ID}}}: an integer code, the id as {@code data.id}. */
    DATA_ID_INTEGER_CODE,
    /** {@code {"code":"0","msg":null,"id":ID}}: the id directly, as the mingyan SD2 query page says create returns. */
    TOP_LEVEL_ID
}
