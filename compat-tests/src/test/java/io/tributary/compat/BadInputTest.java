package io.tributary.compat;

import static io.tributary.compat.Clients.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Malformed and unsupported requests over a raw socket get Kafka's answer: an error code or a
 * closed connection. Afterwards an unrelated open connection and a new client both still work.
 */
class BadInputTest {

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension("bad-input");

    private static String healthTopic;
    private RawConnection bystander;
    private RawConnection connection;

    @BeforeAll
    static void setUpClass() {
        healthTopic = Clients.uniqueTopic("bad-input-health");
        Clients.createTopic(BROKER.admin(), healthTopic, 1);
    }

    @BeforeEach
    void connect() throws IOException {
        bystander = new RawConnection(BROKER.broker().port());
        assertThat(bystander.apiVersions().data().errorCode()).isZero();
        connection = new RawConnection(BROKER.broker().port());
    }

    @AfterEach
    void brokerStillServesOthers() throws IOException {
        connection.close();
        try {
            assertThat(bystander.apiVersions().data().errorCode())
                    .as("a connection opened before the bad input still works").isZero();
        } finally {
            bystander.close();
        }
        assertNewClientCanProduceAndConsume();
    }

    @Test
    void oversizedLengthPrefixClosesTheConnection() throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(4 + 64);
        frame.putInt(2_000_000_000);
        connection.writeRaw(frame.array());
        connection.assertClosedByBroker("a 2 GB length prefix");
    }

    @Test
    void randomGarbageClosesTheConnection() throws IOException {
        byte[] garbage = new byte[1_000];
        new Random(20240601L).nextBytes(garbage);
        connection.writeFrame(ByteBuffer.wrap(garbage));
        connection.assertClosedByBroker("a frame of random bytes");
    }

    @Test
    void headerWithoutBodyClosesTheConnectionOrAnswersWithAnError() throws IOException {
        short version = (short) Math.min(12, connection.maxVersion(connection.apiVersions(), ApiKeys.METADATA));
        MetadataRequest request = MetadataRequest.Builder.allTopics().build(version);
        RequestHeader header = new RequestHeader(ApiKeys.METADATA, version, "raw-test", connection.nextCorrelationId());
        ByteBuffer full = request.serializeWithHeader(header);
        connection.writeFrame(full.limit(header.size()));

        ByteBuffer answer;
        try {
            answer = connection.readFrame();
        } catch (IOException closed) {
            return;
        }
        AbstractResponse response = NetworkClient.parseResponse(answer, header);
        assertThat(response.errorCounts().keySet()).as("errors in the answer to a body-less Metadata request")
                .anyMatch(error -> error != Errors.NONE);
    }

    @Test
    void unknownApiKeyClosesTheConnection() throws IOException {
        connection.writeFrame(headerV1((short) 999, (short) 0, connection.nextCorrelationId(), new byte[8]));
        connection.assertClosedByBroker("a request with API key 999");
    }

    @Test
    void unsupportedVersionClosesTheConnection() throws IOException {
        connection.writeFrame(headerV1(ApiKeys.FETCH.id, (short) 99, connection.nextCorrelationId(), new byte[32]));
        connection.assertClosedByBroker("a Fetch v99 request");
    }

    @Test
    void apiVersionsWithUnsupportedVersionAnswersUnsupportedVersion() throws IOException {
        int correlationId = connection.nextCorrelationId();
        // Header v2 (flexible): API key, version, correlation id, client id, no tagged fields.
        ByteBuffer request = ByteBuffer.allocate(64);
        request.putShort(ApiKeys.API_VERSIONS.id).putShort((short) 99).putInt(correlationId);
        putClientId(request);
        request.put((byte) 0);
        // A body shaped like v3's: compact software name and version, no tagged fields.
        request.put((byte) 5).put("test".getBytes(StandardCharsets.UTF_8));
        request.put((byte) 2).put((byte) '1');
        request.put((byte) 0);
        connection.writeFrame(request.flip());

        ByteBuffer answer = connection.readFrame();
        assertThat(answer.getInt()).as("correlation id").isEqualTo(correlationId);
        ApiVersionsResponseData data = ApiVersionsResponse.parse(new ByteBufferAccessor(answer), (short) 0).data();
        assertThat(data.errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
        ApiVersionsResponseData.ApiVersion apiVersions = data.apiKeys().find(ApiKeys.API_VERSIONS.id);
        assertThat(apiVersions).as("the answer lists the ApiVersions versions the broker does support").isNotNull();
        assertThat(apiVersions.maxVersion()).isGreaterThanOrEqualTo((short) 3);
    }

    @Test
    void produceWithWrongCrcAnswersCorruptMessageAndAppendsNothing() throws IOException {
        String topic = Clients.uniqueTopic("bad-crc");
        Clients.createTopic(BROKER.admin(), topic, 1);
        short version = (short) Math.min(12, connection.maxVersion(connection.apiVersions(), ApiKeys.PRODUCE));

        ByteBuffer batch = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord("key".getBytes(StandardCharsets.UTF_8), "value".getBytes(StandardCharsets.UTF_8)))
                .buffer();
        // The last value byte sits just before the record's header count: the batch still parses,
        // only its CRC no longer matches.
        int lastValueByte = batch.limit() - 2;
        batch.put(lastValueByte, (byte) (batch.get(lastValueByte) ^ 0x5A));
        ProduceRequestData data = new ProduceRequestData()
                .setAcks((short) -1)
                .setTimeoutMs(30_000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(
                        new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                                new ProduceRequestData.PartitionProduceData().setIndex(0)
                                        .setRecords(MemoryRecords.readableRecords(batch))))).iterator()));
        ProduceRequest request = new ProduceRequest.Builder(version, version, data).build(version);

        ProduceResponse response = (ProduceResponse) connection.receive(connection.send(request));
        var partitions = response.data().responses().iterator().next().partitionResponses();
        assertThat(partitions).singleElement().satisfies(partition -> {
            assertThat(partition.index()).isZero();
            assertThat(Errors.forCode(partition.errorCode())).isEqualTo(Errors.CORRUPT_MESSAGE);
        });

        TopicPartition tp = new TopicPartition(topic, 0);
        assertThat(await(BROKER.admin().listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp)).offset())
                .as("latest offset after the corrupt batch").isZero();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap())) {
            assertThat(consumer.endOffsets(List.of(tp))).containsEntry(tp, 0L);
            assertThat(Clients.readAll(consumer, List.of(tp), Duration.ofSeconds(30))).isEmpty();
        }
    }

    /** Header v1: API key, version, correlation id, client id; then the given body bytes. */
    private static ByteBuffer headerV1(short apiKey, short version, int correlationId, byte[] body) {
        ByteBuffer frame = ByteBuffer.allocate(64 + body.length);
        frame.putShort(apiKey).putShort(version).putInt(correlationId);
        putClientId(frame);
        frame.put(body);
        return frame.flip();
    }

    private static void putClientId(ByteBuffer buffer) {
        byte[] clientId = "raw-test".getBytes(StandardCharsets.UTF_8);
        buffer.putShort((short) clientId.length).put(clientId);
    }

    private static void assertNewClientCanProduceAndConsume() {
        String value = "healthy-" + System.nanoTime();
        TopicPartition tp = new TopicPartition(healthTopic, 0);
        long offset;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(BROKER.bootstrap())) {
            offset = await(producer.send(new ProducerRecord<>(healthTopic, 0, null,
                    value.getBytes(StandardCharsets.UTF_8)))).offset();
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap())) {
            List<ConsumerRecord<byte[], byte[]>> records =
                    Clients.readAll(consumer, List.of(tp), Duration.ofSeconds(30));
            assertThat(records).last().satisfies(record -> {
                assertThat(record.offset()).isEqualTo(offset);
                assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo(value);
            });
        }
    }
}
