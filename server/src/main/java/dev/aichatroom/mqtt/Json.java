package dev.aichatroom.mqtt;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Optional;

/**
 * The JSON codec of every wire payload: snake_case fields, UTF-8 never {@code \\u}-escaped, unknown input fields
 * ignored, absent optionals omitted.
 */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new com.fasterxml.jackson.datatype.jdk8.Jdk8Module())
            .serializationInclusion(JsonInclude.Include.NON_ABSENT)
            // characters outside the BMP (emoji) as 4-byte UTF-8, not as a pair of \\u escapes (PROTOCOL.md)
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build();

    private Json() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "not serialisable: " + value.getClass().getName(), e);
        }
    }

    public static String string(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "not serialisable: " + value.getClass().getName(), e);
        }
    }

    /** Parses a JSON document; empty when it is not JSON. */
    public static Optional<JsonNode> tree(byte[] payload) {
        try {
            JsonNode node = MAPPER.readTree(payload);
            return node == null || node.isMissingNode() ? Optional.empty() : Optional.of(node);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
