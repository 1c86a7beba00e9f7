package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link Manifests#parse}, the reader of the untrusted manifest
 * JSON in a repository: whatever the bytes, it returns a manifest or throws {@link
 * CorruptManifestException} with a message naming the location; any other exception or error
 * (NullPointerException, ClassCastException, OutOfMemoryError, ...) escapes and is a finding. A
 * manifest it accepts must also write back ({@link Manifests#toJson}) into JSON that parses again
 * to the same JSON.
 *
 * <p>The default build replays the seed corpus in {@code ManifestFuzzTestInputs/} (regression
 * mode); {@code mvn test -Pfuzz -Dtest=ManifestFuzzTest} fuzzes (docs/reliability.md).
 */
class ManifestFuzzTest {

  @FuzzTest(maxDuration = "10m")
  void manifest(byte[] input) throws Exception {
    BackupManifest manifest;
    try {
      manifest = Manifests.parse(input, "fuzz/manifest.json");
    } catch (CorruptManifestException expected) {
      assertThat(expected.getMessage()).contains("fuzz/manifest.json");
      return;
    }
    byte[] again = Manifests.toJson(manifest);
    byte[] twice = Manifests.toJson(Manifests.parse(again, "fuzz/again.json"));
    assertThat(new String(twice, StandardCharsets.UTF_8))
        .isEqualTo(new String(again, StandardCharsets.UTF_8));
  }
}
