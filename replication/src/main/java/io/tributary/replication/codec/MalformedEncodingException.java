package io.tributary.replication.codec;

/** Bytes that are not what their format says: cut short, with impossible lengths, or of an unknown version. */
public final class MalformedEncodingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public MalformedEncodingException(String message) {
        super(message);
    }
}
