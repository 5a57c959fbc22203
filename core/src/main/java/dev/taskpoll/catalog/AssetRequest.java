package dev.taskpoll.catalog;

import dev.taskpoll.InvalidRequestException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An upload to an asset library, validated when made: Seedance 2.0 takes one asset ({@code assetType}, {@code url},
 * optional {@code name}); SD2 Manxue audits a batch of image, video and audio URLs. URLs must be public http(s).
 *
 * <pre>{@code
 * client.uploadAssets(AssetRequest.seedance20(AssetType.IMAGE, "https://example.com/cat.png", "Cat"))
 *       .flatMapMany(result -> client.track(result.accepted().get(0).ref()));   // ... until Active: asset://id
 * }</pre>
 */
public final class AssetRequest {

    private final AssetLibrary library;
    private final Map<String, Object> body;

    private AssetRequest(AssetLibrary library, Map<String, Object> body) {
        this.library = library;
        this.body = body;
    }

    /**
     * One Seedance 2.0 asset.
     *
     * @param type what the asset is
     * @param url  where it is, a public http(s) URL
     * @param name its name, or null
     * @return the request
     */
    public static AssetRequest seedance20(AssetType type, String url, @Nullable String name) {
        Objects.requireNonNull(type, "type");
        checkUrl(AssetLibrary.SEEDANCE_2_0, "url", url);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("assetType", type.wireName());
        body.put("url", url);
        if (name != null) {
            body.put("name", name);
        }
        return new AssetRequest(AssetLibrary.SEEDANCE_2_0, Map.copyOf(body));
    }

    /**
     * An SD2 Manxue audit batch; at least one list must be non-empty.
     *
     * @param imageUrls the images' public http(s) URLs
     * @param videoUrls the videos' public http(s) URLs
     * @param audioUrls the audio files' public http(s) URLs
     * @return the request
     */
    public static AssetRequest sd2Manxue(List<String> imageUrls, List<String> videoUrls, List<String> audioUrls) {
        if (imageUrls.isEmpty() && videoUrls.isEmpty() && audioUrls.isEmpty()) {
            throw new InvalidRequestException(AssetLibrary.SD2_MANXUE, "imageUrls, videoUrls, audioUrls",
                    "at least one must be non-empty");
        }
        imageUrls.forEach(u -> checkUrl(AssetLibrary.SD2_MANXUE, "imageUrls", u));
        videoUrls.forEach(u -> checkUrl(AssetLibrary.SD2_MANXUE, "videoUrls", u));
        audioUrls.forEach(u -> checkUrl(AssetLibrary.SD2_MANXUE, "audioUrls", u));
        return new AssetRequest(AssetLibrary.SD2_MANXUE, Map.of("imageUrls", List.copyOf(imageUrls),
                "videoUrls", List.copyOf(videoUrls), "audioUrls", List.copyOf(audioUrls)));
    }

    /**
     * {@link AssetLibrary#SEEDANCE_2_0} or {@link AssetLibrary#SD2_MANXUE}.
     *
     * @return the library
     */
    public AssetLibrary library() {
        return library;
    }

    /**
     * The JSON body; unmodifiable.
     *
     * @return the body
     */
    public Map<String, Object> body() {
        return body;
    }

    @Override
    public String toString() {
        return "AssetRequest[" + library + ", fields=" + body.keySet() + "]";
    }

    private static void checkUrl(AssetLibrary library, String field, @Nullable String url) {
        boolean ok = false;
        if (url != null) {
            try {
                URI u = URI.create(url);
                ok = u.getHost() != null && ("http".equalsIgnoreCase(u.getScheme())
                        || "https".equalsIgnoreCase(u.getScheme()));
            } catch (IllegalArgumentException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new InvalidRequestException(library, field, "'" + url + "' is not a public http(s) URL");
        }
    }
}
