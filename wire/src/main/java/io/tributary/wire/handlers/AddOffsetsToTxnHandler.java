package io.tributary.wire.handlers;

import io.tributary.coordinator.GroupCoordinator;
import io.tributary.coordinator.TransactionCoordinator;
import io.tributary.wire.admin.InternalTopics;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;

/**
 * AddOffsetsToTxn (v0-4): the group's partition of {@code __consumer_offsets} joins the producer's
 * transaction, so that its TxnOffsetCommit is allowed and the transaction's markers reach it.
 */
public final class AddOffsetsToTxnHandler implements ApiHandler<AddOffsetsToTxnRequest> {
    private final TransactionCoordinator transactions;
    private final InternalTopics internalTopics;

    public AddOffsetsToTxnHandler(TransactionCoordinator transactions, InternalTopics internalTopics) {
        this.transactions = transactions;
        this.internalTopics = internalTopics;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ADD_OFFSETS_TO_TXN;
    }

    @Override
    public CompletableFuture<AddOffsetsToTxnResponseData> handle(RequestContext context, AddOffsetsToTxnRequest request) {
        AddOffsetsToTxnRequestData data = request.data();
        AddOffsetsToTxnResponseData response = new AddOffsetsToTxnResponseData();
        if (!internalTopics.ensure(InternalTopics.OFFSETS)) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
        }
        TopicPartition offsets = new TopicPartition(InternalTopics.OFFSETS,
                GroupCoordinator.partitionFor(data.groupId(), internalTopics.partitions(InternalTopics.OFFSETS)));
        return transactions.write(data.transactionalId(), shard -> shard.addPartitions(data.transactionalId(),
                        data.producerId(), data.producerEpoch(), Set.of(offsets)))
                .thenApply(error -> response.setErrorCode(TxnErrors.forVersion(error, context.apiVersion(), 2, 4).code()));
    }
}
