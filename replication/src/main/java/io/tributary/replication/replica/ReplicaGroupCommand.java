package io.tributary.replication.replica;

import io.tributary.replication.codec.ByteReader;
import io.tributary.replication.codec.ByteWriter;
import io.tributary.replication.codec.MalformedEncodingException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The entries of a replica group's Raft log, and their binary encoding (see {@link ByteWriter}):
 *
 * <pre>
 * entry := version:int16 (=2) type:int8 body
 *   type 1, produce:           timestampMs:int64 count:int32 (key logAppendTime:bool expectedMarker:int64 batch:bytes)*
 *                              (version 1 had no expectedMarker)
 *   type 2, add partitions:    count:int32 (key topic:string configs:map)*
 *   type 3, remove partitions: count:int32 key*
 *   type 4, delete records:    count:int32 (key offset:int64)*
 *   type 5, write markers:     timestampMs:int64 count:int32
 *                              (key producerId:int64 producerEpoch:int16 coordinatorEpoch:int32 commit:bool)*
 * key := topicId:uuid partition:int32
 * </pre>
 */
public sealed interface ReplicaGroupCommand {
    int VERSION = 2;
    byte PRODUCE = 1;
    byte ADD_PARTITIONS = 2;
    byte REMOVE_PARTITIONS = 3;
    byte DELETE_RECORDS = 4;
    byte WRITE_MARKERS = 5;

    /**
     * Batches for several partitions of the group, validated by the leader, in one entry: one
     * replication round and one fsync for all of them.
     *
     * @param timestampMs the leader's clock when it accepted the request (LogAppendTime, expiry)
     */
    record Produce(long timestampMs, List<ProduceItem> items) implements ReplicaGroupCommand {
    }

    /**
     * One partition's batch; {@code logAppendTime} says the topic stamps the leader's time on it, and
     * {@code expectedMarker} what a transactional batch was verified against
     * ({@link ProducerStateTable#UNCHECKED} for others).
     */
    record ProduceItem(PartitionKey key, boolean logAppendTime, long expectedMarker, ByteBuffer batch) {
    }

    record AddPartitions(List<NewPartition> partitions) implements ReplicaGroupCommand {
    }

    record NewPartition(PartitionKey key, String topic, Map<String, String> configs) {
    }

    record RemovePartitions(List<PartitionKey> partitions) implements ReplicaGroupCommand {
    }

    /** Moves log start offsets forward (DeleteRecords); -1 means the last stable offset (the high watermark unless a transaction is open). */
    record DeleteRecords(List<PartitionKey> partitions, List<Long> offsets) implements ReplicaGroupCommand {
    }

    /**
     * Transaction markers: each ends its producer's open transaction in one partition.
     *
     * @param timestampMs the leader's clock when it accepted the request (the markers' timestamp)
     */
    record WriteMarkers(long timestampMs, List<Marker> markers) implements ReplicaGroupCommand {
    }

    /** A commit or abort marker from the transaction coordinator in {@code coordinatorEpoch}. */
    record Marker(PartitionKey key, long producerId, short producerEpoch, int coordinatorEpoch, boolean commit) {
    }

    static ByteBuffer encode(ReplicaGroupCommand command) {
        if (command instanceof Produce p) {
            int size = 16;
            for (ProduceItem item : p.items()) {
                size += 32 + item.batch().remaining();
            }
            ByteWriter w = new ByteWriter(size).putVersion(VERSION).putByte(PRODUCE).putLong(p.timestampMs())
                    .putInt(p.items().size());
            for (ProduceItem item : p.items()) {
                putKey(w, item.key()).putBoolean(item.logAppendTime()).putLong(item.expectedMarker()).putBytes(item.batch());
            }
            return w.toBuffer();
        }
        ByteWriter w = new ByteWriter(256).putVersion(VERSION);
        if (command instanceof AddPartitions a) {
            w.putByte(ADD_PARTITIONS).putInt(a.partitions().size());
            for (NewPartition np : a.partitions()) {
                putKey(w, np.key()).putString(np.topic()).putStringMap(np.configs());
            }
        } else if (command instanceof RemovePartitions r) {
            w.putByte(REMOVE_PARTITIONS).putInt(r.partitions().size());
            r.partitions().forEach(k -> putKey(w, k));
        } else if (command instanceof DeleteRecords d) {
            w.putByte(DELETE_RECORDS).putInt(d.partitions().size());
            for (int i = 0; i < d.partitions().size(); i++) {
                putKey(w, d.partitions().get(i)).putLong(d.offsets().get(i));
            }
        } else if (command instanceof WriteMarkers m) {
            w.putByte(WRITE_MARKERS).putLong(m.timestampMs()).putInt(m.markers().size());
            for (Marker marker : m.markers()) {
                putKey(w, marker.key()).putLong(marker.producerId()).putShort(marker.producerEpoch())
                        .putInt(marker.coordinatorEpoch()).putBoolean(marker.commit());
            }
        }
        return w.toBuffer();
    }

    static ReplicaGroupCommand decode(ByteBuffer bytes) {
        ByteReader r = new ByteReader(bytes);
        int version = r.version(VERSION, "replica group entry");
        ReplicaGroupCommand command = decodeBody(r, version);
        r.expectEnd();
        return command;
    }

    private static ReplicaGroupCommand decodeBody(ByteReader r, int version) {
        byte type = r.getByte();
        switch (type) {
            case PRODUCE: {
                long ts = r.getLong();
                List<ProduceItem> items = new ArrayList<>();
                for (int i = r.count(); i > 0; i--) {
                    PartitionKey key = getKey(r);
                    boolean logAppendTime = r.getBoolean();
                    long expectedMarker = version >= 2 ? r.getLong() : ProducerStateTable.UNCHECKED;
                    items.add(new ProduceItem(key, logAppendTime, expectedMarker, r.getBytes()));
                }
                return new Produce(ts, items);
            }
            case ADD_PARTITIONS: {
                List<NewPartition> partitions = new ArrayList<>();
                for (int i = r.count(); i > 0; i--) {
                    partitions.add(new NewPartition(getKey(r), r.getString(), r.getStringMap()));
                }
                return new AddPartitions(partitions);
            }
            case REMOVE_PARTITIONS: {
                List<PartitionKey> keys = new ArrayList<>();
                for (int i = r.count(); i > 0; i--) {
                    keys.add(getKey(r));
                }
                return new RemovePartitions(keys);
            }
            case DELETE_RECORDS: {
                List<PartitionKey> keys = new ArrayList<>();
                List<Long> offsets = new ArrayList<>();
                for (int i = r.count(); i > 0; i--) {
                    keys.add(getKey(r));
                    offsets.add(r.getLong());
                }
                return new DeleteRecords(keys, offsets);
            }
            case WRITE_MARKERS: {
                long ts = r.getLong();
                List<Marker> markers = new ArrayList<>();
                for (int i = r.count(); i > 0; i--) {
                    markers.add(new Marker(getKey(r), r.getLong(), r.getShort(), r.getInt(), r.getBoolean()));
                }
                return new WriteMarkers(ts, markers);
            }
            default:
                throw new MalformedEncodingException("unknown replica group entry type " + type);
        }
    }

    private static ByteWriter putKey(ByteWriter w, PartitionKey key) {
        return w.putUuid(key.topicId()).putInt(key.partition());
    }

    private static PartitionKey getKey(ByteReader r) {
        return new PartitionKey(r.getUuid(), r.getInt());
    }

}
