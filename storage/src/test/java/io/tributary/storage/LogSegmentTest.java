package io.tributary.storage;

import static io.tributary.storage.TestBatches.batch;
import static io.tributary.storage.TestBatches.batchOfSize;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogSegmentTest {
    private static final LogConfig SMALL_INDEX_INTERVAL = new LogConfig(1 << 20, Long.MAX_VALUE, -1, -1, 100, 1 << 16);

    @TempDir
    Path dir;

    @Test
    void appendsAndReadsFromTheBatchHoldingAnOffset() throws Exception {
        LogSegment segment = LogSegment.create(dir, 0, LogConfig.DEFAULTS, 0);
        segment.append(batch(0, 100, "a", "b"));
        segment.append(batch(2, 200, "c"));

        assertThat(segment.nextOffset()).isEqualTo(3);
        assertThat(segment.maxTimestamp()).isEqualTo(200);
        assertThat(offsets(segment.read(1, 1 << 20, Long.MAX_VALUE, false))).containsExactly(0L, 1L, 2L);
        assertThat(offsets(segment.read(2, 1 << 20, Long.MAX_VALUE, false))).containsExactly(2L);
        assertThat(segment.read(3, 1 << 20, Long.MAX_VALUE, false).isEmpty()).isTrue();
    }

    @Test
    void indexesABatchEachTimeMoreThanTheIntervalWentBy() throws Exception {
        LogSegment segment = LogSegment.create(dir, 0, SMALL_INDEX_INTERVAL, 0);
        for (int i = 0; i < 10; i++) {
            segment.append(batchOfSize(i, 1000 + i, 1, 80));
        }
        // Each batch is over 100 bytes, so every batch after the first gets an entry.
        assertThat(segment.offsetIndex().entries()).isEqualTo(9);
        assertThat(segment.timeIndex().entries()).isEqualTo(9);
        assertThat(segment.positionOf(5)).isEqualTo(segment.offsetIndex().lookup(5).position());
        assertThat(offsets(segment.read(7, 1, Long.MAX_VALUE, true))).containsExactly(7L);
    }

    @Test
    void boundsReadsByBytesAndByMaxOffset() throws Exception {
        LogSegment segment = LogSegment.create(dir, 0, LogConfig.DEFAULTS, 0);
        ByteBuffer first = batchOfSize(0, 1, 5, 100);
        segment.append(first);
        segment.append(batchOfSize(5, 2, 5, 100));

        assertThat(segment.read(0, 10, Long.MAX_VALUE, false).size()).isEqualTo(10);
        assertThat(segment.read(0, 10, Long.MAX_VALUE, true).size()).isEqualTo(first.remaining());
        assertThat(offsets(segment.read(0, 1 << 20, 5, false))).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(offsets(segment.read(0, 1 << 20, 7, false))).hasSize(5);
        assertThat(segment.read(5, 1 << 20, 5, false).isEmpty()).isTrue();
    }

    @Test
    void findsTheFirstRecordAtOrAfterATimestamp() throws Exception {
        LogSegment segment = LogSegment.create(dir, 0, SMALL_INDEX_INTERVAL, 0);
        segment.append(batch(0, 1000, "a", "b", "c"));
        segment.append(batch(3, 500, "d"));
        segment.append(batch(4, 2000, "e", "f"));

        assertThat(segment.findOffsetByTimestamp(0, 0)).isEqualTo(new TimestampOffset(1000, 0));
        assertThat(segment.findOffsetByTimestamp(1001, 0)).isEqualTo(new TimestampOffset(1001, 1));
        assertThat(segment.findOffsetByTimestamp(1003, 0)).isEqualTo(new TimestampOffset(2000, 4));
        assertThat(segment.findOffsetByTimestamp(1000, 2)).isEqualTo(new TimestampOffset(1002, 2));
        assertThat(segment.findOffsetByTimestamp(2002, 0)).isNull();
    }

    @Test
    void truncationRemovesWholeBatchesAndRestoresTheTail() throws Exception {
        LogSegment segment = LogSegment.create(dir, 10, SMALL_INDEX_INTERVAL, 0);
        segment.append(batchOfSize(10, 100, 2, 80));
        segment.append(batchOfSize(12, 300, 2, 80));
        segment.append(batchOfSize(14, 200, 2, 80));

        int removed = segment.truncateTo(13);
        assertThat(removed).isPositive();
        assertThat(segment.nextOffset()).isEqualTo(12);
        assertThat(segment.maxTimestamp()).isEqualTo(101);
        assertThat(segment.offsetIndex().isConsistentWith(segment.size())).isTrue();
        segment.append(batch(12, 50, "x"));
        assertThat(offsets(segment.read(10, 1 << 20, Long.MAX_VALUE, false))).containsExactly(10L, 11L, 12L);
    }

    @Test
    void recoveryCutsAtTheFirstCorruptBatchAndRebuildsIndexes() throws Exception {
        LogSegment segment = LogSegment.create(dir, 0, SMALL_INDEX_INTERVAL, 0);
        for (int i = 0; i < 5; i++) {
            segment.append(batchOfSize(i, 10 + i, 1, 80));
        }
        int goodSize = segment.size();
        segment.append(batchOfSize(5, 20, 1, 80));
        segment.flush();
        segment.close();
        try (FileChannel ch = FileChannel.open(segment.logFile(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {42}), goodSize + 70);
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), ch.size());
        }

        LogSegment reopened = LogSegment.open(dir, 0, SMALL_INDEX_INTERVAL, true);
        int cut = reopened.recover();
        assertThat(reopened.size()).isEqualTo(goodSize);
        assertThat(cut).isPositive();
        assertThat(reopened.nextOffset()).isEqualTo(5);
        assertThat(reopened.looksIntact()).isTrue();
        assertThat(reopened.offsetIndex().entries()).isEqualTo(4);
    }

    @Test
    void rollsWhenFullOldOrOutOfIndexRange() throws Exception {
        LogConfig config = new LogConfig(200, 1000, -1, -1, 4096, 1 << 16);
        LogSegment segment = LogSegment.create(dir, 0, config, 0);
        assertThat(segment.shouldRoll(500, 0, 5000, config)).as("never roll an empty segment").isFalse();
        segment.append(batchOfSize(0, 100, 1, 50));
        assertThat(segment.shouldRoll(50, 1, 500, config)).isFalse();
        assertThat(segment.shouldRoll(150, 1, 500, config)).as("size").isTrue();
        assertThat(segment.shouldRoll(10, 1, 2000, config)).as("age from the first batch's timestamp").isTrue();
        assertThat(segment.shouldRoll(10, 1L + Integer.MAX_VALUE, 500, config)).as("offset range").isTrue();
    }

    @Test
    void refusesBatchesThatGoBackwards() throws Exception {
        LogSegment segment = LogSegment.create(dir, 0, LogConfig.DEFAULTS, 0);
        segment.append(batch(0, 1, "a", "b"));
        assertThatThrownBy(() -> segment.append(batch(1, 1, "c"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(segment.nextOffset()).isEqualTo(2);
    }

    private static List<Long> offsets(FileSlice slice) throws Exception {
        return TestBatches.records(slice).stream().map(TestBatches.Rec::offset).toList();
    }
}
