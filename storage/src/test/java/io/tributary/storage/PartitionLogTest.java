package io.tributary.storage;

import static io.tributary.storage.TestBatches.batch;
import static io.tributary.storage.TestBatches.batchOfSize;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTest {
    private static final LogConfig SMALL_SEGMENTS = new LogConfig(1024, Long.MAX_VALUE, -1, -1, 256, 1 << 16);

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_000_000);

    private PartitionLog open(LogConfig config) throws Exception {
        return PartitionLog.open(dir, config, now::get);
    }

    @Test
    void namesSegmentsByBaseOffsetAndReadsAcrossThem() throws Exception {
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            for (int i = 0; i < 20; i++) {
                log.append(batchOfSize(i * 2L, now.get(), 2, 100));
            }
            assertThat(log.segmentCount()).isGreaterThan(3);
            assertThat(log.logEndOffset()).isEqualTo(40);
            assertThat(TestBatches.readAll(log, 0)).extracting(TestBatches.Rec::offset)
                    .containsExactlyElementsOf(range(0, 40));
            for (long base : log.segmentBaseOffsets()) {
                assertThat(dir.resolve(LogSegment.fileName(base, ".log"))).exists();
                assertThat(dir.resolve(LogSegment.fileName(base, ".index"))).exists();
                assertThat(dir.resolve(LogSegment.fileName(base, ".timeindex"))).exists();
            }
            assertThat(dir.resolve("00000000000000000000.log")).exists();
        }
    }

    @Test
    void rollsBySegmentMs() throws Exception {
        LogConfig config = new LogConfig(1 << 20, 1000, -1, -1, 4096, 1 << 16);
        try (PartitionLog log = open(config)) {
            log.append(batch(0, now.get(), "a"));
            now.addAndGet(500);
            log.append(batch(1, now.get(), "b"));
            assertThat(log.segmentCount()).isEqualTo(1);
            now.addAndGet(1000);
            log.append(batch(2, now.get(), "c"));
            assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L);
        }
    }

    @Test
    void keepsEverythingAcrossCloseAndReopen() throws Exception {
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            for (int i = 0; i < 10; i++) {
                log.append(batchOfSize(i, now.get() + i, 1, 200));
            }
            log.advanceLogStartOffset(3);
        }
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            assertThat(log.logStartOffset()).isEqualTo(3);
            assertThat(log.logEndOffset()).isEqualTo(10);
            assertThat(TestBatches.readAll(log, 3)).extracting(TestBatches.Rec::offset).containsExactlyElementsOf(range(3, 10));
            log.append(batch(10, now.get(), "more"));
            assertThat(log.logEndOffset()).isEqualTo(11);
        }
    }

    @Test
    void readsOutsideTheLogAreOutOfRange() throws Exception {
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            log.append(batch(0, 1, "a", "b"));
            log.advanceLogStartOffset(1);
            assertThatThrownBy(() -> log.read(0, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
            assertThatThrownBy(() -> log.read(3, 100, Long.MAX_VALUE, true)).isInstanceOf(OffsetOutOfRangeException.class);
            assertThat(log.read(2, 100, Long.MAX_VALUE, true).isEmpty()).isTrue();
        }
    }

    @Test
    void timeRetentionDeletesOldClosedSegmentsButNeverTheActiveOne() throws Exception {
        LogConfig config = new LogConfig(1024, Long.MAX_VALUE, 60_000, -1, 4096, 1 << 16);
        try (PartitionLog log = open(config)) {
            for (int i = 0; i < 10; i++) {
                log.append(batchOfSize(i, now.get(), 1, 400));
            }
            int before = log.segmentCount();
            assertThat(log.applyRetention(Long.MAX_VALUE)).isZero();
            now.addAndGet(61_000);
            assertThat(log.applyRetention(Long.MAX_VALUE)).isEqualTo(before - 1);
            assertThat(log.segmentCount()).isEqualTo(1);
            assertThat(log.logStartOffset()).isEqualTo(log.segmentBaseOffsets().get(0));
            assertThat(log.logEndOffset()).isEqualTo(10);
            assertThat(Files.list(dir).filter(p -> p.toString().endsWith(".log")).count()).isEqualTo(1);
        }
    }

    @Test
    void sizeRetentionKeepsTheLogUnderTheLimit() throws Exception {
        LogConfig config = new LogConfig(1024, Long.MAX_VALUE, -1, 2048, 4096, 1 << 16);
        try (PartitionLog log = open(config)) {
            for (int i = 0; i < 20; i++) {
                log.append(batchOfSize(i, now.get(), 1, 400));
            }
            log.applyRetention(Long.MAX_VALUE);
            assertThat(log.sizeInBytes()).isLessThan(2048 + 1024);
            long start = log.logStartOffset();
            assertThat(start).isPositive();
            assertThat(TestBatches.readAll(log, start)).extracting(TestBatches.Rec::offset)
                    .containsExactlyElementsOf(range(start, 20));
        }
    }

    @Test
    void deleteRecordsMovesTheStartAndDropsWholeSegmentsBelowIt() throws Exception {
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            for (int i = 0; i < 20; i++) {
                log.append(batchOfSize(i, now.get(), 1, 200));
            }
            int before = log.segmentCount();
            assertThat(log.advanceLogStartOffset(9)).isTrue();
            assertThat(log.advanceLogStartOffset(5)).isFalse();
            assertThat(log.logStartOffset()).isEqualTo(9);
            assertThat(log.segmentCount()).isLessThan(before);
            assertThat(log.segmentBaseOffsets().get(0)).isLessThanOrEqualTo(9);
            assertThatThrownBy(() -> log.advanceLogStartOffset(21)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void truncationRemovesTheTailAcrossSegmentsAndAcceptsNewAppends() throws Exception {
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            for (int i = 0; i < 20; i++) {
                log.append(batchOfSize(i, now.get(), 1, 200));
            }
            log.truncateTo(7);
            assertThat(log.logEndOffset()).isEqualTo(7);
            log.append(batch(7, now.get(), "new"));
            assertThat(TestBatches.readAll(log, 0)).extracting(TestBatches.Rec::offset).containsExactlyElementsOf(range(0, 8));
        }
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            assertThat(log.logEndOffset()).isEqualTo(8);
            log.truncateTo(0);
            assertThat(log.logEndOffset()).isZero();
            assertThat(log.segmentCount()).isEqualTo(1);
        }
    }

    @Test
    void truncationBelowTheStartEmptiesTheLogAtThatOffset() throws Exception {
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            for (int i = 0; i < 10; i++) {
                log.append(batchOfSize(i, now.get(), 1, 200));
            }
            log.advanceLogStartOffset(6);
            log.truncateTo(4);
            assertThat(log.logStartOffset()).isEqualTo(4);
            assertThat(log.logEndOffset()).isEqualTo(4);
        }
    }

    @Test
    void startingOverBeyondTheEndKeepsNothingAndAppendsFromThere() throws Exception {
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            for (int i = 0; i < 5; i++) {
                log.append(batchOfSize(i, now.get(), 1, 200));
            }
            log.truncateFullyAndStartAt(40);
            assertThat(log.logStartOffset()).isEqualTo(40);
            assertThat(log.logEndOffset()).isEqualTo(40);
            assertThat(log.segmentBaseOffsets()).containsExactly(40L);
            log.append(batchOfSize(40, now.get(), 1, 200));
            assertThat(log.logEndOffset()).isEqualTo(41);
        }
        try (PartitionLog reopened = open(SMALL_SEGMENTS)) {
            assertThat(reopened.logStartOffset()).isEqualTo(40);
            assertThat(reopened.logEndOffset()).isEqualTo(41);
        }
    }

    @Test
    void findsOffsetsByTimestampAndTheMaxTimestamp() throws Exception {
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            for (int i = 0; i < 10; i++) {
                log.append(batchOfSize(i * 3L, 10_000 + i * 100L, 3, 100));
            }
            log.append(batch(30, 500, "old"));
            assertThat(log.offsetForTimestamp(0)).isEqualTo(new TimestampOffset(10_000, 0));
            assertThat(log.offsetForTimestamp(10_250)).isEqualTo(new TimestampOffset(10_300, 9));
            assertThat(log.offsetForTimestamp(10_902)).isEqualTo(new TimestampOffset(10_902, 29));
            assertThat(log.offsetForTimestamp(10_903)).isNull();
            assertThat(log.maxTimestampAndOffset()).isEqualTo(new TimestampOffset(10_902, 29));
            assertThat(log.largestTimestamp()).isEqualTo(10_902);
        }
    }

    @Test
    void rebuildsDeletedIndexFilesOnOpen() throws Exception {
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            for (int i = 0; i < 20; i++) {
                log.append(batchOfSize(i, 5000 + i, 1, 200));
            }
        }
        Files.delete(dir.resolve("00000000000000000000.index"));
        Files.delete(dir.resolve("00000000000000000000.timeindex"));
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            assertThat(dir.resolve("00000000000000000000.index")).exists();
            assertThat(log.offsetForTimestamp(5001)).isEqualTo(new TimestampOffset(5001, 1));
            assertThat(TestBatches.readAll(log, 0)).hasSize(20);
        }
    }

    @Test
    void findsAbortedTransactionsAcrossSegmentsAndKeepsThemThroughTruncationAndReopen() throws Exception {
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            for (int i = 0; i < 20; i++) {
                log.append(batchOfSize(i, now.get(), 1, 200));
                if (i == 3 || i == 12 || i == 18) {
                    // a marker at i aborting a transaction that began 3 offsets before
                    log.appendAbortedTxn(new AbortedTxn(i, i - 3, i, i + 1));
                }
            }
            assertThat(log.segmentCount()).isGreaterThan(3);
            assertThat(log.abortedTxns(0, 20)).extracting(AbortedTxn::lastOffset).containsExactly(3L, 12L, 18L);
            assertThat(log.abortedTxns(4, 15)).extracting(AbortedTxn::lastOffset).containsExactly(12L);
            assertThat(log.abortedTxns(13, 20)).extracting(AbortedTxn::lastOffset).containsExactly(18L);

            log.truncateTo(18);
            assertThat(log.abortedTxns(0, 20)).extracting(AbortedTxn::lastOffset).containsExactly(3L, 12L);
        }
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            assertThat(log.abortedTxns(0, 20)).extracting(AbortedTxn::lastOffset).containsExactly(3L, 12L);
        }
    }

    @Test
    void theBoundOfAReadIsAboveEveryRecordItReturned() throws Exception {
        try (PartitionLog log = open(SMALL_SEGMENTS)) {
            for (int i = 0; i < 20; i++) {
                log.append(batchOfSize(i, now.get(), 1, 60));
            }
            for (int maxBytes : new int[] {100, 300, 1000}) {
                FileSlice slice = log.read(0, maxBytes, Long.MAX_VALUE, true);
                List<TestBatches.Rec> read = TestBatches.records(slice);
                long bound = log.offsetBoundOf(0, slice);
                assertThat(bound).isGreaterThan(read.get(read.size() - 1).offset()).isLessThanOrEqualTo(20);
            }
        }
    }

    @Test
    void retentionKeepsSegmentsFromAnOpenTransactionsFirstOffset() throws Exception {
        LogConfig config = new LogConfig(1024, Long.MAX_VALUE, 60_000, -1, 4096, 1 << 16);
        try (PartitionLog log = open(config)) {
            for (int i = 0; i < 10; i++) {
                log.append(batchOfSize(i, now.get(), 1, 400));
            }
            now.addAndGet(61_000);
            log.applyRetention(4);
            assertThat(log.logStartOffset()).isLessThanOrEqualTo(4);
            assertThat(TestBatches.readAll(log, log.logStartOffset()).get(0).offset()).isLessThanOrEqualTo(4);
            log.applyRetention(Long.MAX_VALUE);
            assertThat(log.segmentCount()).isEqualTo(1);
        }
    }

    private static List<Long> range(long from, long to) {
        return java.util.stream.LongStream.range(from, to).boxed().toList();
    }

    @Test
    void aRemovedLogMovesAsideWholeAndCanBeReopenedOrDeleted() throws Exception {
        Path partition = dir.resolve("t-0");
        Path aside = dir.resolve("t-0.removed");
        PartitionLog log = PartitionLog.open(partition, SMALL_SEGMENTS, now::get);
        for (int i = 0; i < 10; i++) {
            log.append(batchOfSize(i * 2L, now.get(), 2, 100));
        }
        log.closeAndMove(aside);
        assertThat(partition).doesNotExist();

        try (PartitionLog back = PartitionLog.open(aside, SMALL_SEGMENTS, now::get)) {
            assertThat(back.logEndOffset()).isEqualTo(20);
            assertThat(TestBatches.readAll(back, 0)).hasSize(20);
        }
        PartitionLog.deleteDirectory(aside);
        assertThat(aside).doesNotExist();
        PartitionLog.deleteDirectory(aside);
    }
}
