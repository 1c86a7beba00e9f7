package io.biowerk.dr.core.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The one configured Jackson mapper behind every JSON document core writes or reads (manifests,
 * verification logs, claims, locks) and the command line's {@code --json} output. Internal: the
 * package is exported only to the command line; the mapper itself never leaves this class, so no
 * caller can reconfigure it. Thread-safe.
 */
public final class Json {

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private static final ObjectWriter COMPACT =
      MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  /** A new empty object node. */
  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** A new empty array node. */
  public static ArrayNode array() {
    return MAPPER.createArrayNode();
  }

  /** {@code value} (records, maps, lists of JDK values) as a tree. */
  public static JsonNode tree(Object value) {
    return MAPPER.valueToTree(value);
  }

  /**
   * {@code node} as a {@code type} ({@code Map<String, String>}).
   *
   * @throws IllegalArgumentException if it does not fit
   */
  public static <T> T convert(JsonNode node, TypeReference<T> type) {
    return MAPPER.convertValue(node, type);
  }

  /**
   * Parses {@code json}.
   *
   * @throws IOException if it is not JSON
   */
  public static JsonNode read(byte[] json) throws IOException {
    return MAPPER.readTree(json);
  }

  /**
   * Parses {@code json}.
   *
   * @throws IOException if it is not JSON
   */
  public static JsonNode read(String json) throws IOException {
    return MAPPER.readTree(json);
  }

  /**
   * {@code value} as indented UTF-8 JSON, map entries sorted by key.
   *
   * @throws JsonProcessingException if it cannot be written as JSON
   */
  public static byte[] bytes(Object value) throws JsonProcessingException {
    return MAPPER.writeValueAsBytes(value);
  }

  /**
   * {@code value} as indented JSON text.
   *
   * @throws JsonProcessingException if it cannot be written as JSON
   */
  public static String text(Object value) throws JsonProcessingException {
    return MAPPER.writeValueAsString(value);
  }

  /**
   * {@code value} as JSON on one line, without spaces: {@code {"id":"x","startedAt":"..."}}.
   *
   * @throws JsonProcessingException if it cannot be written as JSON
   */
  public static byte[] compact(Object value) throws JsonProcessingException {
    return COMPACT.writeValueAsBytes(value);
  }
}
