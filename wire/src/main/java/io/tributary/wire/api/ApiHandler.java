package io.tributary.wire.api;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * Serves one Kafka API: decodes nothing (the request arrives parsed), checks what it must, delegates to a
 * domain service and builds the response. Handlers run on the connection's event loop and must not
 * block; work that waits (Raft commits, long polls) completes the future later.
 *
 * @param <R> the parsed request type
 */
public interface ApiHandler<R extends AbstractRequest> {
    ApiKeys apiKey();

    /** Oldest version served; by default the oldest kafka-clients can decode. */
    default short minVersion() {
        return apiKey().oldestVersion();
    }

    /** Newest version served; by default the newest stable version kafka-clients knows. */
    default short maxVersion() {
        return apiKey().latestVersion();
    }

    /** Oldest version listed in ApiVersions; normally {@link #minVersion()}. */
    default short advertisedMinVersion() {
        return minVersion();
    }

    /** The response body, or a future completing with null when no response is due (acks=0). */
    CompletableFuture<? extends ApiMessage> handle(RequestContext context, R request);
}
