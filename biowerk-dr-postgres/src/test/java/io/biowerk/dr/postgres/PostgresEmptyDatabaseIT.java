package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupReader;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.local.LocalSink;
import java.net.URI;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup of an empty database (no tables) against a real PostgreSQL: its dump is valid, so the
 * native check passes, while a manifest that recorded tables still fails against the same dump.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresEmptyDatabaseIT {

  final PgTestServer server = PgTestServer.get();
  @TempDir static Path dir;
  String source;
  KeyRing ring;
  LocalSink repo;
  BackupManifest manifest;

  @BeforeAll
  void backUpAnEmptyDatabase() throws Exception {
    source = server.createDatabase("empty");
    repo = LocalSink.open(dir.resolve("repo"));
    ring = PgFixtures.keys(dir);
    manifest = PgFixtures.backup(PostgresSource.of(URI.create(server.uri(source))), repo, ring);
  }

  @AfterAll
  void dropDatabase() throws Exception {
    if (source != null) {
      server.dropDatabase(source);
    }
  }

  @Test
  void nativeVerificationOfAnEmptyDatabasePasses() throws Exception {
    assertThat((List<?>) manifest.facts().get("tables")).isEmpty();
    try (ReadableByteChannel decoded = BackupReader.openDecoded(repo, manifest, ring)) {
      String detail =
          new PostgresVerifier().verify(manifest, VerificationLevel.NATIVE, decoded, Map.of());
      assertThat(detail).startsWith("pg_restore --list: ").contains(" 0 tables, 0 with data");
    }
  }

  @Test
  void nativeVerificationStillFailsWhenTheManifestRecordedTablesTheDumpLacks() throws Exception {
    Map<String, Object> facts = new java.util.LinkedHashMap<>(manifest.facts());
    facts.put("tables", List.of("public.ghost"));
    BackupManifest lying = PostgresRoundTripIT.withFacts(manifest, facts);
    try (ReadableByteChannel decoded = BackupReader.openDecoded(repo, manifest, ring)) {
      assertThatThrownBy(
              () ->
                  new PostgresVerifier().verify(lying, VerificationLevel.NATIVE, decoded, Map.of()))
          .isInstanceOf(IntegrityException.class)
          .hasMessageStartingWith("postgresql: backup " + manifest.id() + " is not what was dumped")
          .hasMessageContaining("public.ghost (TABLE)")
          .hasMessageContaining("restore another backup");
    }
  }

  @Test
  void anEmptyTableOfContentsFailsWhenTheManifestDidNotRecordAnEmptyDatabase() throws Exception {
    Map<String, Object> facts = new java.util.LinkedHashMap<>(manifest.facts());
    facts.remove("tables");
    BackupManifest unrecorded = PostgresRoundTripIT.withFacts(manifest, facts);
    try (ReadableByteChannel decoded = BackupReader.openDecoded(repo, manifest, ring)) {
      assertThatThrownBy(
              () ->
                  new PostgresVerifier()
                      .verify(unrecorded, VerificationLevel.NATIVE, decoded, Map.of()))
          .isInstanceOf(IntegrityException.class)
          .hasMessageStartingWith("postgresql: backup " + manifest.id() + " is not what was dumped")
          .hasMessageContaining(
              "its table of contents is empty although the backup did not record an empty"
                  + " database")
          .hasMessageContaining("restore another backup");
    }
  }
}
