package io.tributary.replication.metadata;

import io.tributary.replication.codec.ByteReader;
import io.tributary.replication.codec.ByteWriter;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.Errors;

/**
 * What applying a metadata command produced: a Kafka error (NONE on success), a message, and a value.
 * Encoded as {@code version:int16 (=1) error:int16 message:string value:int64}.
 */
public record MetadataResult(Errors error, String message, long value) {
    private static final int VERSION = 1;
    public static final MetadataResult OK = new MetadataResult(Errors.NONE, null, 0);

    public static MetadataResult error(Errors error, String message) {
        return new MetadataResult(error, message, 0);
    }

    public boolean isOk() {
        return error == Errors.NONE;
    }

    ByteBuffer encode() {
        return new ByteWriter(32).putVersion(VERSION).putShort(error.code()).putString(message).putLong(value).toBuffer();
    }

    static MetadataResult decode(ByteBuffer bytes) {
        ByteReader r = new ByteReader(bytes);
        r.version(VERSION, "metadata reply");
        return new MetadataResult(Errors.forCode(r.getShort()), r.getString(), r.getLong());
    }
}
