package io.tributary.wire.handlers;

import io.tributary.replication.metadata.TopicInfo;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import io.tributary.wire.config.TopicConfigDescriber;
import io.tributary.wire.config.TopicConfigDescriber.Described;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;

/** DescribeConfigs for topics (values, sources, synonyms, documentation) and for this broker. */
public final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequest> {
    private final TopicConfigDescriber describer;
    private final Supplier<Map<String, TopicInfo>> topics;
    private final int nodeId;

    public DescribeConfigsHandler(TopicConfigDescriber describer, Supplier<Map<String, TopicInfo>> topics, int nodeId) {
        this.describer = describer;
        this.topics = topics;
        this.nodeId = nodeId;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_CONFIGS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeConfigsRequest request) {
        DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        for (DescribeConfigsResource resource : request.data().resources()) {
            response.results().add(describe(resource, request.data().includeSynonyms(), request.data().includeDocumentation()));
        }
        return CompletableFuture.completedFuture(response);
    }

    private DescribeConfigsResult describe(DescribeConfigsResource resource, boolean synonyms, boolean docs) {
        DescribeConfigsResult result = new DescribeConfigsResult().setResourceType(resource.resourceType())
                .setResourceName(resource.resourceName());
        List<Described> configs;
        ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
        if (type == ConfigResource.Type.TOPIC) {
            TopicInfo topic = topics.get().get(resource.resourceName());
            if (topic == null) {
                return result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                        .setErrorMessage("Topic " + resource.resourceName() + " does not exist");
            }
            configs = describer.describe(topic.configs());
        } else if (type == ConfigResource.Type.BROKER
                && (resource.resourceName().isEmpty() || resource.resourceName().equals(String.valueOf(nodeId)))) {
            configs = describer.describeBroker();
        } else {
            return result.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage("Unsupported resource " + type + " '" + resource.resourceName() + "'");
        }
        for (Described c : configs) {
            if (resource.configurationKeys() != null && !resource.configurationKeys().contains(c.name())) {
                continue;
            }
            DescribeConfigsResourceResult r = new DescribeConfigsResourceResult().setName(c.name()).setValue(c.value())
                    .setReadOnly(c.readOnly()).setConfigSource(c.source()).setIsSensitive(false).setConfigType(c.type())
                    .setDocumentation(docs ? c.doc() : null);
            if (synonyms) {
                c.synonyms().forEach(s -> r.synonyms().add(new DescribeConfigsSynonym().setName(s.name()).setValue(s.value())
                        .setSource(s.source())));
            }
            result.configs().add(r);
        }
        return result;
    }
}
