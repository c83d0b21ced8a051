package io.tributary.storage;

import java.nio.file.Path;

/**
 * A process that appends to a partition log until it is killed, flushing every ten batches and then
 * printing {@code durable <offset>}: every record below that offset must survive the kill.
 */
public final class CrashWriter {
    static final int RECORDS_PER_BATCH = 5;

    public static void main(String[] args) throws Exception {
        PartitionLog log = PartitionLog.open(Path.of(args[0]), new LogConfig(64 * 1024, Long.MAX_VALUE, -1, -1, 1024, 1 << 16));
        System.out.println("started " + log.logEndOffset());
        for (int batch = 0; ; batch++) {
            long base = log.logEndOffset();
            String[] values = new String[RECORDS_PER_BATCH];
            for (int i = 0; i < values.length; i++) {
                values[i] = valueFor(base + i);
            }
            log.append(TestBatches.batch(base, System.currentTimeMillis(), values));
            if (batch % 10 == 9) {
                log.flush();
                System.out.println("durable " + log.logEndOffset());
                System.out.flush();
            }
        }
    }

    static String valueFor(long offset) {
        return "value-" + offset + "-" + "p".repeat((int) (offset % 200));
    }
}
