package io.tributary.replication.metadata;

import io.tributary.replication.codec.ByteReader;
import io.tributary.replication.codec.ByteWriter;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.Errors;

/** What applying a metadata command produced: a Kafka error (NONE on success), a message, and a value. */
public record MetadataResult(Errors error, String message, long value) {
    public static final MetadataResult OK = new MetadataResult(Errors.NONE, null, 0);

    public static MetadataResult error(Errors error, String message) {
        return new MetadataResult(error, message, 0);
    }

    public boolean isOk() {
        return error == Errors.NONE;
    }

    ByteBuffer encode() {
        return new ByteWriter(32).putShort(error.code()).putString(message).putLong(value).toBuffer();
    }

    static MetadataResult decode(ByteBuffer bytes) {
        ByteReader r = new ByteReader(bytes);
        return new MetadataResult(Errors.forCode(r.getShort()), r.getString(), r.getLong());
    }
}
