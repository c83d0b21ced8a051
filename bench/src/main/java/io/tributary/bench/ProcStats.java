package io.tributary.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Reads a process's threads, resident memory and CPU time from Linux's {@code /proc/<pid>/status}
 * ({@code Threads}, {@code VmRSS}) and {@code /proc/<pid>/stat} ({@code utime + stime}, fields 14
 * and 15, in clock ticks).
 */
final class ProcStats {
    /**
     * One reading.
     *
     * @param nanoTime when it was taken ({@link System#nanoTime()})
     * @param threads  the process's thread count
     * @param rssKb    resident set size in KiB
     * @param cpuTicks user plus system CPU time so far, in clock ticks
     */
    record Sample(long nanoTime, int threads, long rssKb, long cpuTicks) {
        /** CPU time used so far, in seconds. */
        double cpuSeconds() {
            return cpuTicks / (double) clockTicksPerSecond();
        }

        /** CPU used between {@code earlier} and this sample, as a percentage of one core. */
        double cpuPercentSince(Sample earlier) {
            double wallSeconds = (nanoTime - earlier.nanoTime) / 1e9;
            return wallSeconds <= 0 ? Double.NaN : 100.0 * (cpuSeconds() - earlier.cpuSeconds()) / wallSeconds;
        }
    }

    private static volatile long clockTicks;

    private ProcStats() {
    }

    static Sample read(long pid) throws IOException {
        long now = System.nanoTime();
        int threads = -1;
        long rss = -1;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8)) {
            if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.substring("Threads:".length()).trim());
            } else if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").trim());
            }
        }
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
        // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
        String[] rest = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        long utime = Long.parseLong(rest[14 - 3]);
        long stime = Long.parseLong(rest[15 - 3]);
        return new Sample(now, threads, rss, utime + stime);
    }

    /** The kernel's USER_HZ ({@code getconf CLK_TCK}), 100 if that cannot be run. */
    static long clockTicksPerSecond() {
        long t = clockTicks;
        if (t > 0) {
            return t;
        }
        t = 100;
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                t = Long.parseLong(out);
            }
        } catch (IOException | NumberFormatException e) {
            // keep the usual value
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        clockTicks = t;
        return t;
    }
}
