package io.tributary.wire.server;

import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A decoded request: its header, its body, the version to answer at (the request's, except for an
 * ApiVersions request at a version this broker does not know, answered at version 0), and when its
 * frame arrived.
 */
public record KafkaRequest(RequestHeader header, AbstractRequest body, short responseVersion, int sizeInBytes,
                           long receivedNanos) {
}
