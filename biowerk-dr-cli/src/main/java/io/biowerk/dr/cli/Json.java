package io.biowerk.dr.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Manifests;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * Machine-readable output for {@code --json}: one JSON document per run on stdout, with core's
 * mapper.
 */
final class Json {

  private Json() {}

  /** Prints {@code value} (maps, lists, records of JDK values, JSON trees) as one JSON document. */
  static void print(PrintWriter out, Object value) {
    try {
      out.println(io.biowerk.dr.core.internal.Json.text(value));
      out.flush();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON output: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Parses {@code json} (a command's {@code --json} output, in tests).
   *
   * @throws IOException if it is not JSON
   */
  static JsonNode read(String json) throws IOException {
    return io.biowerk.dr.core.internal.Json.read(json);
  }

  /** {@code value} as a JSON tree. */
  static JsonNode tree(Object value) {
    return io.biowerk.dr.core.internal.Json.tree(value);
  }

  /** The manifest as the JSON tree stored in the repository. */
  static JsonNode manifest(BackupManifest manifest) {
    try {
      return io.biowerk.dr.core.internal.Json.read(Manifests.toJson(manifest));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
