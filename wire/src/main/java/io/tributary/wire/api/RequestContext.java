package io.tributary.wire.api;

import java.net.SocketAddress;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Who sent a request and how: what a handler may need besides the request body.
 *
 * @param executor the connection's thread, for work a handler schedules (timeouts, re-reads)
 */
public record RequestContext(RequestHeader header, SocketAddress clientAddress, long receivedNanos,
                             ScheduledExecutorService executor) {
    public short apiVersion() {
        return header.apiVersion();
    }
}
