package io.tributary.replication;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.server.raftlog.segmented.SegmentedRaftLogFormat;
import org.apache.ratis.thirdparty.com.google.protobuf.CodedInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes, before Ratis opens them, group logs that end before the group's latest snapshot.
 *
 * <p>A member that caught up from the leader's state holds a snapshot far past the end of its own Raft
 * log, whose entries the snapshot already covers. Ratis drops the closed segments of such a log when it
 * opens it, but not its open segment, and then appends the entries after the snapshot to that segment,
 * which refuses them ("gap between start index ... and first entry to append ..."), so the member never
 * takes another entry. Without the log files, Ratis starts an empty log at the snapshot, as for any
 * member that installed one.
 *
 * <p>A segment file is Ratis's: a header, then per entry its length (a varint), the entry and a 4-byte
 * checksum, then zero padding. Closed segments are named {@code log_<first>-<last>}, the open one
 * {@code log_inprogress_<first>}; snapshots {@code sm/snapshot.<term>_<index>}.
 */
final class StaleRaftLogs {
    private static final Logger LOG = LoggerFactory.getLogger(StaleRaftLogs.class);
    private static final Pattern SNAPSHOT = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
    private static final Pattern CLOSED = Pattern.compile("log_(\\d+)-(\\d+)");
    private static final Pattern OPEN = Pattern.compile("log_inprogress_(\\d+)");

    private StaleRaftLogs() {
    }

    /** Checks every group directory under {@code raftDir}. */
    static void removeIn(Path raftDir) throws IOException {
        if (!Files.isDirectory(raftDir)) {
            return;
        }
        try (Stream<Path> groups = Files.list(raftDir)) {
            for (Path group : groups.filter(Files::isDirectory).toList()) {
                removeIfBehindSnapshot(group);
            }
        }
    }

    private static void removeIfBehindSnapshot(Path group) throws IOException {
        long snapshot = latestSnapshotIndex(group.resolve("sm"));
        Path current = group.resolve("current");
        if (snapshot < 0 || !Files.isDirectory(current)) {
            return;
        }
        List<Path> segments = new ArrayList<>();
        long last = -1;
        try (Stream<Path> files = Files.list(current)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                Matcher closed = CLOSED.matcher(name);
                Matcher open = OPEN.matcher(name);
                if (closed.matches()) {
                    last = Math.max(last, Long.parseLong(closed.group(2)));
                    segments.add(file);
                } else if (open.matches()) {
                    last = Math.max(last, lastIndexIn(file));
                    segments.add(file);
                }
            }
        }
        if (segments.isEmpty() || last >= snapshot) {
            return;
        }
        LOG.warn("Raft group {}: its log ends at {}, before its snapshot at {} (it caught up from the leader's state); "
                + "removing the log so that it continues after the snapshot", group.getFileName(), last, snapshot);
        for (Path segment : segments) {
            Files.delete(segment);
        }
    }

    private static long latestSnapshotIndex(Path sm) throws IOException {
        if (!Files.isDirectory(sm)) {
            return -1;
        }
        long latest = -1;
        try (Stream<Path> files = Files.list(sm)) {
            for (Path file : files.toList()) {
                Matcher m = SNAPSHOT.matcher(file.getFileName().toString());
                if (m.matches()) {
                    latest = Math.max(latest, Long.parseLong(m.group(2)));
                }
            }
        }
        return latest;
    }

    /** The index of the last whole entry in a segment file, -1 if it holds none. */
    static long lastIndexIn(Path segment) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        int header = SegmentedRaftLogFormat.getHeaderLength();
        if (bytes.length < header) {
            return -1;
        }
        CodedInputStream in = CodedInputStream.newInstance(bytes, header, bytes.length - header);
        long last = -1;
        try {
            while (!in.isAtEnd()) {
                int length = in.readRawVarint32();
                if (length <= 0 || length + 4 > bytes.length - in.getTotalBytesRead() - header) {
                    break;
                }
                last = LogEntryProto.parseFrom(in.readRawBytes(length)).getIndex();
                in.skipRawBytes(4);
            }
        } catch (IOException e) {
            // A torn entry at the end: the entries before it count.
        }
        return last;
    }
}
