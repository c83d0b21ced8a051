package io.tributary.coordinator.runtime;

import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.protocol.Errors;

/**
 * What a shard answers a request with, as Kafka's {@code CoordinatorResult}: the records to write, the
 * response to give once they are committed and replayed into the shard, and the response to give
 * instead if they cannot be written. A shard starts no writes and changes no durable state itself:
 * the runtime appends the records through Raft, replays them, and only then answers.
 *
 * @param onFailure the response for the error the write failed with (Kafka's coordinator errors:
 *                  NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, ...); unused when there are no records
 */
public record CoordinatorResult<T>(List<CoordinatorRecord> records, T response, Function<Errors, T> onFailure) {
    public CoordinatorResult {
        records = List.copyOf(records);
    }

    /** A result that writes nothing: the response goes out at once. */
    public static <T> CoordinatorResult<T> of(T response) {
        return new CoordinatorResult<>(List.of(), response, error -> response);
    }
}
