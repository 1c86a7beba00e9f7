package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Manifests round-trip, and every way one can be unusable is a CorruptManifestException saying
 * where and what next.
 */
class ManifestsTest {

  static final String LOCATION =
      "file:///repo/postgres/daily/postgres_20240115_020000.dump.zst.enc.manifest.json";

  static BackupManifest manifest() {
    return new BackupManifest(
        "postgres_20240115_020000",
        "postgresql",
        "postgres",
        "postgresql://app@db/orders",
        "dump",
        Instant.parse("2024-01-15T02:00:00Z"),
        Instant.parse("2024-01-15T02:03:00Z"),
        List.of(
            new CodecSpec("zst", Map.of("level", "3")),
            new CodecSpec("enc", Map.of("key-id", "k1"))),
        Optional.of("k1"),
        1000,
        400,
        "a".repeat(64),
        "b".repeat(64),
        "postgres/daily/postgres_20240115_020000.dump.zst.enc",
        Map.of("serverVersion", "16.4", "databases", List.of("orders"), "tables", 12));
  }

  static String json() {
    return new String(Manifests.toJson(manifest()), StandardCharsets.UTF_8);
  }

  @Test
  void aManifestRoundTrips() throws Exception {
    BackupManifest parsed = Manifests.parse(Manifests.toJson(manifest()), LOCATION);
    assertThat(parsed).isEqualTo(manifest());
    assertThat(json()).contains("\"schema\" : 1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "not json", "{\"schema\": 1, \"id\": ", "[1, 2]", "null"})
  void textThatIsNotAManifestObjectIsCorrupt(String text) {
    assertCorrupt(text.getBytes(StandardCharsets.UTF_8), "");
  }

  @Test
  void aTruncatedManifestIsCorrupt() {
    byte[] whole = Manifests.toJson(manifest());
    assertCorrupt(java.util.Arrays.copyOf(whole, whole.length / 2), "not valid JSON");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"\"id\"", "\"raw\"", "\"stored\"", "\"codecs\"", "\"startedAt\"", "\"sha256\""})
  void aMissingFieldIsCorruptAndNamed(String field) {
    // Renaming the field removes it while keeping valid JSON.
    String damaged = json().replaceFirst(field + " :", "\"x_gone\" :");
    assertCorrupt(damaged.getBytes(StandardCharsets.UTF_8), "field " + field + " is missing");
  }

  @Test
  void aFieldOfTheWrongTypeIsCorrupt() {
    String damaged = json().replace("\"size\" : 1000", "\"size\" : \"a thousand\"");
    assertCorrupt(damaged.getBytes(StandardCharsets.UTF_8), "field \"size\" is not a whole number");
    String badTime = json().replace("2024-01-15T02:00:00Z", "yesterday");
    assertCorrupt(
        badTime.getBytes(StandardCharsets.UTF_8), "field \"startedAt\" is not an ISO-8601 instant");
  }

  @Test
  void aNewerSchemaSaysToUpgrade() {
    String newer = json().replace("\"schema\" : 1", "\"schema\" : 2");
    assertThatThrownBy(() -> Manifests.parse(newer.getBytes(StandardCharsets.UTF_8), LOCATION))
        .isInstanceOf(CorruptManifestException.class)
        .hasMessageContaining("schema 2")
        .hasMessageContaining("upgrade biowerk-dr");
    String none = json().replace("\"schema\" : 1,", "");
    assertCorrupt(none.getBytes(StandardCharsets.UTF_8), "no valid \"schema\" field");
  }

  static void assertCorrupt(byte[] bytes, String why) {
    assertThatThrownBy(() -> Manifests.parse(bytes, LOCATION))
        .isInstanceOfSatisfying(
            CorruptManifestException.class, e -> assertThat(e.location()).isEqualTo(LOCATION))
        .isInstanceOf(IntegrityException.class)
        .hasMessageStartingWith("manifest " + LOCATION + " cannot be used: ")
        .hasMessageContaining(why)
        .hasMessageContaining("restore from another copy of the repository or another backup");
  }
}
