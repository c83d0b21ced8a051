package io.tributary.storage;

/** A timestamp and an offset, as indexes and timestamp lookups return them; -1 means no timestamp. */
public record TimestampOffset(long timestamp, long offset) {
}
