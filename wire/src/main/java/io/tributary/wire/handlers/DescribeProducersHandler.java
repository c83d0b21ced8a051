package io.tributary.wire.handlers;

import io.tributary.replication.metadata.TopicRef;
import io.tributary.replication.partition.PartitionLeader;
import io.tributary.replication.partition.Partitions;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.ProducerState;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.DescribeProducersRequest;

/**
 * DescribeProducers (v0): the producers each partition led here remembers, with their open
 * transactions (what {@code kafka-transactions.sh describe-producers} and {@code find-hanging} show).
 */
public final class DescribeProducersHandler implements ApiHandler<DescribeProducersRequest> {
    private final Partitions partitions;

    public DescribeProducersHandler(Partitions partitions) {
        this.partitions = partitions;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_PRODUCERS;
    }

    @Override
    public CompletableFuture<DescribeProducersResponseData> handle(RequestContext context, DescribeProducersRequest request) {
        DescribeProducersResponseData response = new DescribeProducersResponseData();
        for (DescribeProducersRequestData.TopicRequest t : request.data().topics()) {
            TopicResponse topic = new TopicResponse().setName(t.name());
            for (int partition : t.partitionIndexes()) {
                PartitionResponse p = new PartitionResponse().setPartitionIndex(partition);
                Partitions.Lookup lookup = partitions.leader(TopicRef.byName(t.name()), partition, -1);
                if (!lookup.found()) {
                    p.setErrorCode(lookup.error().code());
                } else {
                    for (PartitionLeader.ActiveProducer producer : lookup.leader().activeProducers()) {
                        p.activeProducers().add(new ProducerState().setProducerId(producer.producerId())
                                .setProducerEpoch(producer.epoch()).setLastSequence(producer.lastSequence())
                                .setLastTimestamp(producer.lastTimestamp()).setCoordinatorEpoch(producer.coordinatorEpoch())
                                .setCurrentTxnStartOffset(producer.txnStartOffset()));
                    }
                }
                topic.partitions().add(p);
            }
            response.topics().add(topic);
        }
        return CompletableFuture.completedFuture(response);
    }
}
