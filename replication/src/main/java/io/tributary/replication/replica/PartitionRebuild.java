package io.tributary.replication.replica;

import io.tributary.storage.AbortedTxn;
import io.tributary.storage.BatchHeader;
import io.tributary.storage.FileSlice;
import io.tributary.storage.OffsetOutOfRangeException;
import io.tributary.storage.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Function;
import org.apache.kafka.common.protocol.Errors;

/**
 * Brings one partition log of a rebuilding replica up to a given end offset with the leader's records
 * ({@link PartitionRead}), keeping what the two logs have in common.
 *
 * <p>The local log is kept up to its end if its last batch is byte for byte the leader's batch at that
 * offset: a batch carries its leader epoch, and both logs took every batch from the same Raft log, so
 * logs that agree on a batch agree on everything before it. Otherwise the local log is emptied and
 * copied whole. An interrupted copy leaves whole, checked batches, so the next attempt resumes after
 * them. Every copied batch is checked (length, magic, CRC-32C) before it is appended, and its offsets
 * must continue the log.
 */
final class PartitionRebuild {
    /** Bytes asked for per query: one read of the leader's segment, well under Ratis's message limit. */
    static final int CHUNK_BYTES = 1024 * 1024;

    private final PartitionKey key;
    private final PartitionLog log;
    private final Function<PartitionRead.Request, PartitionRead.Answer> leader;

    PartitionRebuild(PartitionKey key, PartitionLog log, Function<PartitionRead.Request, PartitionRead.Answer> leader) {
        this.key = key;
        this.log = log;
        this.leader = leader;
    }

    /** Makes the log end at {@code endOffset} holding the leader's records, with the leader's log start offset. */
    void copyUpTo(long endOffset) throws IOException {
        if (log.logEndOffset() > endOffset) {
            log.truncateTo(endOffset);
        }
        long leaderStart = keepCommonPrefix(endOffset);
        while (log.logEndOffset() < endOffset) {
            long next = log.logEndOffset();
            PartitionRead.Answer answer = leader.apply(new PartitionRead.Request(key, next, endOffset, CHUNK_BYTES));
            leaderStart = answer.logStartOffset();
            if (answer.error() == Errors.OFFSET_OUT_OF_RANGE && next < leaderStart) {
                log.truncateFullyAndStartAt(leaderStart);
                continue;
            }
            if (answer.error() != Errors.NONE) {
                throw new IOException("the leader answered " + answer.error() + " for the records of " + key + " from " + next);
            }
            long base = answer.records().hasRemaining() ? BatchHeader.baseOffset(answer.records(), answer.records().position()) : next;
            if (base < next && log.logStartOffset() == next) {
                // An empty log starting inside the leader's first batch (the leader's log start offset is
                // there): the batch comes whole, as it is on the leader, and the start moves back up after.
                log.truncateFullyAndStartAt(base);
            }
            append(answer, log.logEndOffset(), endOffset);
        }
        if (leaderStart > log.logStartOffset() && leaderStart <= log.logEndOffset()) {
            log.advanceLogStartOffset(leaderStart);
        }
    }

    /**
     * Empties the log unless its last batch is the leader's; returns the leader's log start offset, or -1
     * if the log was empty and the leader was not asked.
     */
    private long keepCommonPrefix(long endOffset) throws IOException {
        ByteBuffer last = lastBatch();
        if (last == null) {
            return -1;
        }
        long base = BatchHeader.baseOffset(last, 0);
        PartitionRead.Answer answer = leader.apply(new PartitionRead.Request(key, base, endOffset, last.remaining()));
        if (answer.error() != Errors.NONE && answer.error() != Errors.OFFSET_OUT_OF_RANGE) {
            throw new IOException("the leader answered " + answer.error() + " for the records of " + key + " at " + base);
        }
        ByteBuffer theirs = answer.records();
        boolean same = answer.error() == Errors.NONE && theirs.remaining() >= last.remaining()
                && theirs.duplicate().limit(theirs.position() + last.remaining()).equals(last);
        if (!same) {
            log.truncateFullyAndStartAt(answer.logStartOffset());
        }
        return answer.logStartOffset();
    }

    /** The log's last batch, or null if the log holds none. */
    private ByteBuffer lastBatch() throws IOException {
        if (log.logEndOffset() <= log.logStartOffset()) {
            return null;
        }
        try {
            FileSlice slice = log.read(log.logEndOffset() - 1, 1, Long.MAX_VALUE, true);
            return slice.isEmpty() ? null : slice.read();
        } catch (OffsetOutOfRangeException e) {
            return null;
        }
    }

    private void append(PartitionRead.Answer answer, long next, long endOffset) throws IOException {
        ByteBuffer records = answer.records();
        if (!records.hasRemaining()) {
            throw new IOException("the leader has no records of " + key + " from " + next + ", though its snapshot ends at "
                    + endOffset);
        }
        long expected = next;
        for (int pos = records.position(); pos < records.limit(); pos += BatchHeader.sizeInBytes(records, pos)) {
            String invalid = BatchHeader.validate(records, pos, records.limit());
            if (invalid != null) {
                throw new IOException("a batch of " + key + " from the leader is corrupt: " + invalid);
            }
            if (BatchHeader.baseOffset(records, pos) != expected || BatchHeader.lastOffset(records, pos) >= endOffset) {
                throw new IOException("the leader's batch of " + key + " at " + BatchHeader.baseOffset(records, pos)
                        + " does not continue the log at " + expected + " (ending by " + endOffset + ")");
            }
            expected = BatchHeader.lastOffset(records, pos) + 1;
        }
        log.append(records);
        for (AbortedTxn txn : answer.aborted()) {
            log.appendAbortedTxn(txn);
        }
    }

    /** The whole batches at the start of {@code records}: a read may end inside its last batch. */
    static ByteBuffer wholeBatches(ByteBuffer records) {
        int pos = records.position();
        while (records.limit() - pos >= BatchHeader.SIZE) {
            int size = BatchHeader.sizeInBytes(records, pos);
            if (size < BatchHeader.SIZE || size > records.limit() - pos) {
                break;
            }
            pos += size;
        }
        return records.duplicate().limit(pos);
    }
}
