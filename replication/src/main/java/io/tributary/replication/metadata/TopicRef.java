package io.tributary.replication.metadata;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/** A topic as a request names it: by name, or, in newer request versions, by id with the name left empty. */
public record TopicRef(String name, Uuid id) {

    public static TopicRef byName(String name) {
        return new TopicRef(name, null);
    }

    public boolean byId() {
        return name == null || name.isEmpty();
    }

    /** The error for a topic that does not exist: UNKNOWN_TOPIC_ID when it was named by an id. */
    public Errors unknown() {
        return byId() && id != null && !Uuid.ZERO_UUID.equals(id) ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
    }
}
