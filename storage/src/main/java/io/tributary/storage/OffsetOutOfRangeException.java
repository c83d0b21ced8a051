package io.tributary.storage;

/** A read asked for an offset below the log start offset or above the log end offset. */
public final class OffsetOutOfRangeException extends Exception {
    public OffsetOutOfRangeException(long offset, long logStartOffset, long logEndOffset) {
        super("offset " + offset + " is outside the log [" + logStartOffset + ", " + logEndOffset + "]");
    }
}
