package dev.taskpoll.catalog;

import dev.taskpoll.TaskRef;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an asset library answered to an upload: the assets it accepted (each trackable with
 * {@link dev.taskpoll.TaskpollClient#track(TaskRef)} until {@code Active}, when its result URL is {@code asset://id}), and the
 * URLs it refused with the reason given (SD2 Manxue's {@code failedItems}).
 */
public record AssetUpload(List<Accepted> accepted, Map<String, String> refused) {

    public AssetUpload {
        accepted = List.copyOf(accepted);
        refused = Map.copyOf(refused);
    }

    /** One accepted asset. */
    public record Accepted(String assetId, AssetLibrary library, String type, String url) {
        public Accepted {
            Objects.requireNonNull(assetId, "assetId");
            Objects.requireNonNull(library, "library");
        }

        /** The asset to track. */
        public TaskRef ref() {
            return TaskRef.of(assetId, library);
        }

        /** How to reference it in a generation request: {@code asset://id}. */
        public String reference() {
            return "asset://" + assetId;
        }
    }
}
