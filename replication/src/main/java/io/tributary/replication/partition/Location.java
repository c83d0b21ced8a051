package io.tributary.replication.partition;

import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.ReplicaGroupInfo;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.replica.PartitionKey;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroupId;

/** Where a partition lives according to the metadata: its key, topic and replica group. */
record Location(PartitionKey key, TopicInfo topic, ReplicaGroupInfo group) {

    /** The partition's place, or null when the topic has no such partition or its group is unknown. */
    static Location of(MetadataImage image, TopicInfo topic, int partition) {
        if (partition < 0 || partition >= topic.partitionCount()) {
            return null;
        }
        ReplicaGroupInfo group = image.replicaGroups().get(topic.partitionGroups().get(partition));
        return group == null ? null : new Location(new PartitionKey(topic.id(), partition), topic, group);
    }

    RaftGroupId raftGroup() {
        return RaftGroupId.valueOf(UUID.fromString(group.id()));
    }
}
