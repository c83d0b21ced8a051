package io.tributary.wire;

import io.tributary.coordinator.GroupCoordinator;
import io.tributary.coordinator.ProducerIdManager;
import io.tributary.coordinator.TransactionCoordinator;
import io.tributary.coordinator.group.GroupConfig;
import io.tributary.coordinator.runtime.ReplicatedInternalTopic;
import io.tributary.coordinator.txn.TransactionConfig;
import io.tributary.replication.Replication;
import io.tributary.replication.ReplicationConfig;
import io.tributary.replication.metadata.MetadataService;
import io.tributary.replication.partition.Partitions;
import io.tributary.wire.admin.ClusterView;
import io.tributary.wire.admin.InternalTopics;
import io.tributary.wire.admin.TopicService;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.ApiRegistry;
import io.tributary.wire.client.BrokerChannels;
import io.tributary.wire.config.BrokerConfig;
import io.tributary.wire.config.TopicConfigDescriber;
import io.tributary.wire.config.TopicConfigs;
import io.tributary.wire.handlers.AddOffsetsToTxnHandler;
import io.tributary.wire.handlers.AddPartitionsToTxnHandler;
import io.tributary.wire.handlers.AlterConfigsHandler;
import io.tributary.wire.handlers.ApiVersionsHandler;
import io.tributary.wire.handlers.CreatePartitionsHandler;
import io.tributary.wire.handlers.CreateTopicsHandler;
import io.tributary.wire.handlers.DeleteGroupsHandler;
import io.tributary.wire.handlers.DeleteRecordsHandler;
import io.tributary.wire.handlers.DeleteTopicsHandler;
import io.tributary.wire.handlers.DescribeClusterHandler;
import io.tributary.wire.handlers.DescribeConfigsHandler;
import io.tributary.wire.handlers.DescribeGroupsHandler;
import io.tributary.wire.handlers.DescribeProducersHandler;
import io.tributary.wire.handlers.DescribeTransactionsHandler;
import io.tributary.wire.handlers.EndTxnHandler;
import io.tributary.wire.handlers.FetchHandler;
import io.tributary.wire.handlers.FindCoordinatorHandler;
import io.tributary.wire.handlers.HeartbeatHandler;
import io.tributary.wire.handlers.IncrementalAlterConfigsHandler;
import io.tributary.wire.handlers.InitProducerIdHandler;
import io.tributary.wire.handlers.JoinGroupHandler;
import io.tributary.wire.handlers.LeaveGroupHandler;
import io.tributary.wire.handlers.ListGroupsHandler;
import io.tributary.wire.handlers.ListOffsetsHandler;
import io.tributary.wire.handlers.ListTransactionsHandler;
import io.tributary.wire.handlers.MetadataHandler;
import io.tributary.wire.handlers.OffsetCommitHandler;
import io.tributary.wire.handlers.OffsetDeleteHandler;
import io.tributary.wire.handlers.OffsetFetchHandler;
import io.tributary.wire.handlers.OffsetForLeaderEpochHandler;
import io.tributary.wire.handlers.ProduceHandler;
import io.tributary.wire.handlers.SyncGroupHandler;
import io.tributary.wire.handlers.TxnOffsetCommitHandler;
import io.tributary.wire.handlers.WriteTxnMarkersHandler;
import io.tributary.wire.metrics.BrokerMetrics;
import io.tributary.wire.server.KafkaServer;
import io.tributary.wire.txn.TxnMarkers;
import io.tributary.wire.txn.TxnVerifier;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One Tributary broker: the Kafka listener, its handlers, and the replication layer under them. */
public final class Broker implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);

    private final BrokerConfig config;
    private final BrokerMetrics metrics = new BrokerMetrics();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tributary-scheduler");
        t.setDaemon(true);
        return t;
    });
    private final Replication replication;
    private final GroupCoordinator groups;
    private final ProducerIdManager producerIds;
    private final BrokerChannels channels;
    private final TxnMarkers markers;
    private final TransactionCoordinator transactions;
    private KafkaServer server;
    private ApiRegistry registry;
    private int port;

    public Broker(BrokerConfig config) throws IOException {
        this.config = config;
        BrokerConfig.HostPort raft = config.raftAddress();
        ReplicationConfig replicationConfig = new ReplicationConfig(config.nodeId(), raft.host(), raft.port(),
                config.dataDir().toAbsolutePath(), config.raftPeers(), config.getInt(BrokerConfig.RAFT_GROUPS_PER_BROKER),
                config.getLong(BrokerConfig.REPLICA_LAG_TIME_MAX_MS), config.get(BrokerConfig.RAFT_JOIN), config.ratisProperties());
        this.replication = new Replication(replicationConfig, overrides -> TopicConfigs.effective(overrides, config),
                config.getLong(BrokerConfig.PRODUCER_ID_EXPIRATION_MS));
        MetadataService metadata = replication.metadata();
        this.groups = new GroupCoordinator(new ReplicatedInternalTopic(GroupCoordinator.TOPIC, replication.partitions(),
                metadata::image), GroupConfig.from(config.all()));
        this.producerIds = new ProducerIdManager(metadata::allocateProducerIds);
        this.channels = new BrokerChannels(id -> Optional.ofNullable(metadata.image().brokers().get(id))
                .map(b -> new InetSocketAddress(b.host(), b.port())), config.getInt(BrokerConfig.SOCKET_REQUEST_MAX_BYTES));
        this.markers = new TxnMarkers(replication.partitions(), groups, metadata::image, channels, config.nodeId());
        this.transactions = new TransactionCoordinator(new ReplicatedInternalTopic(TransactionCoordinator.TOPIC,
                replication.partitions(), metadata::image), transactionConfig(config), producerIds::nextIdNow, markers);
    }

    private static TransactionConfig transactionConfig(BrokerConfig config) {
        return new TransactionConfig(config.getInt(BrokerConfig.TRANSACTION_MAX_TIMEOUT_MS),
                config.getLong(BrokerConfig.TRANSACTIONAL_ID_EXPIRATION_MS), config.getLong(BrokerConfig.TRANSACTION_ABORT_INTERVAL_MS),
                config.getLong(BrokerConfig.TRANSACTION_REMOVE_EXPIRED_INTERVAL_MS));
    }

    /** Binds the listener, starts replication, registers this broker; returns when it serves. */
    public void start() throws IOException, InterruptedException {
        registry = new ApiRegistry(handlers());
        BrokerConfig.HostPort listener = config.listener();
        server = new KafkaServer(listener.host(), listener.port(), config.getInt(BrokerConfig.SOCKET_REQUEST_MAX_BYTES),
                registry, metrics);
        if (listener.port() == 0) {
            // The port is needed for registration: bind first, accept only once caught up.
            port = server.start();
            replication.start(config.advertisedListener(port).host(), config.advertisedListener(port).port(), 60_000);
        } else {
            // Like a Kafka broker that is still starting, refuse connections until caught up.
            BrokerConfig.HostPort advertised = config.advertisedListener(listener.port());
            replication.start(advertised.host(), advertised.port(), 60_000);
            port = server.start();
        }
        server.open();
        long retentionCheck = config.getLong(BrokerConfig.RETENTION_CHECK_INTERVAL_MS);
        scheduler.scheduleWithFixedDelay(replication.partitions()::applyRetention, retentionCheck, retentionCheck,
                TimeUnit.MILLISECONDS);
        LOG.info("Tributary broker {} started: Kafka protocol on {}:{}, data in {}", config.nodeId(), listener.host(), port,
                config.dataDir().toAbsolutePath());
    }

    private List<ApiHandler<?>> handlers() {
        MetadataService metadata = replication.metadata();
        Partitions partitions = replication.partitions();
        TopicService topics = new TopicService(metadata, partitions, config, scheduler);
        ClusterView cluster = new ClusterView(metadata);
        TopicConfigDescriber describer = new TopicConfigDescriber(config);
        InternalTopics internalTopics = new InternalTopics(topics, config);
        TxnVerifier verifier = new TxnVerifier(transactions, partitions, metadata::image, channels, config.nodeId());
        return List.of(
                new ApiVersionsHandler(() -> registry, config.transactionVersion()),
                new MetadataHandler(cluster, partitions, topics, config.getBoolean(BrokerConfig.AUTO_CREATE_TOPICS)),
                new DescribeClusterHandler(cluster),
                new CreateTopicsHandler(topics, describer),
                new DeleteTopicsHandler(topics),
                new CreatePartitionsHandler(topics),
                new ProduceHandler(partitions, verifier, metrics),
                new FetchHandler(partitions, metrics),
                new ListOffsetsHandler(partitions),
                new OffsetForLeaderEpochHandler(partitions),
                new InitProducerIdHandler(producerIds, transactions),
                new AddPartitionsToTxnHandler(transactions, metadata::image),
                new AddOffsetsToTxnHandler(transactions, internalTopics),
                new TxnOffsetCommitHandler(groups, verifier, metadata::image),
                new EndTxnHandler(transactions),
                new WriteTxnMarkersHandler(markers),
                new DescribeTransactionsHandler(transactions),
                new ListTransactionsHandler(transactions),
                new DescribeConfigsHandler(describer, () -> metadata.image().topics(), config.nodeId()),
                new IncrementalAlterConfigsHandler(topics),
                new AlterConfigsHandler(topics),
                new DeleteRecordsHandler(partitions),
                new DescribeProducersHandler(partitions),
                new FindCoordinatorHandler(internalTopics, partitions, cluster),
                new JoinGroupHandler(groups),
                new SyncGroupHandler(groups),
                new HeartbeatHandler(groups),
                new LeaveGroupHandler(groups),
                new OffsetCommitHandler(groups, metadata::image),
                new OffsetFetchHandler(groups, metadata::image),
                new OffsetDeleteHandler(groups, metadata::image),
                new DescribeGroupsHandler(groups),
                new ListGroupsHandler(groups),
                new DeleteGroupsHandler(groups));
    }

    public int port() {
        return port;
    }

    public BrokerMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() throws IOException {
        LOG.info("Tributary broker {} shutting down", config.nodeId());
        if (server != null) {
            server.close();
        }
        scheduler.shutdownNow();
        groups.close();
        transactions.close();
        channels.close();
        replication.close();
        metrics.close();
    }
}
