package io.tributary.replication.metadata;

import io.tributary.replication.codec.ByteReader;
import io.tributary.replication.codec.ByteWriter;
import io.tributary.replication.codec.MalformedEncodingException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * The entries of the metadata Raft log. Each is a change the proposer asks for; whether it happens is
 * decided when it is applied, against the metadata as it is then.
 *
 * <p>Encoding (see {@link ByteWriter}): {@code version:int16 (=1) type:int8} and the record's fields in
 * order, types numbered 1 to 8 as declared here; a list of ints as {@code count:int32 int32*}.
 */
public sealed interface MetadataCommand {
    int VERSION = 1;

    /** A broker announces (or updates) its endpoints; the first one to register names the cluster. */
    record RegisterBroker(BrokerInfo broker, String clusterId) implements MetadataCommand {
    }

    /**
     * Creates a topic. The proposer picks the id (random ids cannot be drawn while applying) and says how
     * many replica groups each broker should host, so every replica places partitions identically.
     */
    record CreateTopic(String name, Uuid id, int partitions, int replicationFactor, Map<String, String> configs,
                       int groupsPerBroker) implements MetadataCommand {
    }

    record DeleteTopic(String name) implements MetadataCommand {
    }

    /** Grows a topic to {@code totalPartitions}. */
    record CreatePartitions(String name, int totalPartitions, int groupsPerBroker) implements MetadataCommand {
    }

    /** Replaces a topic's configuration overrides. */
    record SetTopicConfigs(String name, Map<String, String> configs) implements MetadataCommand {
    }

    /** Hands a block of producer ids to a broker; the reply carries the first id. */
    record AllocateProducerIds(int brokerId, int count) implements MetadataCommand {
    }

    /** A replica group's leader reports itself, its term and the replicas caught up with it. */
    record ReportLeader(String groupId, int leader, long term, List<Integer> inSync) implements MetadataCommand {
    }

    /** The metadata leader marks a broker unreachable (fenced) or reachable again. */
    record FenceBroker(int brokerId, boolean fenced) implements MetadataCommand {
    }

    static ByteBuffer encode(MetadataCommand command) {
        ByteWriter w = new ByteWriter(128).putVersion(VERSION);
        if (command instanceof RegisterBroker c) {
            w.putByte(1).putInt(c.broker().id()).putString(c.broker().host()).putInt(c.broker().port())
                    .putString(c.broker().raftAddress()).putString(c.clusterId());
        } else if (command instanceof CreateTopic c) {
            w.putByte(2).putString(c.name()).putUuid(c.id()).putInt(c.partitions()).putInt(c.replicationFactor())
                    .putStringMap(c.configs()).putInt(c.groupsPerBroker());
        } else if (command instanceof DeleteTopic c) {
            w.putByte(3).putString(c.name());
        } else if (command instanceof CreatePartitions c) {
            w.putByte(4).putString(c.name()).putInt(c.totalPartitions()).putInt(c.groupsPerBroker());
        } else if (command instanceof SetTopicConfigs c) {
            w.putByte(5).putString(c.name()).putStringMap(c.configs());
        } else if (command instanceof AllocateProducerIds c) {
            w.putByte(6).putInt(c.brokerId()).putInt(c.count());
        } else if (command instanceof ReportLeader c) {
            w.putByte(7).putString(c.groupId()).putInt(c.leader()).putLong(c.term()).putInt(c.inSync().size());
            c.inSync().forEach(w::putInt);
        } else if (command instanceof FenceBroker c) {
            w.putByte(8).putInt(c.brokerId()).putBoolean(c.fenced());
        }
        return w.toBuffer();
    }

    static MetadataCommand decode(ByteBuffer bytes) {
        ByteReader r = new ByteReader(bytes);
        r.version(VERSION, "metadata entry");
        MetadataCommand command = decodeBody(r);
        r.expectEnd();
        return command;
    }

    private static MetadataCommand decodeBody(ByteReader r) {
        byte type = r.getByte();
        return switch (type) {
            case 1 -> new RegisterBroker(new BrokerInfo(r.getInt(), r.getString(), r.getInt(), r.getString()), r.getString());
            case 2 -> new CreateTopic(r.getString(), r.getUuid(), r.getInt(), r.getInt(), r.getStringMap(), r.getInt());
            case 3 -> new DeleteTopic(r.getString());
            case 4 -> new CreatePartitions(r.getString(), r.getInt(), r.getInt());
            case 5 -> new SetTopicConfigs(r.getString(), r.getStringMap());
            case 6 -> new AllocateProducerIds(r.getInt(), r.getInt());
            case 7 -> {
                String group = r.getString();
                int leader = r.getInt();
                long term = r.getLong();
                List<Integer> inSync = new ArrayList<>();
                for (int i = r.count(); i > 0; i--) {
                    inSync.add(r.getInt());
                }
                yield new ReportLeader(group, leader, term, inSync);
            }
            case 8 -> new FenceBroker(r.getInt(), r.getBoolean());
            default -> throw new MalformedEncodingException("unknown metadata entry type " + type);
        };
    }
}
