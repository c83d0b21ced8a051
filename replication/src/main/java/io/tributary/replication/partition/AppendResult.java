package io.tributary.replication.partition;

import io.tributary.replication.replica.PartitionResult;
import java.util.List;
import org.apache.kafka.common.protocol.Errors;

/**
 * What an append did to one partition: an error (with Kafka's per-record errors when validation found
 * them), or the offset of its first record, the LogAppendTime stamped (-1 for CreateTime topics) and the
 * partition's log start offset.
 */
public record AppendResult(Errors error, String message, List<BatchValidator.RecordError> recordErrors, long baseOffset,
                           long logAppendTime, long logStartOffset) {

    static AppendResult error(Errors error, String message) {
        return new AppendResult(error, message, List.of(), -1, -1, -1);
    }

    static AppendResult invalid(BatchValidator.Result validation) {
        return new AppendResult(validation.error(), validation.message(), validation.recordErrors(), -1, -1, -1);
    }

    static AppendResult of(PartitionResult applied) {
        return new AppendResult(applied.error(), applied.message(), List.of(), applied.offset(), applied.logAppendTime(),
                applied.logStartOffset());
    }
}
