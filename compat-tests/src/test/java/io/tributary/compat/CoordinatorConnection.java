package io.tributary.compat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;

/**
 * A raw connection to the coordinator of one group or transactional id, found the way clients find it
 * (FindCoordinator, retried while the broker is still creating or loading its internal topic). Requests are
 * built with kafka-clients' classes at the highest version both sides know.
 */
final class CoordinatorConnection implements AutoCloseable {

    private final RawConnection connection;
    private final ApiVersionsResponse versions;
    private final FindCoordinatorResponseData.Coordinator coordinator;

    private CoordinatorConnection(RawConnection connection, ApiVersionsResponse versions,
            FindCoordinatorResponseData.Coordinator coordinator) {
        this.connection = connection;
        this.versions = versions;
        this.coordinator = coordinator;
    }

    static CoordinatorConnection forGroup(BrokerProcess broker, String group) throws IOException {
        return find(broker, FindCoordinatorRequest.CoordinatorType.GROUP, group);
    }

    static CoordinatorConnection forTransaction(BrokerProcess broker, String transactionalId) throws IOException {
        return find(broker, FindCoordinatorRequest.CoordinatorType.TRANSACTION, transactionalId);
    }

    private static CoordinatorConnection find(BrokerProcess broker, FindCoordinatorRequest.CoordinatorType type,
                                              String key) throws IOException {
        FindCoordinatorResponseData.Coordinator found;
        try (RawConnection bootstrap = new RawConnection(broker.port())) {
            ApiVersionsResponse versions = bootstrap.apiVersions();
            found = findCoordinator(bootstrap, versions, type, key);
        }
        if (!"127.0.0.1".equals(found.host()) && !"localhost".equals(found.host())) {
            throw new AssertionError("coordinator advertised at " + found.host() + ":" + found.port()
                    + ", expected the test broker on 127.0.0.1");
        }
        RawConnection connection = new RawConnection(found.port());
        return new CoordinatorConnection(connection, connection.apiVersions(), found);
    }

    private static FindCoordinatorResponseData.Coordinator findCoordinator(RawConnection connection,
            ApiVersionsResponse versions, FindCoordinatorRequest.CoordinatorType type, String key) throws IOException {
        short version = (short) Math.min(ApiKeys.FIND_COORDINATOR.latestVersion(),
                connection.maxVersion(versions, ApiKeys.FIND_COORDINATOR));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            FindCoordinatorRequest request = new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData()
                    .setKeyType(type.id()).setCoordinatorKeys(List.of(key))).build(version);
            FindCoordinatorResponse response = (FindCoordinatorResponse) connection.receive(connection.send(request));
            FindCoordinatorResponseData.Coordinator coordinator;
            if (version >= 4) {
                if (response.data().coordinators().size() != 1) {
                    throw new AssertionError("FindCoordinator v" + version + " for one key answered "
                            + response.data());
                }
                coordinator = response.data().coordinators().get(0);
            } else {
                coordinator = new FindCoordinatorResponseData.Coordinator().setKey(key)
                        .setErrorCode(response.data().errorCode()).setNodeId(response.data().nodeId())
                        .setHost(response.data().host()).setPort(response.data().port());
            }
            Errors error = Errors.forCode(coordinator.errorCode());
            if (error == Errors.NONE) {
                return coordinator;
            }
            if (error != Errors.COORDINATOR_NOT_AVAILABLE && error != Errors.COORDINATOR_LOAD_IN_PROGRESS
                    || System.nanoTime() > deadline) {
                throw new AssertionError("FindCoordinator for " + type + " " + key + " answered " + error);
            }
            BrokerProcess.sleep(Duration.ofMillis(200));
        }
    }

    FindCoordinatorResponseData.Coordinator coordinator() {
        return coordinator;
    }

    RawConnection raw() {
        return connection;
    }

    /** The version a request of this kind goes out at: the newest both the builder and the broker allow. */
    short version(ApiKeys key, short clientMax) {
        return (short) Math.min(clientMax, connection.maxVersion(versions, key));
    }

    /** Sends a request and returns the broker's answer to it. */
    @SuppressWarnings("unchecked")
    <R extends AbstractResponse> R call(AbstractRequest.Builder<?> builder) throws IOException {
        short version = version(builder.apiKey(), builder.latestAllowedVersion());
        AbstractRequest request = builder.build(version);
        return (R) connection.receive(connection.send(request));
    }

    /** Whether the connection still answers an ordinary request. */
    boolean stillAnswers() throws IOException {
        return connection.apiVersions().data().errorCode() == Errors.NONE.code();
    }

    @Override
    public void close() throws IOException {
        connection.close();
    }
}
