package io.tributary.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Bytes written to the machine's disks, from the block layer's own counters: the sectors written in
 * {@code /sys/block/<device>/stat} (field 7, 512-byte sectors) of every device backed by hardware (one
 * with a {@code device} link: not loop, ram or device-mapper devices, which would count twice), read
 * after {@code sync} so that data still in the page cache counts too.
 *
 * <p>Not {@code write_bytes} in {@code /proc/<pid>/io}: on ext4 that counts a whole preallocated region
 * again on every {@code fdatasync} of a write into it (measured here: 633 MB counted for 4.8 MB written
 * in 16 KB writes, each synced, into an 8 MB preallocated file; the device wrote 6 MB), which is how
 * Ratis writes its log.
 */
final class DiskWrites {
    private DiskWrites() {
    }

    /** Flushes every dirty page to disk, then returns the bytes the disks have written since boot. */
    static long syncedBytesWritten() throws IOException, InterruptedException {
        Process sync = new ProcessBuilder("sync").inheritIO().start();
        if (!sync.waitFor(2, TimeUnit.MINUTES)) {
            sync.destroyForcibly();
            throw new IOException("sync did not finish within 2 minutes");
        }
        long sectors = 0;
        try (Stream<Path> devices = Files.list(Path.of("/sys/block"))) {
            for (Path device : devices.filter(d -> Files.exists(d.resolve("device"))).toList()) {
                String[] fields = Files.readString(device.resolve("stat")).trim().split("\\s+");
                sectors += Long.parseLong(fields[6]);
            }
        }
        return sectors * 512;
    }
}
