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
      out.println(Manifests.JSON.writeValueAsString(value));
      out.flush();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON output: " + e.getOriginalMessage(), e);
    }
  }

  /** The manifest as the JSON tree stored in the repository. */
  static JsonNode manifest(BackupManifest manifest) {
    try {
      return Manifests.JSON.readTree(Manifests.toJson(manifest));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
