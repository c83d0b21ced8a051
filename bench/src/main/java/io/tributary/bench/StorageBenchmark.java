package io.tributary.bench;

import io.tributary.storage.BatchHeader;
import io.tributary.storage.FileSlice;
import io.tributary.storage.LogConfig;
import io.tributary.storage.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;

/**
 * Appends ~16 KiB batches of 1 KiB records to a {@link PartitionLog} and reads them back, and in the same
 * run writes and reads the same bytes with a plain {@link FileChannel} loop. Prints MB/s of both and
 * the ratio. Rounds alternate (plain, log, plain, log...) and the best of each is compared.
 *
 * <p>Usage: {@code StorageBenchmark [--mb 512] [--rounds 3] [--dir /tmp]}
 */
public final class StorageBenchmark {
    private static final int RECORD_SIZE = 1024;
    private static final int RECORDS_PER_BATCH = 16;
    private static final int READ_CHUNK = 1 << 20;

    private final ByteBuffer[] batchPool;
    private final int batches;
    private final Path parent;

    private StorageBenchmark(long totalBytes, Path parent) {
        this.parent = parent;
        this.batchPool = new ByteBuffer[32];
        Random random = new Random(1);
        for (int i = 0; i < batchPool.length; i++) {
            MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(RECORDS_PER_BATCH * (RECORD_SIZE + 64)),
                    Compression.NONE, TimestampType.CREATE_TIME, 0);
            for (int r = 0; r < RECORDS_PER_BATCH; r++) {
                byte[] value = new byte[RECORD_SIZE];
                random.nextBytes(value);
                builder.append(System.currentTimeMillis(), null, value);
            }
            batchPool[i] = builder.build().buffer();
        }
        this.batches = (int) (totalBytes / batchPool[0].remaining());
    }

    public static void main(String[] args) throws Exception {
        long mb = 512;
        int rounds = 3;
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mb" -> mb = Long.parseLong(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; use --mb N, --rounds N, --dir PATH");
            }
        }
        StorageBenchmark bench = new StorageBenchmark(mb << 20, dir);
        double[] best = new double[4];
        for (int round = 1; round <= rounds; round++) {
            Result plain = bench.plainLoop();
            System.out.printf("round %d/%d  plain FileChannel: write %8.1f MB/s  read %8.1f MB/s%n", round, rounds, plain.writeMbps, plain.readMbps);
            Result log = bench.partitionLog();
            System.out.printf("round %d/%d  PartitionLog:      write %8.1f MB/s  read %8.1f MB/s%n", round, rounds, log.writeMbps, log.readMbps);
            best[0] = Math.max(best[0], plain.writeMbps);
            best[1] = Math.max(best[1], plain.readMbps);
            best[2] = Math.max(best[2], log.writeMbps);
            best[3] = Math.max(best[3], log.readMbps);
        }
        System.out.printf("%nbest of %d rounds, %d MiB of ~%d KiB batches of %d x 1 KiB records, fsync at the end of each write phase%n",
                rounds, mb, bench.batchPool[0].remaining() / 1024, RECORDS_PER_BATCH);
        System.out.printf("%-10s %14s %14s %8s%n", "", "plain MB/s", "log MB/s", "ratio");
        System.out.printf("%-10s %14.1f %14.1f %7.2fx%n", "append", best[0], best[2], best[2] / best[0]);
        System.out.printf("%-10s %14.1f %14.1f %7.2fx%n", "read", best[1], best[3], best[3] / best[1]);
    }

    private record Result(double writeMbps, double readMbps) {
    }

    private Result plainLoop() throws IOException {
        Path dir = Files.createTempDirectory(parent, "bench-plain");
        try {
            Path file = dir.resolve("plain.log");
            long bytes = 0;
            long start = System.nanoTime();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                for (int i = 0; i < batches; i++) {
                    ByteBuffer batch = batchPool[i % batchPool.length].duplicate();
                    bytes += batch.remaining();
                    while (batch.hasRemaining()) {
                        ch.write(batch);
                    }
                }
                ch.force(true);
            }
            double write = mbps(bytes, System.nanoTime() - start);
            ByteBuffer buf = ByteBuffer.allocateDirect(READ_CHUNK);
            long read = 0;
            start = System.nanoTime();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                int n;
                while ((n = ch.read(buf.clear())) > 0) {
                    read += n;
                }
            }
            return new Result(write, mbps(read, System.nanoTime() - start));
        } finally {
            deleteTree(dir);
        }
    }

    private Result partitionLog() throws IOException, io.tributary.storage.OffsetOutOfRangeException {
        Path dir = Files.createTempDirectory(parent, "bench-log");
        try {
            long bytes = 0;
            long start = System.nanoTime();
            try (PartitionLog log = PartitionLog.open(dir, LogConfig.DEFAULTS)) {
                for (int i = 0; i < batches; i++) {
                    ByteBuffer batch = batchPool[i % batchPool.length];
                    BatchHeader.setBaseOffset(batch, 0, log.logEndOffset());
                    bytes += batch.remaining();
                    log.append(batch.duplicate());
                }
                log.flush();
                double write = mbps(bytes, System.nanoTime() - start);

                ByteBuffer buf = ByteBuffer.allocateDirect(READ_CHUNK + batchPool[0].remaining());
                long read = 0;
                long offset = 0;
                start = System.nanoTime();
                while (offset < log.logEndOffset()) {
                    FileSlice slice = log.read(offset, READ_CHUNK, Long.MAX_VALUE, true);
                    buf.clear().limit(slice.size());
                    while (buf.hasRemaining()) {
                        slice.channel().read(buf, slice.position() + buf.position());
                    }
                    read += slice.size();
                    offset = lastWholeBatchEnd(buf.flip());
                }
                return new Result(write, mbps(read, System.nanoTime() - start));
            }
        } finally {
            deleteTree(dir);
        }
    }

    /** The offset after the last whole batch in the buffer, as a consumer computes its next fetch. */
    private static long lastWholeBatchEnd(ByteBuffer buf) {
        long next = -1;
        int pos = 0;
        while (buf.limit() - pos >= BatchHeader.SIZE && BatchHeader.sizeInBytes(buf, pos) <= buf.limit() - pos) {
            next = BatchHeader.lastOffset(buf, pos) + 1;
            pos += BatchHeader.sizeInBytes(buf, pos);
        }
        return next;
    }

    private static double mbps(long bytes, long nanos) {
        return bytes / 1e6 / (nanos / 1e9);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
