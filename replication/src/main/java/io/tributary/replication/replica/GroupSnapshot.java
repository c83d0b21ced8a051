package io.tributary.replication.replica;

import io.tributary.replication.codec.ByteReader;
import io.tributary.replication.codec.ByteWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A replica group's state as of one Raft index, as {@link ReplicaGroup} snapshots it: per partition where
 * its log ends, its leader epochs and its producers. It holds no records: they are in the partition logs,
 * flushed before the snapshot is taken, and a replica that lacks them copies them from the leader (see
 * {@link ReplicaGroup#rebuildFrom}).
 *
 * <pre>
 * snapshot  := version:int16 (=3) lastExpiryCheckMs:int64 removals:int64 count:int32 partition*
 * partition := topicId:uuid partition:int32 topic:string configs:map logEndOffset:int64
 *              epochs (see LeaderEpochCache) producers (see ProducerStateTable, which says what older
 *              versions lack)
 * </pre>
 *
 * {@code lastExpiryCheckMs} is when producers were last checked for expiry, so that every replica expires
 * them at the same entries; {@code removals} counts the partitions the group removed so far, which names
 * each directory set aside.
 */
record GroupSnapshot(long lastExpiryCheckMs, long removals, List<Partition> partitions) {
    private static final int VERSION = 3;

    /** One partition's state. */
    record Partition(PartitionKey key, String topic, Map<String, String> configs, long logEndOffset,
                     LeaderEpochCache epochs, ProducerStateTable producers) {
    }

    ByteBuffer encode() {
        ByteWriter w = new ByteWriter(4096).putVersion(VERSION).putLong(lastExpiryCheckMs).putLong(removals)
                .putInt(partitions.size());
        for (Partition p : partitions) {
            w.putUuid(p.key().topicId()).putInt(p.key().partition()).putString(p.topic()).putStringMap(p.configs())
                    .putLong(p.logEndOffset());
            p.epochs().encode(w);
            p.producers().encode(w);
        }
        return w.toBuffer();
    }

    /** @param source names the bytes in errors */
    static GroupSnapshot decode(ByteBuffer bytes, String source) {
        ByteReader r = new ByteReader(bytes);
        int version = r.version(VERSION, "replica group snapshot " + source);
        long lastExpiryCheckMs = r.getLong();
        long removals = r.getLong();
        List<Partition> partitions = new ArrayList<>();
        for (int i = r.count(); i > 0; i--) {
            partitions.add(new Partition(new PartitionKey(r.getUuid(), r.getInt()), r.getString(), r.getStringMap(),
                    r.getLong(), LeaderEpochCache.decode(r), ProducerStateTable.decode(r, version)));
        }
        r.expectEnd();
        return new GroupSnapshot(lastExpiryCheckMs, removals, partitions);
    }
}
