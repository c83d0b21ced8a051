package io.tributary.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code log.checkpoint} file of a partition directory: where recovery may start and where the log
 * begins. Plain text, replaced atomically:
 *
 * <pre>
 * 0                  (format version)
 * recovery-point N   (every byte below offset N was forced to disk)
 * log-start-offset M (offsets below M are deleted, even inside a segment)
 * </pre>
 */
public record LogCheckpoint(long recoveryPoint, long logStartOffset) {
    public static final String FILE_NAME = "log.checkpoint";
    private static final String VERSION = "0";

    /** Reads the checkpoint in {@code dir}, or returns null if there is none. */
    public static LogCheckpoint read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return null;
        }
        String[] lines = Files.readString(file, StandardCharsets.UTF_8).split("\n");
        if (lines.length < 3 || !lines[0].trim().equals(VERSION)) {
            throw new IOException("unreadable " + file + ": expected version " + VERSION + " and two values");
        }
        try {
            return new LogCheckpoint(value(lines[1], "recovery-point"), value(lines[2], "log-start-offset"));
        } catch (IllegalArgumentException e) {
            throw new IOException("unreadable " + file + ": " + e.getMessage(), e);
        }
    }

    public void write(Path dir) throws IOException {
        String text = VERSION + "\nrecovery-point " + recoveryPoint + "\nlog-start-offset " + logStartOffset + "\n";
        Io.writeAtomically(dir.resolve(FILE_NAME), text.getBytes(StandardCharsets.UTF_8));
    }

    private static long value(String line, String name) {
        String[] parts = line.trim().split(" ");
        if (parts.length != 2 || !parts[0].equals(name)) {
            throw new IllegalArgumentException("expected '" + name + " <offset>', got '" + line + "'");
        }
        return Long.parseLong(parts[1]);
    }
}
