package io.biowerk.dr.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biowerk.dr.core.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes manifests as JSON. The document carries {@code "schema": 1}; a newer schema is
 * refused with a message to upgrade, a document that does not parse or lacks a field with a {@link
 * CorruptManifestException} naming where it was read from.
 */
public final class Manifests {

  private Manifests() {}

  /** The JSON form of {@code manifest}, UTF-8. */
  public static byte[] toJson(BackupManifest manifest) {
    ObjectNode root = tree(manifest);
    manifest.mac().ifPresent(mac -> root.put("mac", mac));
    try {
      return Json.bytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "manifest facts of "
              + manifest.id()
              + " are not JSON-compatible: "
              + e.getOriginalMessage(),
          e);
    }
  }

  /**
   * The bytes a manifest's authentication code covers (see {@code
   * docs/format/manifest-authentication.md}): the manifest's JSON without {@code "mac"}, without
   * {@code "keyId"} and {@code stored.key}, and without the {@code key-id} and {@code wrap.*}
   * parameters of its codecs, serialized compactly (no whitespace) with members in the order {@link
   * #toJson} writes them. Key ids and wraps may change (rotation re-wraps the data key, promotion
   * moves the data object) without changing what a restore does: the wraps authenticate themselves,
   * and the stored SHA-256 binds the data object.
   */
  public static byte[] authenticatedBytes(BackupManifest manifest) {
    ObjectNode root = tree(manifest);
    root.remove("keyId");
    ((ObjectNode) root.get("stored")).remove("key");
    for (JsonNode codec : root.get("codecs")) {
      ObjectNode parameters = (ObjectNode) codec.get("parameters");
      List<String> names = new ArrayList<>();
      parameters.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        if (name.equals("key-id") || name.startsWith("wrap.")) {
          parameters.remove(name);
        }
      }
    }
    try {
      return Json.compact(root);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "manifest facts of "
              + manifest.id()
              + " are not JSON-compatible: "
              + e.getOriginalMessage(),
          e);
    }
  }

  private static ObjectNode tree(BackupManifest manifest) {
    ObjectNode root = Json.object();
    root.put("schema", BackupManifest.SCHEMA_VERSION);
    root.put("id", manifest.id());
    ObjectNode source = root.putObject("source");
    source.put("kind", manifest.sourceKind());
    source.put("name", manifest.sourceName());
    source.put("uri", manifest.sourceUri());
    root.put("format", manifest.format());
    root.put("startedAt", manifest.startedAt().toString());
    root.put("finishedAt", manifest.finishedAt().toString());
    ArrayNode codecs = root.putArray("codecs");
    for (CodecSpec codec : manifest.codecs()) {
      ObjectNode node = codecs.addObject();
      node.put("id", codec.id());
      node.set("parameters", Json.tree(new java.util.TreeMap<>(codec.parameters())));
    }
    manifest.keyId().ifPresent(id -> root.put("keyId", id));
    ObjectNode raw = root.putObject("raw");
    raw.put("size", manifest.rawSize());
    raw.put("sha256", manifest.rawSha256());
    ObjectNode stored = root.putObject("stored");
    stored.put("size", manifest.storedSize());
    stored.put("sha256", manifest.storedSha256());
    stored.put("key", manifest.dataKey());
    root.set("facts", Json.tree(manifest.facts()));
    return root;
  }

  /**
   * Parses a manifest.
   *
   * @param location where it was read from, for messages
   * @throws CorruptManifestException if it does not parse, lacks a field, or has a newer schema
   */
  public static BackupManifest parse(byte[] json, String location) throws CorruptManifestException {
    JsonNode root;
    try {
      root = Json.read(json);
    } catch (IOException e) {
      throw corrupt(location, "it is not valid JSON (" + firstLine(e.getMessage()) + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw corrupt(location, "it is not a JSON object", null);
    }
    int schema = root.path("schema").asInt(-1);
    if (schema > BackupManifest.SCHEMA_VERSION) {
      throw corrupt(
          location,
          "it has schema "
              + schema
              + " but this version reads up to "
              + BackupManifest.SCHEMA_VERSION
              + "; upgrade biowerk-dr to restore it",
          null);
    }
    if (schema < 1) {
      throw corrupt(location, "it has no valid \"schema\" field", null);
    }
    try {
      List<CodecSpec> codecs = new ArrayList<>();
      for (JsonNode node : required(root, "codecs", location)) {
        Map<String, String> parameters =
            node.has("parameters")
                ? Json.convert(node.get("parameters"), new TypeReference<Map<String, String>>() {})
                : Map.of();
        codecs.add(new CodecSpec(text(node, "id", location), parameters));
      }
      JsonNode source = required(root, "source", location);
      JsonNode raw = required(root, "raw", location);
      JsonNode stored = required(root, "stored", location);
      Map<String, Object> facts =
          root.has("facts")
              ? Json.convert(
                  root.get("facts"), new TypeReference<LinkedHashMap<String, Object>>() {})
              : Map.of();
      return new BackupManifest(
          text(root, "id", location),
          text(source, "kind", location),
          text(source, "name", location),
          text(source, "uri", location),
          text(root, "format", location),
          instant(root, "startedAt", location),
          instant(root, "finishedAt", location),
          codecs,
          Optional.ofNullable(root.hasNonNull("keyId") ? root.get("keyId").asText() : null),
          number(raw, "size", location),
          number(stored, "size", location),
          text(raw, "sha256", location),
          text(stored, "sha256", location),
          text(stored, "key", location),
          facts,
          Optional.ofNullable(root.has("mac") ? text(root, "mac", location) : null));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw corrupt(location, e.getMessage(), e);
    }
  }

  private static CorruptManifestException corrupt(String location, String why, Throwable cause) {
    return new CorruptManifestException(
        "manifest "
            + location
            + " cannot be used: "
            + why
            + "; restore from another copy of the repository or another backup",
        location,
        cause);
  }

  private static JsonNode required(JsonNode node, String field, String location)
      throws CorruptManifestException {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw corrupt(location, "field \"" + field + "\" is missing", null);
    }
    return value;
  }

  private static String text(JsonNode node, String field, String location)
      throws CorruptManifestException {
    JsonNode value = required(node, field, location);
    if (!value.isTextual()) {
      throw corrupt(location, "field \"" + field + "\" is not a string", null);
    }
    return value.asText();
  }

  private static long number(JsonNode node, String field, String location)
      throws CorruptManifestException {
    JsonNode value = required(node, field, location);
    if (!value.canConvertToLong()) {
      throw corrupt(location, "field \"" + field + "\" is not a whole number", null);
    }
    return value.asLong();
  }

  private static Instant instant(JsonNode node, String field, String location)
      throws CorruptManifestException {
    try {
      return Instant.parse(text(node, field, location));
    } catch (DateTimeParseException e) {
      throw corrupt(location, "field \"" + field + "\" is not an ISO-8601 instant", e);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no detail";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** Reads {@code bytes} as UTF-8 (for side files). */
  static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
