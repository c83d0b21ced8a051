package io.tributary.replication.partition;

/** Who writes a batch, which decides how much of it is checked (as Kafka's AppendOrigin). */
public enum AppendOrigin {
    /** A producer: the batch is validated as Kafka's LogValidator does before anything is written. */
    CLIENT,
    /** A coordinator of this broker writing its internal topic: the batch is built here and trusted. */
    COORDINATOR
}
