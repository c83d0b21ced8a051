package io.tributary.wire.server;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/** A response body to send, with the correlation id and version it answers. */
public record KafkaResponse(int correlationId, ApiKeys apiKey, short version, ApiMessage body) {
}
