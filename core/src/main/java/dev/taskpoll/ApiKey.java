package dev.taskpoll;

import java.util.Objects;

/**
 * An API key. It is never printed: {@link #toString()} gives {@code ApiKey[redacted]}, and no taskpoll log line or
 * exception message contains it.
 */
public final class ApiKey {

    private final String value;

    private ApiKey(String value) {
        this.value = value;
    }

    /**
     * An API key from its text.
     *
     * @param value the key's text
     * @return the key
     * @throws InvalidOptionException if it is blank or holds white space or control characters (which would
     *                                corrupt the {@code Authorization} header); the message does not contain it
     */
    public static ApiKey of(String value) {
        Objects.requireNonNull(value, "apiKey");
        if (value.isBlank()) {
            throw new InvalidOptionException("apiKey", "must not be blank");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || c > 0x7e) {
                throw new InvalidOptionException("apiKey", "character at index " + i
                        + " is not allowed (white space, control or non-ASCII)");
            }
        }
        return new ApiKey(value);
    }

    /** The {@code Authorization} header value. Package-private: only the client's HTTP set-up reads it. */
    String bearer() {
        return "Bearer " + value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApiKey other && other.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return "ApiKey[redacted]";
    }
}
