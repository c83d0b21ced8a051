package io.tributary.replication.metadata;

/** A broker as clients and peers reach it: its Kafka listener and its Raft address. */
public record BrokerInfo(int id, String host, int port, String raftAddress) {
}
