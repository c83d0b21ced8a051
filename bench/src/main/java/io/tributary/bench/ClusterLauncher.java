package io.tributary.bench;

/** Starts fresh clusters of one system ("kafka", "tributary") on 127.0.0.1. */
interface ClusterLauncher {
    /** Short name used in progress lines and tables. */
    String name();

    /**
     * Starts {@code spec.brokers()} brokers with empty data folders and returns once every one of
     * them is listed by the Admin client's describeCluster. The caller closes the cluster.
     */
    BrokerCluster start(ClusterSpec spec) throws Exception;
}
