package io.tributary.wire.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.ApiRegistry;
import io.tributary.wire.api.RequestContext;
import io.tributary.wire.metrics.BrokerMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RequestDispatcherTest {
    private final List<CompletableFuture<ApiMessage>> pending = new ArrayList<>();
    private final BrokerMetrics metrics = new BrokerMetrics();

    private final ApiHandler<DescribeClusterRequest> handler = new ApiHandler<>() {
        @Override
        public ApiKeys apiKey() {
            return ApiKeys.DESCRIBE_CLUSTER;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeClusterRequest request) {
            CompletableFuture<ApiMessage> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }
    };

    @AfterEach
    void close() {
        metrics.close();
    }

    private static KafkaRequest request(int correlationId) {
        RequestHeader header = new RequestHeader(ApiKeys.DESCRIBE_CLUSTER, (short) 0, "test", correlationId);
        return new KafkaRequest(header, new DescribeClusterRequest.Builder(new org.apache.kafka.common.message.DescribeClusterRequestData())
                .build((short) 0), (short) 0, 10, System.nanoTime());
    }

    @Test
    void answersInRequestOrderWhateverOrderHandlersFinishIn() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDispatcher(new ApiRegistry(List.of(handler)), metrics));
        ch.writeInbound(request(1), request(2), request(3));
        assertThat(pending).hasSize(3);

        pending.get(2).complete(new DescribeClusterResponseData().setClusterId("third"));
        pending.get(1).complete(new DescribeClusterResponseData().setClusterId("second"));
        assertThat((Object) ch.readOutbound()).as("nothing before the first is answered").isNull();

        pending.get(0).complete(new DescribeClusterResponseData().setClusterId("first"));
        assertThat(((KafkaResponse) ch.readOutbound()).correlationId()).isEqualTo(1);
        assertThat(((KafkaResponse) ch.readOutbound()).correlationId()).isEqualTo(2);
        KafkaResponse third = ch.readOutbound();
        assertThat(((DescribeClusterResponseData) third.body()).clusterId()).isEqualTo("third");
    }

    @Test
    void aFailedHandlerGetsKafkaErrorResponseAndANullResultSendsNothing() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDispatcher(new ApiRegistry(List.of(handler)), metrics));
        ch.writeInbound(request(1), request(2), request(3));
        pending.get(0).complete(null);
        pending.get(1).completeExceptionally(new NotControllerException("no"));
        pending.get(2).completeExceptionally(new CompletionException(new TimeoutException("a Raft entry took too long")));

        KafkaResponse second = ch.readOutbound();
        assertThat(second.correlationId()).isEqualTo(2);
        assertThat(((DescribeClusterResponseData) second.body()).errorCode()).isEqualTo(Errors.NOT_CONTROLLER.code());
        KafkaResponse third = ch.readOutbound();
        assertThat(((DescribeClusterResponseData) third.body()).errorCode()).isEqualTo(Errors.REQUEST_TIMED_OUT.code());
        assertThat((Object) ch.readOutbound()).isNull();
    }
}
