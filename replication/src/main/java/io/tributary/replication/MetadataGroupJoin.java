package io.tributary.replication;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds a new broker to a running cluster's metadata group through any member: asks the member for the
 * group's peers, hosts the group here with this broker added, then asks the group (via its leader) to
 * change its configuration. The metadata group keeps up to {@link #MAX_VOTERS} voters; brokers beyond
 * them follow it as listeners.
 */
final class MetadataGroupJoin {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataGroupJoin.class);
    static final int MAX_VOTERS = 5;

    private MetadataGroupJoin() {
    }

    static void join(RaftNode node, String memberAddress) throws IOException {
        RaftPeer contact = RaftPeer.newBuilder().setId("join-contact").setAddress(memberAddress).build();
        RaftGroup current;
        try (RaftClient client = client(node, RaftGroup.valueOf(RaftNode.METADATA_GROUP, contact))) {
            GroupInfoReply info = client.getGroupManagementApi(contact.getId()).info(RaftNode.METADATA_GROUP);
            if (!info.isSuccess()) {
                throw new IOException("the member at " + memberAddress + " does not host the metadata group: " + info.getException());
            }
            current = info.getGroup();
        }
        List<RaftPeer> voters = new ArrayList<>();
        List<RaftPeer> listeners = new ArrayList<>();
        for (RaftPeer p : current.getPeers()) {
            if (!p.getId().equals(node.self())) {
                (p.getStartupRole() == RaftPeerRole.LISTENER ? listeners : voters).add(p);
            }
        }
        RaftPeer me = RaftNode.peer(node.nodeId(), node.boundRaftAddress(), 0);
        if (voters.size() < MAX_VOTERS) {
            voters.add(me);
        } else {
            listeners.add(RaftPeer.newBuilder(me).setStartupRole(RaftPeerRole.LISTENER).build());
        }
        List<RaftPeer> all = new ArrayList<>(voters);
        all.addAll(listeners);
        node.host(RaftGroup.valueOf(RaftNode.METADATA_GROUP, all));
        try (RaftClient client = client(node, current)) {
            RaftClientReply reply = client.admin().setConfiguration(voters, listeners);
            if (!reply.isSuccess()) {
                throw new IOException("the cluster refused the new member: " + reply.getException());
            }
        }
        LOG.info("joined the cluster through {} as a metadata {}", memberAddress, voters.contains(me) ? "voter" : "listener");
    }

    private static RaftClient client(RaftNode node, RaftGroup group) {
        return RaftClient.newBuilder().setProperties(RaftNode.ratisProperties(node.config())).setRaftGroup(group).build();
    }

}
