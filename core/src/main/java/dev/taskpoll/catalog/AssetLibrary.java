package dev.taskpoll.catalog;

import dev.taskpoll.PollPolicy;
import java.time.Duration;

/**
 * The asset libraries: reference media uploaded once and used in requests as {@code asset://id}. An upload is
 * tracked like a generation ({@code Processing} until {@code Active} or {@code Failed}), polled every 5 s for at most
 * 30 min by default.
 */
public enum AssetLibrary implements TaskKind {
    /** Seedance 2.0's library: one asset per upload, {@code GET /kyyVideo2/asset/{id}}. */
    SEEDANCE_2_0(Dialect.ASSET_SEEDANCE_2_0, "/kyyVideo2/asset/upload"),
    /** SD2 Manxue's audit: a batch per upload, {@code POST /asset/sd2Manxue/assetStatus}. */
    SD2_MANXUE(Dialect.ASSET_SD2_MANXUE, "/asset/sd2Manxue/assetUpload");

    private static final PollPolicy DEFAULT_POLICY = PollPolicy.of(Duration.ofSeconds(5), Duration.ofMinutes(30));

    private final Dialect dialect;
    private final String uploadPath;

    AssetLibrary(Dialect dialect, String uploadPath) {
        this.dialect = dialect;
        this.uploadPath = uploadPath;
    }

    @Override
    public Dialect dialect() {
        return dialect;
    }

    /**
     * The upload path relative to the base URL.
     *
     * @return the path
     */
    public String uploadPath() {
        return uploadPath;
    }

    @Override
    public PollPolicy defaultPolicy() {
        return DEFAULT_POLICY;
    }
}
