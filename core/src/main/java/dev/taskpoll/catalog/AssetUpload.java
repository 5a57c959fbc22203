package dev.taskpoll.catalog;

import dev.taskpoll.TaskRef;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an asset library answered to an upload: the assets it accepted (each trackable with
 * {@link dev.taskpoll.TaskpollClient#track(TaskRef)} until {@code Active}, when its result URL is {@code asset://id}), and the
 * URLs it refused with the reason given (SD2 Manxue's {@code failedItems}).
 *
 * @param accepted the assets accepted
 * @param refused  the URLs refused, each with the reason given
 */
public record AssetUpload(List<Accepted> accepted, Map<String, String> refused) {

    /**
     * An answer; the list and the map are copied.
     *
     * @param accepted the assets accepted
     * @param refused  the URLs refused, each with the reason given
     */
    public AssetUpload {
        accepted = List.copyOf(accepted);
        refused = Map.copyOf(refused);
    }

    /**
     * One accepted asset.
     *
     * @param assetId the asset's id
     * @param library the library that holds it
     * @param type    its type, as sent or as the library answered ({@code assetType})
     * @param url     the URL it was uploaded from
     */
    public record Accepted(String assetId, AssetLibrary library, String type, String url) {
        /**
         * An accepted asset; its id and library are required.
         *
         * @param assetId the asset's id
         * @param library the library that holds it
         * @param type    its type ({@code assetType})
         * @param url     the URL it was uploaded from
         */
        public Accepted {
            Objects.requireNonNull(assetId, "assetId");
            Objects.requireNonNull(library, "library");
        }

        /**
         * The asset to track.
         *
         * @return the asset's reference
         */
        public TaskRef ref() {
            return TaskRef.of(assetId, library);
        }

        /**
         * How to reference it in a generation request: {@code asset://id}.
         *
         * @return {@code asset://} and the asset's id
         */
        public String reference() {
            return "asset://" + assetId;
        }
    }
}
