package io.tributary.coordinator.runtime;

import java.nio.ByteBuffer;

/**
 * One record of a coordinator's internal topic partition: a key and a value, both encoded by the
 * coordinator that owns them. A null value is a tombstone: the key is gone.
 */
public record CoordinatorRecord(ByteBuffer key, ByteBuffer value) {
    public static CoordinatorRecord tombstone(ByteBuffer key) {
        return new CoordinatorRecord(key, null);
    }

    public boolean isTombstone() {
        return value == null;
    }

    /** About what the record takes in a record batch: key, value and a record header's worth. */
    public int estimatedSize() {
        return 32 + key.remaining() + (value == null ? 0 : value.remaining());
    }
}
