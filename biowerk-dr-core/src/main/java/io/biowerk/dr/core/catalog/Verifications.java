package io.biowerk.dr.core.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.internal.Json;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The JSON form of a backup's verification history, the {@code <dataKey>.verify.json} side file: a
 * JSON list of {@code {"backupId", "level", "at", "passed", "duration", "durationMillis",
 * "detail"}} objects, oldest first.
 */
public final class Verifications {

  /** Suffix of the verification side file: {@code <dataKey>.verify.json}. */
  public static final String SUFFIX = ".verify.json";

  /** Suffix of the lock held while the side file is rewritten: {@code <dataKey>.verify.lock}. */
  public static final String LOCK_SUFFIX = ".verify.lock";

  private Verifications() {}

  /** The JSON document for {@code results}, oldest first. */
  public static byte[] toJson(List<VerificationResult> results) {
    ArrayNode list = Json.array();
    List<VerificationResult> sorted = new ArrayList<>(results);
    sorted.sort(Comparator.comparing(VerificationResult::at));
    for (VerificationResult result : sorted) {
      ObjectNode node = list.addObject();
      node.put("backupId", result.backupId());
      node.put("level", result.level().id());
      node.put("at", result.at().toString());
      node.put("passed", result.passed());
      node.put("duration", result.duration().toString());
      node.put("durationMillis", result.duration().toMillis());
      node.put("detail", result.detail());
    }
    try {
      return Json.bytes(list);
    } catch (IOException e) {
      throw new IllegalStateException("catalog: cannot write verification JSON", e);
    }
  }

  /**
   * Parses a verification side file.
   *
   * @param location where it was read from, for messages
   * @throws IOException if it is not such a document; the message names the location
   */
  public static List<VerificationResult> parse(byte[] json, String location) throws IOException {
    JsonNode root;
    try {
      root = Json.read(json);
    } catch (IOException e) {
      throw new IOException(
          "catalog: verification record "
              + location
              + " is not valid JSON; delete it to"
              + " start its history afresh (the backup itself is unaffected)",
          e);
    }
    if (root == null || !root.isArray()) {
      throw new IOException(
          "catalog: verification record "
              + location
              + " is not a JSON list; delete it to"
              + " start its history afresh (the backup itself is unaffected)");
    }
    List<VerificationResult> results = new ArrayList<>();
    for (JsonNode node : root) {
      try {
        results.add(
            new VerificationResult(
                node.path("backupId").asText(),
                VerificationLevel.of(node.path("level").asText()),
                Instant.parse(node.path("at").asText()),
                node.path("passed").asBoolean(false),
                node.hasNonNull("duration")
                    ? Duration.parse(node.get("duration").asText())
                    : Duration.ofMillis(node.path("durationMillis").asLong(0)),
                node.path("detail").asText("")));
      } catch (RuntimeException e) {
        throw new IOException(
            "catalog: verification record "
                + location
                + " has an unreadable entry ("
                + e.getMessage()
                + "); delete it to start its history afresh (the backup itself is unaffected)",
            e);
      }
    }
    results.sort(Comparator.comparing(VerificationResult::at));
    return results;
  }
}
