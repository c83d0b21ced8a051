package io.tributary.wire.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.apache.kafka.common.errors.BrokerNotAvailableException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Requests from this broker to the others over the Kafka protocol, as the transaction coordinator sends
 * its markers: one connection per broker, opened when first needed and again after it fails, responses
 * matched to requests by correlation id. A request fails with a retriable Kafka exception when the broker
 * is unknown, the connection breaks or no answer comes in time.
 */
public final class BrokerChannels implements Closeable {
    private static final String CLIENT_ID = "tributary-broker";

    private final IntFunction<Optional<InetSocketAddress>> addresses;
    private final int maxFrameBytes;
    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Map<Integer, Connection> connections = new ConcurrentHashMap<>();
    private final AtomicInteger correlationIds = new AtomicInteger();

    /** @param addresses a broker's Kafka listener by its id, if the broker is known */
    public BrokerChannels(IntFunction<Optional<InetSocketAddress>> addresses, int maxFrameBytes) {
        this.addresses = addresses;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Sends a request at {@code version} to broker {@code brokerId}; completes with its response. */
    @SuppressWarnings("unchecked")
    public <R extends AbstractResponse> CompletableFuture<R> send(int brokerId, AbstractRequest request, long timeoutMs) {
        Optional<InetSocketAddress> address = addresses.apply(brokerId);
        if (address.isEmpty()) {
            return CompletableFuture.failedFuture(new BrokerNotAvailableException("broker " + brokerId + " is not known"));
        }
        Connection connection = connections.compute(brokerId, (id, existing) ->
                existing != null && existing.usable(address.get()) ? existing : connect(address.get()));
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), CLIENT_ID,
                correlationIds.incrementAndGet());
        CompletableFuture<AbstractResponse> response = connection.send(header, request)
                .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(
                        e instanceof java.util.concurrent.TimeoutException
                                ? new TimeoutException("no answer from broker " + brokerId + " in " + timeoutMs + " ms")
                                : e));
        response.whenComplete((r, e) -> connection.forget(header.correlationId()));
        return (CompletableFuture<R>) response;
    }

    private Connection connect(InetSocketAddress address) {
        Connection connection = new Connection(address);
        ChannelFuture connected = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new LengthFieldBasedFrameDecoder(maxFrameBytes, 0, 4, 0, 4))
                                .addLast(new LengthFieldPrepender(4))
                                .addLast(connection.responses());
                    }
                })
                .connect(address);
        connection.connected = connected;
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                connection.failAll(new NetworkException("cannot connect to " + address + ": " + f.cause().getMessage()));
            }
        });
        connected.channel().closeFuture().addListener(f ->
                connection.failAll(new NetworkException("connection to " + address + " closed")));
        return connection;
    }

    @Override
    public void close() {
        connections.values().forEach(c -> c.connected.channel().close());
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** One connection and the requests waiting on it. */
    private static final class Connection {
        private final InetSocketAddress address;
        private final Map<Integer, Waiting> waiting = new ConcurrentHashMap<>();
        private volatile ChannelFuture connected;
        private volatile boolean failed;

        private record Waiting(RequestHeader header, CompletableFuture<AbstractResponse> response) {
        }

        Connection(InetSocketAddress address) {
            this.address = address;
        }

        boolean usable(InetSocketAddress wanted) {
            return !failed && address.equals(wanted);
        }

        CompletableFuture<AbstractResponse> send(RequestHeader header, AbstractRequest request) {
            CompletableFuture<AbstractResponse> response = new CompletableFuture<>();
            waiting.put(header.correlationId(), new Waiting(header, response));
            if (failed) {
                response.completeExceptionally(new NetworkException("connection to " + address + " failed"));
                return response;
            }
            ByteBuffer bytes = request.serializeWithHeader(header);
            // Written once connected; a failed connection fails every waiting request.
            connected.addListener(c -> {
                if (c.isSuccess()) {
                    connected.channel().writeAndFlush(Unpooled.wrappedBuffer(bytes)).addListener(f -> {
                        if (!f.isSuccess()) {
                            response.completeExceptionally(new NetworkException("sending to " + address + " failed: "
                                    + f.cause().getMessage()));
                        }
                    });
                }
            });
            return response;
        }

        void forget(int correlationId) {
            waiting.remove(correlationId);
        }

        void failAll(RuntimeException e) {
            failed = true;
            waiting.values().forEach(w -> w.response().completeExceptionally(e));
            waiting.clear();
        }

        SimpleChannelInboundHandler<ByteBuf> responses() {
            return new SimpleChannelInboundHandler<>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
                    ByteBuffer bytes = ByteBuffer.allocate(frame.readableBytes());
                    frame.readBytes(bytes);
                    bytes.flip();
                    if (bytes.remaining() < 4) {
                        ctx.close();
                        return;
                    }
                    Waiting w = waiting.remove(bytes.getInt(0));
                    if (w == null) {
                        return;
                    }
                    try {
                        w.response().complete(AbstractResponse.parseResponse(bytes, w.header()));
                    } catch (RuntimeException e) {
                        w.response().completeExceptionally(new NetworkException("unreadable response from " + address, e));
                        ctx.close();
                    }
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    ctx.close();
                }
            };
        }
    }
}
