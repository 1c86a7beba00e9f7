package io.biowerk.dr.core.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.CodecSpec;
import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.keys.Rewrap;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WAL/oplog segments in container format 2 on a real local repository with a real key file: a data
 * key per segment, format-1 segments still readable, {@link Rewrap} re-wrapping segments (manifests
 * only) so the old key can go.
 */
class LogArchiveEnvelopeTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;
  LocalSink sink;
  KeyFile keyFile;
  String oldId;

  @BeforeEach
  void setUp() throws IOException {
    sink = LocalSink.open(dir.resolve("repo"));
    keyFile = KeyFile.at(dir.resolve("keys"));
    oldId = keyFile.create(CLOCK);
  }

  LogArchive format2() throws IOException {
    KeyRing ring = KeyRing.of(keyFile);
    return LogArchive.of(sink, "orders", "wal", List.of(ZstdCodec.defaults()), ring)
        .encryptingTo(List.of(Recipient.masterKey(ring.active())));
  }

  Path segment(String name, long seed) throws IOException {
    byte[] bytes = new byte[200_000];
    new Random(seed).nextBytes(bytes);
    for (int i = 0; i < bytes.length; i += 3) {
      bytes[i] = 0;
    }
    Path file = dir.resolve("in-" + name);
    Files.write(file, bytes);
    return file;
  }

  static Map<String, String> encParameters(BackupManifest manifest) {
    return manifest.codecs().stream()
        .filter(c -> c.id().equals(EncryptionCodec.ID))
        .map(CodecSpec::parameters)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void eachSegmentIsFormatTwoWithADataKeyOfItsOwnAndComesBackIdentical() throws IOException {
    LogArchive archive = format2();
    Path a = segment("000000010000000000000001", 1);
    Path b = segment("000000010000000000000002", 2);
    archive.push(LogArchiveTest.info("000000010000000000000001"), a);
    archive.push(LogArchiveTest.info("000000010000000000000002"), b);

    BackupManifest first = archive.segment("000000010000000000000001").orElseThrow().manifest();
    BackupManifest second = archive.segment("000000010000000000000002").orElseThrow().manifest();
    assertThat(EnvelopeCodec.isFormat2(encParameters(first))).isTrue();
    assertThat(first.keyId()).contains(oldId);
    assertThat(first.dataKey()).isEqualTo("orders/wal/000000010000000000000001.zst.enc");
    // A fresh data key per segment: the wrapped keys differ.
    assertThat(EnvelopeCodec.wraps(encParameters(first)).get(oldId))
        .isNotEqualTo(EnvelopeCodec.wraps(encParameters(second)).get(oldId));

    Path out = dir.resolve("out");
    assertThat(archive.fetch("000000010000000000000002", out)).isTrue();
    assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(b));
  }

  @Test
  void rewrapMovesSegmentsToTheNewKeyWithoutTouchingDataAndFormatOneStaysReadable()
      throws IOException {
    // One segment in format 1, as older versions wrote them, and two in format 2.
    KeyRing ring = KeyRing.of(keyFile);
    MasterKey old = ring.active();
    LogArchive v1 =
        LogArchive.of(
            sink,
            "orders",
            "wal",
            List.of(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(old, ring)),
            ring);
    Path legacy = segment("000000010000000000000001", 1);
    v1.push(LogArchiveTest.info("000000010000000000000001"), legacy);
    Path a = segment("000000010000000000000002", 2);
    Path b = segment("000000010000000000000003", 3);
    format2().push(LogArchiveTest.info("000000010000000000000002"), a);
    format2().push(LogArchiveTest.info("000000010000000000000003"), b);
    byte[] dataBefore =
        Files.readAllBytes(dir.resolve("repo/orders/wal/000000010000000000000002.zst.enc"));

    String newId = keyFile.rotate(CLOCK);
    KeyRing rotated = KeyRing.of(keyFile);
    Rewrap.Outcome outcome = Rewrap.of(sink, rotated, rotated.active()).run();

    assertThat(outcome.segments()).isEqualTo(3);
    assertThat(outcome.segmentsRewrapped()).isEqualTo(2);
    assertThat(outcome.formatOneIds())
        .containsExactly("orders/wal/000000010000000000000001.manifest.json");
    assertThat(outcome.bytesWritten()).isPositive();
    // Data objects are never rewritten.
    assertThat(Files.readAllBytes(dir.resolve("repo/orders/wal/000000010000000000000002.zst.enc")))
        .isEqualTo(dataBefore);

    LogArchive reader = LogArchive.of(sink, "orders", "wal", List.of(), rotated);
    BackupManifest moved = reader.segment("000000010000000000000002").orElseThrow().manifest();
    assertThat(Rewrap.keysOf(moved)).containsExactly(newId);
    assertThat(moved.keyId()).contains(newId);

    // Only the new key now: the format-2 segments open, the format-1 one says which key it needs.
    MasterKey fresh = rotated.resolve(newId);
    KeyRing onlyNew = LogArchiveTest.ring(fresh);
    LogArchive newOnly = LogArchive.of(sink, "orders", "wal", List.of(), onlyNew);
    Path out = dir.resolve("out");
    assertThat(newOnly.fetch("000000010000000000000003", out)).isTrue();
    assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(b));
    assertThatThrownBy(() -> newOnly.fetch("000000010000000000000001", dir.resolve("out1")))
        .isInstanceOf(KeyNotFoundException.class)
        .hasMessageContaining(oldId);
    // With the old key the format-1 segment still reads.
    assertThat(reader.fetch("000000010000000000000001", dir.resolve("out1"))).isTrue();
    assertThat(Files.readAllBytes(dir.resolve("out1"))).isEqualTo(Files.readAllBytes(legacy));

    // A second run has nothing left to do.
    Rewrap.Outcome again = Rewrap.of(sink, rotated, rotated.active()).run();
    assertThat(again.segmentsRewrapped()).isZero();
    assertThat(again.bytesWritten()).isZero();
  }

  @Test
  void recipientsOnTopOfAnEncryptingCodecAreRefused() throws IOException {
    KeyRing ring = KeyRing.of(keyFile);
    MasterKey key = ring.active();
    LogArchive encrypting =
        LogArchive.of(
            sink, "orders", "wal", List.of(EncryptionCodec.encryptingWith(key, ring)), ring);
    assertThatThrownBy(() -> encrypting.encryptingTo(List.of(Recipient.masterKey(key))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already encrypt");
    LogArchive plain = LogArchive.of(sink, "orders", "wal", List.of(), ring);
    assertThatThrownBy(() -> plain.encryptingTo(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one recipient");
  }
}
