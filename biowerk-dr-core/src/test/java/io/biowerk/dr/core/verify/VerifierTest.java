package io.biowerk.dr.core.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Backups;
import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.ProviderNotFoundException;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.files.FilesSource;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifierTest {

  static final Instant NOW = Instant.parse("2024-01-15T03:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @TempDir Path dir;
  LocalSink sink;
  KeyRing ring;
  BackupManifest manifest;
  byte[] data;

  /** A key provider holding one key in memory. */
  static KeyProvider holding(MasterKey key) {
    return new KeyProvider() {
      @Override
      public Optional<MasterKey> key(String id) {
        return id.equals(key.id()) ? Optional.of(key) : Optional.empty();
      }

      @Override
      public Optional<String> activeKeyId() {
        return Optional.of(key.id());
      }

      @Override
      public Set<String> keyIds() {
        return Set.of(key.id());
      }
    };
  }

  static Source bytes(byte[] data) {
    return new Source() {
      @Override
      public String kind() {
        return "test";
      }

      @Override
      public String name() {
        return "unit";
      }

      @Override
      public String format() {
        return "bin";
      }

      @Override
      public SourceStream open() {
        ByteBuffer remaining = ByteBuffer.wrap(data);
        return new SourceStream() {
          boolean open = true;

          @Override
          public Map<String, Object> facts() {
            return Map.of();
          }

          @Override
          public int read(ByteBuffer dst) {
            if (!remaining.hasRemaining()) return -1;
            int n = Math.min(dst.remaining(), remaining.remaining());
            dst.put(remaining.slice().limit(n));
            remaining.position(remaining.position() + n);
            return n;
          }

          @Override
          public boolean isOpen() {
            return open;
          }

          @Override
          public void close() {
            open = false;
          }
        };
      }
    };
  }

  @BeforeEach
  void backup() throws IOException {
    sink = LocalSink.open(dir.resolve("repo"));
    ring = KeyRing.of(holding(MasterKey.generate("k1")));
    data = new byte[500_000];
    new Random(7).nextBytes(data);
    manifest =
        BackupJob.of(bytes(data))
            .codecs(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(ring.active(), ring))
            .sinks(sink)
            .build()
            .run();
  }

  private void damage(int offset) throws IOException {
    Path stored = sink.resolve(manifest.dataKey());
    byte[] bytes = Files.readAllBytes(stored);
    bytes[offset] ^= 0x10;
    Files.write(stored, bytes);
  }

  @Test
  void storedAndDecodeLevelsPassOnAnIntactBackup() throws IOException {
    VerificationResult stored =
        Verifier.verify(sink, manifest, KeyRing.empty(), VerificationLevel.STORED, Map.of(), CLOCK);
    assertThat(stored.passed()).isTrue();
    assertThat(stored.level()).isEqualTo(VerificationLevel.STORED);
    assertThat(stored.at()).isEqualTo(NOW);
    assertThat(stored.backupId()).isEqualTo(manifest.id());
    assertThat(stored.detail())
        .isEqualTo(
            "stored: "
                + manifest.storedSize()
                + " bytes, SHA-256 "
                + manifest.storedSha256()
                + " matches");

    VerificationResult decode =
        Verifier.verify(sink, manifest, ring, VerificationLevel.DECODE, Map.of(), CLOCK);
    assertThat(decode.passed()).isTrue();
    assertThat(decode.detail()).startsWith("decode: 500000 bytes decoded");
  }

  @Test
  void aDamagedBackupIsAFailedResultNotAnException() throws IOException {
    damage((int) manifest.storedSize() / 2);

    VerificationResult stored =
        Verifier.verify(sink, manifest, KeyRing.empty(), VerificationLevel.STORED, Map.of(), CLOCK);
    assertThat(stored.passed()).isFalse();
    assertThat(stored.detail())
        .startsWith("backup " + manifest.id() + ": stored SHA-256 is ")
        .contains("the backup is damaged");
    VerificationResult decode =
        Verifier.verify(sink, manifest, ring, VerificationLevel.DECODE, Map.of(), CLOCK);
    assertThat(decode.passed()).isFalse();
    assertThat(decode.detail()).contains("backup " + manifest.id());
  }

  @Test
  void aDamagedEncryptionHeaderIsAFailureButAWrongKeyIsAnError() throws IOException {
    KeyRing impostor = KeyRing.of(holding(MasterKey.generate("k1")));
    assertThatThrownBy(
            () ->
                Verifier.verify(
                    sink, manifest, impostor, VerificationLevel.DECODE, Map.of(), CLOCK))
        .isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("is not the key this backup was encrypted with");
    assertThatThrownBy(
            () ->
                Verifier.verify(
                    sink, manifest, KeyRing.empty(), VerificationLevel.DECODE, Map.of(), CLOCK))
        .isInstanceOf(KeyNotFoundException.class);

    damage(40); // inside the salt: the key commitment no longer matches
    VerificationResult result =
        Verifier.verify(sink, manifest, ring, VerificationLevel.DECODE, Map.of(), CLOCK);
    assertThat(result.passed()).isFalse();
    assertThat(result.detail()).contains("stored SHA-256");
  }

  @Test
  void nativeLevelsWithoutAnAdapterSayWhichModuleToAdd() throws IOException {
    assertThatThrownBy(
            () -> Verifier.verify(sink, manifest, ring, VerificationLevel.NATIVE, Map.of(), CLOCK))
        .isInstanceOf(ProviderNotFoundException.class)
        .hasMessageStartingWith(
            "verify: no native verifier for source kind 'test' is on the class path (found: files)")
        .hasMessageEndingWith(
            "add the adapter module for 'test' to the class path, or verify at level 'decode'");
    BackupManifest pg = Backups.write(sink, "pg", "postgresql", NOW, "daily", new byte[10]);
    assertThatThrownBy(
            () -> Verifier.verify(sink, pg, ring, VerificationLevel.RESTORE, Map.of(), CLOCK))
        .isInstanceOf(ProviderNotFoundException.class)
        .hasMessageContaining(
            "so level 'restore' cannot run; add the adapter module for 'postgresql' to the class path")
        .satisfies(
            e -> assertThat(((ProviderNotFoundException) e).requested()).isEqualTo("postgresql"));
  }

  @Test
  void filesBackupsHaveNativeAndRestoreLevels() throws IOException {
    Path tree = dir.resolve("config");
    Files.createDirectories(tree.resolve("sub"));
    Files.writeString(tree.resolve("sub/app.env"), "A=1\n");
    BackupManifest files =
        BackupJob.of(FilesSource.of(tree, "config"))
            .codecs(ZstdCodec.defaults())
            .sinks(sink)
            .build()
            .run();

    VerificationResult nativeResult =
        Verifier.verify(sink, files, ring, VerificationLevel.NATIVE, Map.of(), CLOCK);
    assertThat(nativeResult.passed()).isTrue();
    assertThat(nativeResult.detail())
        .isEqualTo(
            "native: tar: 1 files (4 bytes), 1 directories, 0 symbolic links,"
                + " every path safe to restore");
    Path scratch = dir.resolve("scratch");
    VerificationResult restore =
        Verifier.verify(
            sink,
            files,
            ring,
            VerificationLevel.RESTORE,
            Map.of("scratch-dir", scratch.toString()),
            CLOCK);
    assertThat(restore.passed()).isTrue();
    assertThat(restore.detail())
        .startsWith("restore: tar restored into a scratch directory: 1 files");
    try (var left = Files.list(scratch)) {
      assertThat(left).as("scratch directory removed").isEmpty();
    }
  }

  @Test
  void aHostileFilesBackupFailsItsNativeCheckAndTheFailureIsRecorded() throws IOException {
    byte[] hostile = hostileTar();
    BackupManifest evil =
        Backups.write(sink, "config", "files", NOW.minusSeconds(3600), "daily", hostile);
    Catalog catalog = Catalog.of(sink);

    VerificationResult result =
        Verifier.verifyAndRecord(
            catalog, catalog.get(evil.id()), ring, VerificationLevel.NATIVE, Map.of(), CLOCK);

    assertThat(result.passed()).isFalse();
    assertThat(result.detail()).contains("refusing archive entry '../escape'");
    assertThat(catalog.get(evil.id()).verifications()).containsExactly(result);
  }

  @Test
  void aCheckThatCannotRunIsNotRecorded() throws IOException {
    Catalog catalog = Catalog.of(sink);
    assertThatThrownBy(
            () ->
                Verifier.verifyAndRecord(
                    catalog,
                    catalog.get(manifest.id()),
                    ring,
                    VerificationLevel.NATIVE,
                    Map.of(),
                    CLOCK))
        .isInstanceOf(ProviderNotFoundException.class);
    assertThat(catalog.get(manifest.id()).verifications()).isEmpty();
    Verifier.verifyAndRecord(
        catalog, catalog.get(manifest.id()), ring, VerificationLevel.DECODE, Map.of(), CLOCK);
    assertThat(catalog.get(manifest.id()).lastPassed())
        .map(VerificationResult::level)
        .contains(VerificationLevel.DECODE);
  }

  /** A tar whose one entry climbs out of the target, written with Commons Compress. */
  private static byte[] hostileTar() throws IOException {
    var out = new java.io.ByteArrayOutputStream();
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(out)) {
      var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("../escape", true);
      entry.setSize(1);
      tar.putArchiveEntry(entry);
      tar.write('x');
      tar.closeArchiveEntry();
    }
    return out.toByteArray();
  }
}
