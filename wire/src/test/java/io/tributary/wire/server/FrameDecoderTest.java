package io.tributary.wire.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

    @Test
    void emitsWholeFramesOnlyWhenAllTheirBytesArrived() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100));
        ByteBuf in = Unpooled.buffer().writeInt(3).writeBytes(new byte[] {1, 2});
        ch.writeInbound(in);
        assertThat((Object) ch.readInbound()).isNull();
        ch.writeInbound(Unpooled.buffer().writeBytes(new byte[] {3}).writeInt(0).writeInt(1).writeByte(9));
        ByteBuffer first = ch.readInbound();
        assertThat(first.remaining()).isEqualTo(3);
        assertThat(first.get(2)).isEqualTo((byte) 3);
        assertThat(((ByteBuffer) ch.readInbound()).remaining()).isZero();
        assertThat(((ByteBuffer) ch.readInbound()).get(0)).isEqualTo((byte) 9);
        assertThat(ch.isActive()).isTrue();
    }

    @Test
    void closesTheConnectionOnASizeBeyondTheLimitWithoutWaitingForTheBytes() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100));
        ch.writeInbound(Unpooled.buffer().writeInt(101));
        assertThat(ch.isActive()).isFalse();
        assertThat((Object) ch.readInbound()).isNull();
    }

    @Test
    void closesTheConnectionOnANegativeSize() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100));
        ch.writeInbound(Unpooled.buffer().writeInt(-5));
        assertThat(ch.isActive()).isFalse();
    }
}
