package io.tributary.wire.admin;

import io.tributary.replication.metadata.BrokerInfo;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.MetadataService;
import java.util.Collection;

/** The cluster as Metadata and DescribeCluster describe it: its id, brokers and controller. */
public final class ClusterView {
    private final MetadataService metadata;

    public ClusterView(MetadataService metadata) {
        this.metadata = metadata;
    }

    public MetadataImage image() {
        return metadata.image();
    }

    public String clusterId() {
        return metadata.clusterId();
    }

    /**
     * The brokers clients may use: registered and not fenced. A broker that knows no metadata leader is
     * cut off from the cluster and, as far as it can tell, fenced: it leaves itself out, so that clients
     * take their next Metadata from a broker that can tell them where leaders are now.
     */
    public Collection<BrokerInfo> brokers() {
        MetadataImage image = metadata.image();
        boolean selfCutOff = metadata.controller().isEmpty();
        return image.brokers().values().stream()
                .filter(b -> !image.fenced().contains(b.id()) && !(selfCutOff && b.id() == metadata.nodeId()))
                .toList();
    }

    /** The broker leading the metadata group, or -1 while there is none. */
    public int controllerId() {
        return metadata.controller().orElse(-1);
    }
}
