package io.tributary.wire.api;

import java.net.SocketAddress;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Who sent a request and how: what a handler may need besides the request body.
 *
 * @param executor the connection's thread, for work a handler schedules (timeouts, re-reads)
 * @param order    the connection's order, for steps that must follow the order of its requests
 */
public record RequestContext(RequestHeader header, SocketAddress clientAddress, long receivedNanos,
                             ScheduledExecutorService executor, ConnectionOrder order) {
    public short apiVersion() {
        return header.apiVersion();
    }
}
