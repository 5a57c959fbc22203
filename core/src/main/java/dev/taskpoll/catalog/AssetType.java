package dev.taskpoll.catalog;

/** What an asset is; {@link #wireName()} is the capitalised name the API wants. */
public enum AssetType {
    /** An image: {@code Image}. */
    IMAGE("Image"),
    /** A video: {@code Video}. */
    VIDEO("Video"),
    /** An audio file: {@code Audio}. */
    AUDIO("Audio"),
    /** A document: {@code Document}. */
    DOCUMENT("Document");

    private final String wireName;

    AssetType(String wireName) {
        this.wireName = wireName;
    }

    /**
     * {@code Image}, {@code Video}, {@code Audio} or {@code Document}.
     *
     * @return the name
     */
    public String wireName() {
        return wireName;
    }
}
