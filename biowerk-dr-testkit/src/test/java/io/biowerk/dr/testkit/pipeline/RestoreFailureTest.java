package io.biowerk.dr.testkit.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupReader;
import io.biowerk.dr.core.CodecSpec;
import io.biowerk.dr.core.CorruptManifestException;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.ProviderNotFoundException;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.EnvironmentKeys;
import io.biowerk.dr.core.verify.Verifier;
import io.biowerk.dr.testkit.GeneratedSource;
import io.biowerk.dr.testkit.HostileChannels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Restoring a backup that cannot be trusted or read fails with a specific exception whose message
 * names the backup and says what to do, and the restore target is never committed: a corrupted or
 * truncated stored object, a manifest that does not parse, a wrong or missing key, an unknown
 * codec, a missing data object.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RestoreFailureTest {

  static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
  static final String OTHER_KEY;

  static {
    byte[] other = new byte[32];
    Arrays.fill(other, (byte) 9);
    OTHER_KEY = Base64.getEncoder().encodeToString(other);
  }

  static final KeyRing RING = ring("k1:" + KEY);
  static final String ID = "orders_20261130_020000";

  static KeyRing ring(String value) {
    return KeyRing.of(EnvironmentKeys.fromVariable("K", Map.of("K", value)::get));
  }

  final InMemorySink sink = InMemorySink.named("repo");
  final GeneratedSource source = GeneratedSource.text(400_000, 3).named("orders", "sql");
  BackupManifest manifest;
  final CollectingTarget target = new CollectingTarget();

  @BeforeEach
  void backUp() throws Exception {
    manifest =
        BackupJob.of(source)
            .codecs(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(RING.active(), RING, 4096))
            .sinks(sink)
            .clock(Clock.fixed(Instant.parse("2026-11-30T02:00:00Z"), ZoneOffset.UTC))
            .build()
            .run();
    assertThat(manifest.id()).isEqualTo(ID);
  }

  void replaceStored(byte[] bytes) throws Exception {
    sink.put(manifest.dataKey(), bytes);
  }

  void assertTargetUntouched() {
    assertThat(target.committed).as("restore target commits").isZero();
    assertThat(target.bytesReceived).as("bytes the target received").isZero();
  }

  @Test
  void aCorruptedStoredObjectIsRefusedBeforeTheTargetSeesAByte() throws Exception {
    byte[] stored = sink.get(manifest.dataKey());
    stored[stored.length / 2] ^= 0x10;
    replaceStored(stored);
    assertThatThrownBy(() -> RestoreJob.of(sink, manifest, RING, target).run())
        .isInstanceOfSatisfying(
            IntegrityException.class,
            e -> {
              assertThat(e.backupId()).contains(ID);
              assertThat(e.expected()).contains(manifest.storedSha256());
              assertThat(e.actual()).isPresent().get().isNotEqualTo(manifest.storedSha256());
            })
        .hasMessageStartingWith("backup " + ID + ": stored SHA-256 is ")
        .hasMessageContaining("the backup is damaged, restore another copy or another backup");
    assertTargetUntouched();
    assertThat(target.opened).isZero();
  }

  @Test
  void aCorruptedStoredObjectStreamedWithoutThePreCheckIsAbortedNotCommitted() throws Exception {
    byte[] stored = sink.get(manifest.dataKey());
    stored[stored.length / 2] ^= 0x10;
    replaceStored(stored);
    assertThatThrownBy(
            () -> RestoreJob.of(sink, manifest, RING, target).checkStoredFirst(false).run())
        .isInstanceOfSatisfying(
            IntegrityException.class, e -> assertThat(e.backupId()).contains(ID))
        .hasMessageStartingWith("backup " + ID + ": enc decode failed: segment ")
        .hasMessageContaining("does not authenticate")
        .hasMessageContaining(manifest.dataKey());
    assertThat(target.committed).isZero();
    assertThat(target.aborted).isEqualTo(1);
  }

  @Test
  void aTruncatedStoredObjectIsRefused() throws Exception {
    byte[] stored = sink.get(manifest.dataKey());
    replaceStored(Arrays.copyOf(stored, stored.length - 100));
    assertThatThrownBy(() -> RestoreJob.of(sink, manifest, RING, target).run())
        .isInstanceOfSatisfying(
            IntegrityException.class,
            e -> {
              assertThat(e.backupId()).contains(ID);
              assertThat(e.expected()).contains(Long.toString(stored.length));
              assertThat(e.actual()).contains(Long.toString(stored.length - 100));
            })
        .hasMessage(
            "backup "
                + ID
                + ": stored size is "
                + (stored.length - 100)
                + " bytes but the manifest records "
                + stored.length
                + "; the backup is damaged, restore another copy or another backup");
    assertTargetUntouched();
  }

  @Test
  void aTruncatedStoredObjectStreamedWithoutThePreCheckIsAbortedNotCommitted() throws Exception {
    byte[] stored = sink.get(manifest.dataKey());
    replaceStored(Arrays.copyOf(stored, stored.length - 100));
    assertThatThrownBy(
            () -> RestoreJob.of(sink, manifest, RING, target).checkStoredFirst(false).run())
        .isInstanceOf(IntegrityException.class)
        .hasMessageStartingWith("backup " + ID + ": enc decode failed: ");
    assertThat(target.committed).isZero();
  }

  @Test
  void aManifestThatDoesNotParseIsACorruptManifestNamingWhereItWasRead() throws Exception {
    byte[] json = sink.get(manifest.manifestKey());
    String location = sink + "/" + manifest.manifestKey();
    byte[] truncated = Arrays.copyOf(json, json.length - 20);
    assertThatThrownBy(() -> Manifests.parse(truncated, location))
        .isInstanceOfSatisfying(
            CorruptManifestException.class, e -> assertThat(e.location()).isEqualTo(location))
        .hasMessageStartingWith(
            "manifest memory:repo/orders/daily/"
                + ID
                + ".sql.zst.enc.manifest.json cannot be used: ")
        .hasMessageContaining("restore from another copy of the repository or another backup");
    byte[] garbled =
        new String(json, StandardCharsets.UTF_8)
            .replace("\"sha256\"", "\"sha2")
            .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> Manifests.parse(garbled, location))
        .isInstanceOf(CorruptManifestException.class)
        .hasMessageContaining(ID);
  }

  @Test
  void aWrongKeyIsAWrongKeyExceptionNamingTheBackupAndKeyId() throws Exception {
    KeyRing wrong = ring("k1:" + OTHER_KEY);
    assertThatThrownBy(() -> RestoreJob.of(sink, manifest, wrong, target).run())
        .isInstanceOfSatisfying(WrongKeyException.class, e -> assertThat(e.keyId()).isEqualTo("k1"))
        .hasMessageStartingWith(
            "backup " + ID + ": enc decode failed: the key with id 'k1' is not the key")
        .hasMessageContaining("use the key file that held that key when the backup was made")
        .hasMessageNotContaining(KEY)
        .hasMessageNotContaining(OTHER_KEY);
    assertTargetUntouched();
    assertThat(target.opened).isZero();
  }

  @Test
  void aMissingKeyIsAKeyNotFoundExceptionNamingTheBackupAndTheKnownIds() throws Exception {
    KeyRing other = ring("k9:" + OTHER_KEY);
    assertThatThrownBy(() -> RestoreJob.of(sink, manifest, other, target).run())
        .isInstanceOfSatisfying(
            KeyNotFoundException.class, e -> assertThat(e.keyId()).isEqualTo("k1"))
        .hasMessageStartingWith(
            "backup " + ID + ": keys: no key with id 'k1' is available (known ids: [k9])")
        .hasMessageContaining("add the key file that holds it")
        .hasMessageNotContaining(OTHER_KEY);
    assertTargetUntouched();
  }

  @Test
  void aKeyIdDamagedInTheStoredHeaderIsAnIntegrityFailureNotAMissingKey() throws Exception {
    byte[] stored = sink.get(manifest.dataKey());
    int keyIdAt = 8 + 1 + 1 + 4 + 1; // magic, version, algorithm, segment size, id length
    assertThat(new String(stored, keyIdAt, 2, StandardCharsets.US_ASCII)).isEqualTo("k1");
    stored[keyIdAt + 1] = '7';
    replaceStored(stored);
    // Read as a decode-level verification does, without the stored pre-check.
    assertThatThrownBy(
            () -> {
              try (ReadableByteChannel in = BackupReader.openDecoded(sink, manifest, RING)) {
                HostileChannels.HEAP.readAll(in);
              }
            })
        .isInstanceOfSatisfying(
            IntegrityException.class, e -> assertThat(e.backupId()).contains(ID))
        .hasMessage(
            "backup "
                + ID
                + ": the stored object names encryption key 'k7' but the manifest records key"
                + " 'k1'; the stored object "
                + manifest.dataKey()
                + " is damaged, restore another copy or another backup");
    // Decode verification therefore records the backup as damaged, instead of failing to run for
    // want of a key.
    VerificationResult result =
        Verifier.verify(
            sink, manifest, RING, VerificationLevel.DECODE, Map.of(), Clock.systemUTC());
    assertThat(result.passed()).isFalse();
    assertThat(result.detail()).contains("names encryption key 'k7'");
  }

  @Test
  void anUnknownCodecIdListsTheCodecsFoundAndNamesTheBackup() throws Exception {
    List<CodecSpec> codecs = new ArrayList<>(manifest.codecs());
    codecs.set(0, new CodecSpec("xz", Map.of("level", "6")));
    BackupManifest unknown =
        new BackupManifest(
            manifest.id(),
            manifest.sourceKind(),
            manifest.sourceName(),
            manifest.sourceUri(),
            manifest.format(),
            manifest.startedAt(),
            manifest.finishedAt(),
            codecs,
            manifest.keyId(),
            manifest.rawSize(),
            manifest.storedSize(),
            manifest.rawSha256(),
            manifest.storedSha256(),
            manifest.dataKey(),
            manifest.facts());
    assertThatThrownBy(() -> RestoreJob.of(sink, unknown, RING, target).run())
        .isInstanceOf(CorruptManifestException.class)
        .satisfies(
            e -> {
              ProviderNotFoundException absent = (ProviderNotFoundException) e.getCause();
              assertThat(absent.requested()).isEqualTo("xz");
              assertThat(absent.available()).contains("enc", "zst");
            })
        .hasMessageStartingWith("backup " + ID + ": no codec with id 'xz' is available; found: ")
        .hasMessageContaining("enc, ")
        .hasMessageContaining("install the module that provides it")
        .hasMessageEndingWith("so restore from another copy");
    assertTargetUntouched();
  }

  @Test
  void aMissingDataObjectIsObjectNotFoundNamingIt() throws Exception {
    sink.delete(manifest.dataKey());
    assertThatThrownBy(() -> RestoreJob.of(sink, manifest, RING, target).run())
        .isInstanceOfSatisfying(
            ObjectNotFoundException.class, e -> assertThat(e.key()).isEqualTo(manifest.dataKey()))
        .hasMessageContaining(manifest.dataKey());
    assertTargetUntouched();
  }

  @Test
  void anIntactBackupRestoresAndCommitsOnce() throws Exception {
    RestoreJob.of(sink, manifest, RING, target).run();
    assertThat(target.committed).isEqualTo(1);
    assertThat(io.biowerk.dr.core.codec.Sha256.of(target.restored)).isEqualTo(source.sha256());
  }
}
