package io.tributary.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.protocol.Errors;

/**
 * Where a failure becomes the Kafka error a client sees. Raft failures already arrive as Kafka
 * exceptions ({@link RaftNode} translates them); futures wrap them, timeouts and I/O failures are
 * mapped here, and anything else is a server error.
 */
public final class Failures {
    private Failures() {
    }

    /** The failure inside any number of CompletionException and ExecutionException wrappers. */
    public static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The failure as the Kafka exception that carries its error code. */
    public static ApiException asApiException(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof ApiException api) {
            return api;
        }
        if (cause instanceof java.util.concurrent.TimeoutException) {
            return new org.apache.kafka.common.errors.TimeoutException(cause.getMessage(), cause);
        }
        if (cause instanceof IOException || cause instanceof UncheckedIOException) {
            return new KafkaStorageException(cause.getMessage(), cause);
        }
        return new UnknownServerException(String.valueOf(cause), cause);
    }

    /** The Kafka error of a failure. */
    public static Errors errorOf(Throwable failure) {
        return Errors.forException(asApiException(failure));
    }
}
