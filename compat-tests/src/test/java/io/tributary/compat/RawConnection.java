package io.tributary.compat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;

import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A plain socket to the broker for writing frames that no well-behaved client would send. Frames
 * are a 4-byte big-endian length followed by that many bytes, as in Kafka's protocol.
 */
final class RawConnection implements AutoCloseable {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(15);

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private int nextCorrelationId = 1;

    RawConnection(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    int nextCorrelationId() {
        return nextCorrelationId++;
    }

    /** Writes bytes exactly as given, with no length prefix. */
    void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void writeFrame(ByteBuffer payload) throws IOException {
        byte[] bytes = new byte[payload.remaining()];
        payload.duplicate().get(bytes);
        out.writeInt(bytes.length);
        out.write(bytes);
        out.flush();
    }

    /** Serializes a request built with kafka-clients' own classes and sends it. */
    RequestHeader send(AbstractRequest request) throws IOException {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw-test", nextCorrelationId());
        writeFrame(request.serializeWithHeader(header));
        return header;
    }

    /** Reads one response frame and parses it as the answer to {@code header}. */
    AbstractResponse receive(RequestHeader header) throws IOException {
        return NetworkClient.parseResponse(readFrame(), header);
    }

    ByteBuffer readFrame() throws IOException {
        int size = in.readInt();
        byte[] bytes = new byte[size];
        in.readFully(bytes);
        return ByteBuffer.wrap(bytes);
    }

    /** The broker's supported versions, asked at a version every broker must answer. */
    ApiVersionsResponse apiVersions() throws IOException {
        ApiVersionsRequest request = new ApiVersionsRequest.Builder(new ApiVersionsRequestData()
                .setClientSoftwareName("raw-test").setClientSoftwareVersion("1"), (short) 3, (short) 3)
                .build((short) 3);
        return (ApiVersionsResponse) receive(send(request));
    }

    short maxVersion(ApiVersionsResponse versions, ApiKeys key) {
        var range = versions.data().apiKeys().find(key.id);
        if (range == null) {
            throw new AssertionError("broker does not advertise " + key);
        }
        return range.maxVersion();
    }

    /** Fails unless the broker closes the connection (end of stream or reset) without answering. */
    void assertClosedByBroker(String afterWhat) throws IOException {
        String problem;
        try {
            int read = in.read();
            if (read == -1) {
                return;
            }
            problem = "the broker answered instead of closing the connection (first byte " + read + ", "
                    + in.available() + " more bytes ready)";
        } catch (SocketTimeoutException e) {
            problem = "the connection was still open after " + READ_TIMEOUT.toSeconds() + " s";
        } catch (SocketException | EOFException e) {
            return;
        }
        throw new AssertionError("after " + afterWhat + ": " + problem);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
