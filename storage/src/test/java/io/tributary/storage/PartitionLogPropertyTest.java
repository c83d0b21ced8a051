package io.tributary.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Random sequences of append, read, roll, truncate, retention, log start moves and reopen, checked
 * after every step against a model that is just a list of batches.
 */
class PartitionLogPropertyTest {

    sealed interface Op permits Append, Roll, Truncate, Retain, AdvanceStart, Reopen, Tick {
    }

    record Append(int records, int valueSize) implements Op {
    }

    record Roll() implements Op {
    }

    /** Truncate at a fraction (per mille) of the way from the log start to the log end. */
    record Truncate(int perMille) implements Op {
    }

    record Retain(long retentionBytes) implements Op {
    }

    record AdvanceStart(int perMille) implements Op {
    }

    record Reopen(boolean flushFirst) implements Op {
    }

    record Tick(long ms) implements Op {
    }

    /** The model: batches (base offset, values), and the log start offset. */
    static final class Model {
        final List<List<String>> batchValues = new ArrayList<>();
        final List<Long> batchBases = new ArrayList<>();
        long start;
        long end;

        void append(List<String> values) {
            batchBases.add(end);
            batchValues.add(values);
            end += values.size();
        }

        void truncate(long offset) {
            if (offset < start) {
                batchBases.clear();
                batchValues.clear();
                start = offset;
                end = offset;
                return;
            }
            long newEnd = Math.min(end, offset);
            while (!batchBases.isEmpty() && lastOffset(batchBases.size() - 1) >= offset) {
                newEnd = Math.min(newEnd, batchBases.remove(batchBases.size() - 1));
                batchValues.remove(batchValues.size() - 1);
            }
            end = newEnd;
            start = Math.min(start, end);
        }

        long lastOffset(int i) {
            return batchBases.get(i) + batchValues.get(i).size() - 1;
        }

        List<TestBatches.Rec> recordsFrom(long from) {
            List<TestBatches.Rec> out = new ArrayList<>();
            for (int i = 0; i < batchBases.size(); i++) {
                for (int j = 0; j < batchValues.get(i).size(); j++) {
                    long offset = batchBases.get(i) + j;
                    if (offset >= from) {
                        out.add(new TestBatches.Rec(offset, 0, batchValues.get(i).get(j)));
                    }
                }
            }
            return out;
        }
    }

    @Property(tries = 100)
    void behavesLikeAListOfBatches(@ForAll("ops") List<Op> ops) throws Exception {
        Path dir = Files.createTempDirectory("plog-prop");
        AtomicLong now = new AtomicLong(1_000_000);
        LogConfig config = new LogConfig(700, 5_000, -1, -1, 128, 4096);
        Model model = new Model();
        PartitionLog log = PartitionLog.open(dir, config, now::get);
        int valueCounter = 0;
        try {
            for (Op op : ops) {
                if (op instanceof Append a) {
                    List<String> values = new ArrayList<>();
                    for (int i = 0; i < a.records(); i++) {
                        values.add((valueCounter++) + ":" + "x".repeat(a.valueSize()));
                    }
                    log.append(TestBatches.batch(model.end, now.get(), values.toArray(String[]::new)));
                    model.append(values);
                } else if (op instanceof Roll) {
                    log.roll(log.logEndOffset());
                } else if (op instanceof Truncate t) {
                    long span = model.end - model.start;
                    long target = Math.max(0, model.start + span * t.perMille() / 1000 - (t.perMille() % 7 == 0 ? 1 : 0));
                    log.truncateTo(target);
                    model.truncate(target);
                } else if (op instanceof Retain r) {
                    log.updateConfig(new LogConfig(700, 5_000, -1, r.retentionBytes(), 128, 4096));
                    long before = log.logStartOffset();
                    log.applyRetention(Long.MAX_VALUE);
                    assertThat(log.logStartOffset()).isGreaterThanOrEqualTo(before);
                    assertThat(log.segmentCount() == 1 || log.sizeInBytes() - firstSegmentSize(dir) < r.retentionBytes())
                            .as("retention left more than needed").isTrue();
                    model.start = log.logStartOffset();
                    log.updateConfig(config);
                } else if (op instanceof AdvanceStart a) {
                    long target = model.start + (model.end - model.start) * a.perMille() / 1000;
                    log.advanceLogStartOffset(target);
                    model.start = Math.max(model.start, target);
                } else if (op instanceof Reopen r) {
                    if (r.flushFirst()) {
                        log.flush();
                    }
                    log.close();
                    log = PartitionLog.open(dir, config, now::get);
                } else if (op instanceof Tick t) {
                    now.addAndGet(t.ms());
                }
                check(log, model);
            }
        } finally {
            log.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long firstSegmentSize(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            Path first = files.filter(p -> p.toString().endsWith(".log")).sorted().findFirst().orElseThrow();
            return Files.size(first);
        }
    }

    private static void check(PartitionLog log, Model model) throws Exception {
        assertThat(log.logEndOffset()).as("log end").isEqualTo(model.end);
        assertThat(log.logStartOffset()).as("log start").isEqualTo(model.start);
        List<TestBatches.Rec> actual = TestBatches.readAll(log, log.logStartOffset());
        List<TestBatches.Rec> expected = model.recordsFrom(model.start);
        assertThat(actual).extracting(TestBatches.Rec::offset).containsExactlyElementsOf(
                expected.stream().map(TestBatches.Rec::offset).toList());
        assertThat(actual).extracting(TestBatches.Rec::value).containsExactlyElementsOf(
                expected.stream().map(TestBatches.Rec::value).toList());
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> append = net.jqwik.api.Combinators.combine(
                Arbitraries.integers().between(1, 6), Arbitraries.integers().between(0, 120)).as(Append::new);
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                Tuple.of(12, append),
                Tuple.of(1, Arbitraries.just(new Roll())),
                Tuple.of(2, Arbitraries.integers().between(0, 1000).map(Truncate::new)),
                Tuple.of(2, Arbitraries.longs().between(0, 3000).map(Retain::new)),
                Tuple.of(2, Arbitraries.integers().between(0, 1000).map(AdvanceStart::new)),
                Tuple.of(2, Arbitraries.of(true, false).map(Reopen::new)),
                Tuple.of(1, Arbitraries.longs().between(0, 6000).map(Tick::new)));
        return op.list().ofMinSize(1).ofMaxSize(60);
    }
}
