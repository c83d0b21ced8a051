package io.tributary.replication;

/** This broker does not lead the Raft group a request needs; clients should refresh metadata. */
public final class NotLeaderException extends RuntimeException {
    public NotLeaderException(String message) {
        super(message, null, false, false);
    }
}
