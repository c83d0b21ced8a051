package io.tributary.replication.replica;

import io.tributary.replication.codec.ByteReader;
import io.tributary.replication.codec.ByteWriter;
import io.tributary.storage.AbortedTxn;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.protocol.Errors;

/**
 * The read-only query a rebuilding replica sends its group's leader for a partition's records (see
 * {@link ReplicaGroup#rebuildFrom}), and the answer: whole batches as the leader stores them, and the
 * transactions aborted by markers among them, which the replica indexes as the leader did.
 *
 * <pre>
 * request := version:int16 (=1) topicId:uuid partition:int32 fromOffset:int64 endOffset:int64 maxBytes:int32
 * answer  := version:int16 (=1) error:int16 logStartOffset:int64
 *            count:int32 (producerId:int64 firstOffset:int64 lastOffset:int64 lastStableOffset:int64)*
 *            records:bytes
 * </pre>
 *
 * The records start at the batch holding {@code fromOffset}, hold no batch that reaches {@code endOffset},
 * and are at most {@code maxBytes} long unless the first batch alone is longer. {@code OFFSET_OUT_OF_RANGE}
 * means {@code fromOffset} is outside the leader's log ({@code logStartOffset} says where it starts).
 */
final class PartitionRead {
    private static final int VERSION = 1;

    private PartitionRead() {
    }

    record Request(PartitionKey key, long fromOffset, long endOffset, int maxBytes) {
        ByteBuffer encode() {
            return new ByteWriter(40).putVersion(VERSION).putUuid(key.topicId()).putInt(key.partition()).putLong(fromOffset)
                    .putLong(endOffset).putInt(maxBytes).toBuffer();
        }

        static Request decode(ByteBuffer bytes) {
            ByteReader r = new ByteReader(bytes);
            r.version(VERSION, "partition read");
            Request request = new Request(new PartitionKey(r.getUuid(), r.getInt()), r.getLong(), r.getLong(), r.getInt());
            r.expectEnd();
            return request;
        }
    }

    record Answer(Errors error, long logStartOffset, List<AbortedTxn> aborted, ByteBuffer records) {
        static Answer error(Errors error, long logStartOffset) {
            return new Answer(error, logStartOffset, List.of(), ByteBuffer.allocate(0));
        }

        ByteBuffer encode() {
            ByteWriter w = new ByteWriter(32 + aborted.size() * 32 + records.remaining()).putVersion(VERSION)
                    .putShort(error.code()).putLong(logStartOffset).putInt(aborted.size());
            for (AbortedTxn txn : aborted) {
                w.putLong(txn.producerId()).putLong(txn.firstOffset()).putLong(txn.lastOffset()).putLong(txn.lastStableOffset());
            }
            return w.putBytes(records.duplicate()).toBuffer();
        }

        static Answer decode(ByteBuffer bytes) {
            ByteReader r = new ByteReader(bytes);
            r.version(VERSION, "partition read answer");
            Errors error = Errors.forCode(r.getShort());
            long logStart = r.getLong();
            List<AbortedTxn> aborted = new ArrayList<>();
            for (int i = r.count(); i > 0; i--) {
                aborted.add(new AbortedTxn(r.getLong(), r.getLong(), r.getLong(), r.getLong()));
            }
            ByteBuffer records = r.getBytes();
            r.expectEnd();
            return new Answer(error, logStart, aborted, records);
        }
    }
}
