package io.tributary.wire.api;

import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.protocol.ApiKeys;

/** The dispatch table: which handler serves which API, and at which versions. Built from a list. */
public final class ApiRegistry {
    private final Map<ApiKeys, ApiHandler<?>> handlers = new EnumMap<>(ApiKeys.class);

    public ApiRegistry(List<ApiHandler<?>> all) {
        for (ApiHandler<?> h : all) {
            if (handlers.put(h.apiKey(), h) != null) {
                throw new IllegalArgumentException("two handlers for " + h.apiKey());
            }
        }
    }

    /** The handler for {@code key} if it serves {@code version}. */
    public Optional<ApiHandler<?>> handler(ApiKeys key, short version) {
        ApiHandler<?> h = handlers.get(key);
        return h != null && version >= h.minVersion() && version <= h.maxVersion() ? Optional.of(h) : Optional.empty();
    }

    public Collection<ApiHandler<?>> all() {
        return handlers.values();
    }
}
