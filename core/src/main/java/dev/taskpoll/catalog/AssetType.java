package dev.taskpoll.catalog;

/** What an asset is; {@link #wireName()} is the capitalised name the API wants. */
public enum AssetType {
    IMAGE("Image"), VIDEO("Video"), AUDIO("Audio"), DOCUMENT("Document");

    private final String wireName;

    AssetType(String wireName) {
        this.wireName = wireName;
    }

    /** {@code Image}, {@code Video}, {@code Audio} or {@code Document}. */
    public String wireName() {
        return wireName;
    }
}
