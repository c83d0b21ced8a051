package io.tributary.wire.produce;

import io.tributary.replication.NotLeaderException;
import io.tributary.replication.Partitions;
import io.tributary.replication.replica.ReplicaGroupCommand;
import io.tributary.replication.replica.PartitionResult;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.wire.config.BrokerConfig;
import io.tributary.wire.config.TopicConfigs;
import io.tributary.wire.metrics.BrokerMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * The produce path: validate each partition's batch on the leader, then append all batches bound for one
 * replica group as a single Raft entry (one replication round, one fsync), and answer once the entries
 * are committed and applied. acks=1 and acks=all both answer after the commit: the leader's own write is
 * the commit.
 */
public final class ProduceService {
    private final Partitions partitions;
    private final Supplier<MetadataImage> metadata;
    private final BrokerConfig config;
    private final BrokerMetrics metrics;

    public ProduceService(Partitions partitions, Supplier<MetadataImage> metadata, BrokerConfig config, BrokerMetrics metrics) {
        this.partitions = partitions;
        this.metadata = metadata;
        this.config = config;
        this.metrics = metrics;
    }

    /** Batches for one group beyond this many bytes go into another Raft entry. */
    private static final int ENTRY_SPLIT_BYTES = 1024 * 1024;

    /** One Raft entry's share of the request: batches for one group and the responses they will fill. */
    private static final class GroupShare {
        final RaftGroupId group;
        final List<ReplicaGroupCommand.ProduceItem> items = new ArrayList<>();
        final List<PartitionProduceResponse> responses = new ArrayList<>();
        int bytes;

        GroupShare(RaftGroupId group) {
            this.group = group;
        }
    }

    public CompletableFuture<ProduceResponseData> produce(ProduceRequestData request) {
        long now = System.currentTimeMillis();
        MetadataImage image = metadata.get();
        ProduceResponseData response = new ProduceResponseData();
        Map<RaftGroupId, GroupShare> open = new LinkedHashMap<>();
        List<GroupShare> shares = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData t : request.topicData()) {
            TopicInfo topic = t.name() != null && !t.name().isEmpty() ? image.topics().get(t.name())
                    : image.topic(t.topicId()).orElse(null);
            TopicProduceResponse topicResponse = new TopicProduceResponse().setName(t.name()).setTopicId(t.topicId());
            response.responses().add(topicResponse);
            for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                PartitionProduceResponse pr = new PartitionProduceResponse().setIndex(p.index()).setBaseOffset(-1)
                        .setLogAppendTimeMs(-1).setLogStartOffset(-1);
                topicResponse.partitionResponses().add(pr);
                if (topic == null) {
                    fail(pr, Uuid.ZERO_UUID.equals(t.topicId()) || t.topicId() == null
                            ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.UNKNOWN_TOPIC_ID, null);
                    continue;
                }
                Partitions.Location loc = partitions.locate(topic.name(), p.index()).orElse(null);
                Errors precheck = precheck(loc, request.acks(), topic);
                if (precheck != Errors.NONE) {
                    fail(pr, precheck, null);
                    continue;
                }
                String tp = topic.name() + "-" + p.index();
                BatchValidator.Rules rules = rules(topic);
                BatchValidator.Result valid = BatchValidator.validate((MemoryRecords) p.records(), tp, rules, now);
                if (!valid.isValid()) {
                    fail(pr, valid.error(), valid.message());
                    pr.setRecordErrors(valid.recordErrors());
                    continue;
                }
                metrics.bytesIn(topic.name()).mark(valid.batch().remaining());
                GroupShare share = open.get(loc.raftGroup());
                if (share == null || share.bytes + valid.batch().remaining() > ENTRY_SPLIT_BYTES && !share.items.isEmpty()) {
                    share = new GroupShare(loc.raftGroup());
                    open.put(loc.raftGroup(), share);
                    shares.add(share);
                }
                share.items.add(new ReplicaGroupCommand.ProduceItem(loc.key(), rules.logAppendTime(), valid.batch()));
                share.responses.add(pr);
                share.bytes += valid.batch().remaining();
            }
        }
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        shares.forEach(share -> pending.add(partitions.produce(share.group, now, share.items)
                .orTimeout(Math.max(1, request.timeoutMs()), TimeUnit.MILLISECONDS)
                .handle((results, error) -> {
                    fill(share, results, error);
                    return null;
                })));
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(v -> response);
    }

    private Errors precheck(Partitions.Location loc, short acks, TopicInfo topic) {
        if (loc == null) {
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (!partitions.isLeader(loc) || partitions.replica(loc).isEmpty()) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        if (acks == -1) {
            // A Raft commit already needs a majority; min.insync.replicas can only ask for more than the
            // leader alone, so the in-sync set is only worked out when it matters.
            int minInsync = Integer.parseInt(TopicConfigs.effective(TopicConfigs.MIN_INSYNC_REPLICAS, topic.configs(), config));
            if (minInsync > 1 && partitions.inSyncReplicas(loc).size() < minInsync) {
                return Errors.NOT_ENOUGH_REPLICAS;
            }
        }
        return Errors.NONE;
    }

    private BatchValidator.Rules rules(TopicInfo topic) {
        Map<String, String> c = topic.configs();
        return new BatchValidator.Rules(
                Integer.parseInt(TopicConfigs.effective(TopicConfigs.MAX_MESSAGE_BYTES, c, config)),
                "LogAppendTime".equals(TopicConfigs.effective(TopicConfigs.TIMESTAMP_TYPE, c, config)),
                Long.parseLong(TopicConfigs.effective(TopicConfigs.TIMESTAMP_BEFORE_MAX_MS, c, config)),
                Long.parseLong(TopicConfigs.effective(TopicConfigs.TIMESTAMP_AFTER_MAX_MS, c, config)),
                TopicConfigs.effective(TopicConfigs.CLEANUP_POLICY, c, config).contains("compact"));
    }

    private void fill(GroupShare share, List<PartitionResult> results, Throwable error) {
        for (int i = 0; i < share.responses.size(); i++) {
            PartitionProduceResponse pr = share.responses.get(i);
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                fail(pr, cause instanceof NotLeaderException ? Errors.NOT_LEADER_OR_FOLLOWER
                        : cause instanceof TimeoutException ? Errors.REQUEST_TIMED_OUT : Errors.forException(cause), cause.getMessage());
                continue;
            }
            PartitionResult r = results.get(i);
            if (r.error() != Errors.NONE) {
                fail(pr, r.error(), r.message());
            } else {
                pr.setBaseOffset(r.offset()).setLogAppendTimeMs(r.logAppendTime()).setLogStartOffset(r.logStartOffset());
            }
        }
    }

    private void fail(PartitionProduceResponse pr, Errors error, String message) {
        metrics.produceErrors().mark();
        pr.setErrorCode(error.code()).setErrorMessage(message);
    }
}
