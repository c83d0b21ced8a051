package io.tributary.replication.replica;

import io.tributary.replication.codec.ByteReader;
import io.tributary.replication.codec.ByteWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.protocol.Errors;

/**
 * What an entry did to one partition: an error or the offset it appended at (for DeleteRecords, the new
 * log start offset), the LogAppendTime stamped (-1 if none) and the log start offset. A replica group
 * answers an entry with one per partition, in the entry's order:
 *
 * <pre>
 * reply := version:int16 (=1) count:int32 (error:int16 message:string offset:int64 logAppendTime:int64
 *          logStartOffset:int64)*
 * </pre>
 */
public record PartitionResult(Errors error, String message, long offset, long logAppendTime, long logStartOffset) {
    private static final int VERSION = 1;

    public static PartitionResult error(Errors error, String message) {
        return new PartitionResult(error, message, -1, -1, -1);
    }

    static ByteBuffer encodeAll(List<PartitionResult> results) {
        ByteWriter w = new ByteWriter(8 + results.size() * 40).putVersion(VERSION).putInt(results.size());
        for (PartitionResult r : results) {
            w.putShort(r.error().code()).putString(r.message()).putLong(r.offset()).putLong(r.logAppendTime())
                    .putLong(r.logStartOffset());
        }
        return w.toBuffer();
    }

    public static List<PartitionResult> decodeAll(ByteBuffer bytes) {
        ByteReader r = new ByteReader(bytes);
        r.version(VERSION, "replica group reply");
        List<PartitionResult> out = new ArrayList<>();
        for (int i = r.count(); i > 0; i--) {
            out.add(new PartitionResult(Errors.forCode(r.getShort()), r.getString(), r.getLong(), r.getLong(), r.getLong()));
        }
        return out;
    }
}
