package dev.taskpoll;

/** The two API dialects taskpoll speaks. */
public enum Dialect {
    /** GlobalAI OPC: {@code GET {base}/v1/result/{id}}, statuses queued, processing, completed, failed, cancelled. */
    OPC("/v1/result/"),
    /**
     * The generic task API (ElkAPI): {@code GET {base}/v1/task/{id}}, statuses queued, in_progress, completed (with
     * {@code outputs[]}), failed.
     */
    TASK("/v1/task/");

    private final String statusPathPrefix;

    Dialect(String statusPathPrefix) {
        this.statusPathPrefix = statusPathPrefix;
    }

    /** The status path before the encoded task id, relative to the base URL, e.g. {@code /v1/result/}. */
    public String statusPathPrefix() {
        return statusPathPrefix;
    }
}
