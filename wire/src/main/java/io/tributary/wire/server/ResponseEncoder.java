package io.tributary.wire.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * Encodes a response as Kafka frames it: size, response header, body. Record bytes from segment files
 * go out as file regions (zero copy), everything else through pooled buffers.
 */
@ChannelHandler.Sharable
public final class ResponseEncoder extends MessageToMessageEncoder<KafkaResponse> {

    @Override
    protected void encode(ChannelHandlerContext ctx, KafkaResponse response, List<Object> out) {
        short headerVersion = response.apiKey().responseHeaderVersion(response.version());
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(response.correlationId());
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int headerSize = header.size(cache, headerVersion);
        int bodySize = response.body().size(cache, response.version());
        NettyWritable writable = new NettyWritable(ctx.alloc(), Math.min(4 + headerSize + bodySize, 64 * 1024));
        try {
            writable.writeInt(headerSize + bodySize);
            header.write(writable, cache, headerVersion);
            response.body().write(writable, cache, response.version());
        } catch (RuntimeException e) {
            writable.discard();
            throw e;
        }
        out.addAll(writable.finish());
    }
}
