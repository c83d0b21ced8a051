package io.tributary.wire.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.tributary.replication.Failures;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.ApiRegistry;
import io.tributary.wire.api.ConnectionOrder;
import io.tributary.wire.api.RequestContext;
import io.tributary.wire.metrics.BrokerMetrics;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each request of a connection to its handler as it arrives, so requests run concurrently, and
 * writes the responses strictly in request order, as Kafka clients require. A connection with too
 * many requests waiting stops being read until some are answered.
 */
public final class RequestDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDispatcher.class);
    private static final int MAX_IN_FLIGHT = 64;

    private final ApiRegistry registry;
    private final BrokerMetrics metrics;
    /** Requests of this connection not yet answered, oldest first; touched only on the event loop. */
    private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
    private final ConnectionOrder order = new ConnectionOrder();

    private static final class Pending {
        final KafkaRequest request;
        boolean done;
        ApiMessage response;

        Pending(KafkaRequest request) {
            this.request = request;
        }
    }

    public RequestDispatcher(ApiRegistry registry, BrokerMetrics metrics) {
        this.registry = registry;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        KafkaRequest request = (KafkaRequest) msg;
        Pending pending = new Pending(request);
        inFlight.addLast(pending);
        if (inFlight.size() >= MAX_IN_FLIGHT) {
            ctx.channel().config().setAutoRead(false);
        }
        CompletableFuture<? extends ApiMessage> result;
        try {
            result = invoke(ctx, request);
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        result.whenComplete((response, error) -> {
            if (ctx.executor().inEventLoop()) {
                complete(ctx, pending, response, error);
            } else {
                ctx.executor().execute(() -> complete(ctx, pending, response, error));
            }
        });
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private CompletableFuture<? extends ApiMessage> invoke(ChannelHandlerContext ctx, KafkaRequest request) {
        ApiHandler handler = registry.handler(request.header().apiKey(), request.header().apiVersion())
                .orElseGet(() -> registry.handler(request.header().apiKey(), request.responseVersion()).orElseThrow());
        RequestContext context = new RequestContext(request.header(), ctx.channel().remoteAddress(), request.receivedNanos(),
                ctx.channel().eventLoop(), order);
        return handler.handle(context, request.body());
    }

    private void complete(ChannelHandlerContext ctx, Pending pending, ApiMessage response, Throwable error) {
        pending.done = true;
        pending.response = error == null ? response : errorResponse(pending.request, error);
        boolean wrote = false;
        while (!inFlight.isEmpty() && inFlight.peekFirst().done) {
            Pending head = inFlight.pollFirst();
            KafkaRequest r = head.request;
            metrics.requests(r.header().apiKey()).update(System.nanoTime() - r.receivedNanos(), TimeUnit.NANOSECONDS);
            if (head.response != null) {
                ctx.write(new KafkaResponse(r.header().correlationId(), r.header().apiKey(), r.responseVersion(), head.response))
                        .addListener(f -> {
                            if (!f.isSuccess() && ctx.channel().isActive()) {
                                LOG.warn("could not send the {} response to {}; closing the connection", r.header().apiKey(),
                                        ctx.channel().remoteAddress(), f.cause());
                                ctx.close();
                            }
                        });
                wrote = true;
            }
        }
        if (wrote) {
            ctx.flush();
        }
        if (!ctx.channel().config().isAutoRead() && inFlight.size() < MAX_IN_FLIGHT / 2) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** Kafka's error response for the request, with the error the failure maps to. */
    private static ApiMessage errorResponse(KafkaRequest request, Throwable error) {
        Throwable cause = Failures.unwrap(error);
        if (!(cause instanceof ApiException)) {
            LOG.warn("{} request from {} failed", request.header().apiKey(), request.header().clientId(), cause);
        }
        AbstractRequest body = request.body();
        return body.getErrorResponse(Failures.asApiException(cause)).data();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("closing {} after an error", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
