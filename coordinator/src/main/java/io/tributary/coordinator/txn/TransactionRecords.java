package io.tributary.coordinator.txn;

import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.replication.codec.ByteReader;
import io.tributary.replication.codec.ByteWriter;
import io.tributary.replication.codec.MalformedEncodingException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The records the transaction coordinator writes to {@code __transaction_state}, in Tributary's binary
 * format (see {@link ByteWriter}):
 *
 * <pre>
 * key   := version:int16 (=1) transactionalId:string
 * value := version:int16 (=2, 1 still read) producerId:int64 previousProducerId:int64 producerEpoch:int16
 *          lastProducerEpoch:int16 timeoutMs:int32 state:int8 startMs:int64 lastUpdateMs:int64
 *          nextProducerId:int64 (from version 2; -1 when read from version 1)
 *          topicCount:int32 (topic:string partitionCount:int32 partition:int32*)*
 * </pre>
 *
 * A null value (tombstone) is an expired transactional id. State ids are Kafka's ({@link TransactionState}).
 */
public final class TransactionRecords {
    static final int KEY_VERSION = 1;
    static final int VALUE_VERSION = 2;

    private TransactionRecords() {
    }

    public static CoordinatorRecord record(TransactionMetadata m) {
        return new CoordinatorRecord(encodeKey(m.transactionalId()), encodeValue(m));
    }

    public static CoordinatorRecord tombstone(String transactionalId) {
        return CoordinatorRecord.tombstone(encodeKey(transactionalId));
    }

    static ByteBuffer encodeKey(String transactionalId) {
        return new ByteWriter(32 + transactionalId.length()).putVersion(KEY_VERSION).putString(transactionalId).toBuffer();
    }

    static ByteBuffer encodeValue(TransactionMetadata m) {
        ByteWriter w = new ByteWriter(128).putVersion(VALUE_VERSION).putLong(m.producerId()).putLong(m.previousProducerId())
                .putShort(m.producerEpoch()).putShort(m.lastProducerEpoch()).putInt(m.timeoutMs()).putByte(m.state().id())
                .putLong(m.startMs()).putLong(m.lastUpdateMs()).putLong(m.nextProducerId());
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : m.partitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        w.putInt(byTopic.size());
        byTopic.forEach((topic, partitions) -> {
            w.putString(topic).putInt(partitions.size());
            partitions.stream().sorted().forEach(w::putInt);
        });
        return w.toBuffer();
    }

    public static String decodeKey(ByteBuffer buffer) {
        ByteReader r = new ByteReader(buffer);
        r.version(KEY_VERSION, "transaction coordinator key");
        String id = r.getString();
        if (id == null) {
            throw new MalformedEncodingException("transactional id must not be null");
        }
        r.expectEnd();
        return id;
    }

    public static TransactionMetadata decodeValue(String transactionalId, ByteBuffer buffer) {
        ByteReader r = new ByteReader(buffer);
        int version = r.version(VALUE_VERSION, "transaction coordinator value");
        long producerId = r.getLong();
        long previousProducerId = r.getLong();
        short epoch = r.getShort();
        short lastEpoch = r.getShort();
        int timeoutMs = r.getInt();
        TransactionState state;
        try {
            state = TransactionState.of(r.getByte());
        } catch (IllegalArgumentException e) {
            throw new MalformedEncodingException(e.getMessage());
        }
        long startMs = r.getLong();
        long lastUpdateMs = r.getLong();
        long nextProducerId = version >= 2 ? r.getLong() : -1;
        Set<TopicPartition> partitions = new HashSet<>();
        for (int t = r.count(); t > 0; t--) {
            String topic = r.getString();
            if (topic == null) {
                throw new MalformedEncodingException("topic must not be null");
            }
            for (int p = r.count(); p > 0; p--) {
                partitions.add(new TopicPartition(topic, r.getInt()));
            }
        }
        r.expectEnd();
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, epoch, lastEpoch, timeoutMs, state,
                partitions, startMs, lastUpdateMs, nextProducerId);
    }
}
