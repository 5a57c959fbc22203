package dev.taskpoll.catalog;

/**
 * How a task's status is read: the two generation dialects ({@link #OPC}, {@link #TASK}) and the status calls of the
 * two asset libraries. {@link Family#dialect()} and {@link AssetLibrary#dialect()} say which applies; a
 * {@link dev.taskpoll.spi.StatusSource} serves one dialect.
 */
public enum Dialect {
    /** GlobalAI OPC: {@code GET {base}/v1/result/{id}}, statuses queued, processing, completed, failed, cancelled. */
    OPC("/v1/result/"),
    /**
     * The generic task API (ElkAPI): {@code GET {base}/v1/task/{id}}, statuses queued, in_progress, completed (with
     * {@code outputs[]}), failed.
     */
    TASK("/v1/task/"),
    /** Seedance 2.0 assets: {@code GET {base}/kyyVideo2/asset/{id}}, statuses Processing, Active, Failed. */
    ASSET_SEEDANCE_2_0("/kyyVideo2/asset/"),
    /** SD2 Manxue assets: {@code POST {base}/asset/sd2Manxue/assetStatus} with {@code {"assetIds":[id]}}. */
    ASSET_SD2_MANXUE("/asset/sd2Manxue/assetStatus");

    private final String statusPathPrefix;

    Dialect(String statusPathPrefix) {
        this.statusPathPrefix = statusPathPrefix;
    }

    /**
     * The status path before the encoded task id, relative to the base URL, e.g. {@code /v1/result/} (for
     * {@link #ASSET_SD2_MANXUE}, the whole path: the id travels in the body).
     *
     * @return the path prefix
     */
    public String statusPathPrefix() {
        return statusPathPrefix;
    }
}
