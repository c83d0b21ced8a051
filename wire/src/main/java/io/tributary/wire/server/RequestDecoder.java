package io.tributary.wire.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.tributary.wire.api.ApiRegistry;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses a frame into a request with kafka-clients' own decoders. A frame that cannot be parsed, an
 * unknown API or a version this broker does not serve closes the connection, as Kafka does; the one
 * exception is ApiVersions at an unknown version, answered so the client can pick a version.
 */
public final class RequestDecoder extends MessageToMessageDecoder<ByteBuffer> {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDecoder.class);

    private final ApiRegistry registry;

    public RequestDecoder(ApiRegistry registry) {
        this.registry = registry;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuffer frame, List<Object> out) {
        int size = frame.remaining();
        RequestHeader header;
        try {
            header = RequestHeader.parse(frame);
        } catch (RuntimeException e) {
            reject(ctx, "unparsable request header: " + e.getMessage());
            return;
        }
        ApiKeys key = header.apiKey();
        short version = header.apiVersion();
        if (registry.handler(key, version).isEmpty()) {
            if (key == ApiKeys.API_VERSIONS) {
                out.add(new KafkaRequest(header, new ApiVersionsRequest.Builder().build((short) 0), (short) 0, size, System.nanoTime()));
                return;
            }
            reject(ctx, "unsupported " + key + " version " + version);
            return;
        }
        try {
            AbstractRequest body = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(frame)).request;
            out.add(new KafkaRequest(header, body, version, size, System.nanoTime()));
        } catch (RuntimeException e) {
            reject(ctx, "unparsable " + key + " v" + version + " request: " + e.getMessage());
        }
    }

    private static void reject(ChannelHandlerContext ctx, String why) {
        LOG.debug("closing {}: {}", ctx.channel().remoteAddress(), why);
        ctx.close();
    }
}
