package io.tributary.wire.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.tributary.wire.api.ApiRegistry;
import io.tributary.wire.metrics.BrokerMetrics;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The Kafka protocol listener. Each connection's pipeline: {@link FrameDecoder} (size limit) then
 * {@link RequestDecoder} (kafka-clients parsing) then {@link RequestDispatcher} (handlers, in-order
 * responses), with {@link ResponseEncoder} on the way out.
 */
public final class KafkaServer implements Closeable {
    private final String host;
    private final int port;
    private final int maxFrameBytes;
    private final ApiRegistry registry;
    private final BrokerMetrics metrics;
    private final ResponseEncoder encoder = new ResponseEncoder();
    private EventLoopGroup acceptors;
    private EventLoopGroup workers;
    private Channel serverChannel;

    public KafkaServer(String host, int port, int maxFrameBytes, ApiRegistry registry, BrokerMetrics metrics) {
        this.host = host;
        this.port = port;
        this.maxFrameBytes = maxFrameBytes;
        this.registry = registry;
        this.metrics = metrics;
    }

    /** Starts accepting the connections that waited since {@link #start()}. */
    public void open() {
        serverChannel.config().setAutoRead(true);
    }

    /** Binds the listener (not accepting yet); returns the port it got (useful when asked for port 0). */
    public int start() throws InterruptedException {
        acceptors = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()), NioIoHandler.newFactory());
        serverChannel = new ServerBootstrap()
                .group(acceptors, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                // Connections wait in the backlog until open(): no client sees a broker still loading.
                .option(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("frames", new FrameDecoder(maxFrameBytes))
                                .addLast("requests", new RequestDecoder(registry))
                                .addLast("responses", encoder)
                                .addLast("dispatch", new RequestDispatcher(registry, metrics));
                    }
                })
                .bind(host, port).sync().channel();
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (acceptors != null) {
            acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
