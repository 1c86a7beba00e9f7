package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.ManifestAuthentication;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.testing.RoundTrip;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * An encrypted backup's manifest is authenticated: any change to what a restore does is refused
 * before a byte reaches the target; an unencrypted one says it is not authenticated.
 */
class ManifestAuthenticationTest {

  static final MasterKey MASTER = MasterKey.generate("k1");
  static final KeyRing RING = KeyRing.of(keys(MASTER));
  final byte[] data = "rows of a table\n".repeat(5000).getBytes(StandardCharsets.UTF_8);

  static KeyProvider keys(MasterKey... keys) {
    return new KeyProvider() {
      @Override
      public Optional<MasterKey> key(String id) {
        return Arrays.stream(keys).filter(k -> k.id().equals(id)).findFirst();
      }

      @Override
      public Optional<String> activeKeyId() {
        return Optional.of(keys[0].id());
      }

      @Override
      public Set<String> keyIds() {
        return Set.of(Arrays.stream(keys).map(MasterKey::id).toArray(String[]::new));
      }
    };
  }

  BackupManifest backUp(InMemorySink sink, Codec... codecs) throws Exception {
    return BackupJob.of(RoundTrip.source(data)).codecs(codecs).sinks(sink).build().run();
  }

  BackupManifest envelope(InMemorySink sink) throws Exception {
    return backUp(
        sink,
        ZstdCodec.defaults(),
        EnvelopeCodec.encryptingTo(List.of(Recipient.masterKey(MASTER))));
  }

  /** The manifest as stored in {@code sink}, read back and parsed. */
  static BackupManifest stored(InMemorySink sink, BackupManifest m) throws Exception {
    return Manifests.parse(sink.get(m.manifestKey()), m.manifestKey());
  }

  static BackupManifest changed(
      BackupManifest m, UnaryOperator<com.fasterxml.jackson.databind.node.ObjectNode> edit)
      throws Exception {
    var root =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            io.biowerk.dr.core.internal.Json.read(Manifests.toJson(m));
    return Manifests.parse(
        io.biowerk.dr.core.internal.Json.bytes(edit.apply(root)), m.manifestKey());
  }

  byte[] restore(InMemorySink sink, BackupManifest m, KeyRing ring) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RestoreJob.of(sink, m, ring, RoundTrip.collect(out)).run();
    return out.toByteArray();
  }

  @Test
  void anEncryptedBackupsManifestCarriesACodeThatChecksWithTheKey() throws Exception {
    InMemorySink sink = InMemorySink.named("auth");
    BackupManifest m = stored(sink, envelope(sink));
    assertThat(m.mac()).hasValueSatisfying(mac -> assertThat(mac).startsWith("hmac-sha256:"));
    assertThat(ManifestAuthentication.check(m, RING, List.of()))
        .isEqualTo(ManifestAuthentication.Status.AUTHENTICATED);
    assertThat(restore(sink, m, RING)).isEqualTo(data);
  }

  @Test
  void aChangedFormatIsRefusedBeforeAnythingIsRestored() throws Exception {
    InMemorySink sink = InMemorySink.named("auth");
    BackupManifest m = changed(stored(sink, envelope(sink)), r -> r.put("format", "tar"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThatThrownBy(() -> RestoreJob.of(sink, m, RING, RoundTrip.collect(out)).run())
        .isInstanceOf(CorruptManifestException.class)
        .hasMessageContaining("manifest of backup " + m.id() + " is not authentic")
        .hasMessageContaining("does not match its content")
        .hasMessageContaining("nothing was restored")
        .hasMessageContaining("restore the manifest from another copy");
    assertThat(out.size()).isZero();
  }

  @Test
  void everyFieldThatSteersARestoreIsCovered() throws Exception {
    InMemorySink sink = InMemorySink.named("auth");
    BackupManifest m = stored(sink, envelope(sink));
    List<UnaryOperator<com.fasterxml.jackson.databind.node.ObjectNode>> edits =
        List.of(
            r -> r.put("finishedAt", "2001-01-01T00:00:00Z"),
            r -> r.put("id", m.id() + "x"),
            r -> {
              ((com.fasterxml.jackson.databind.node.ObjectNode) r.get("raw"))
                  .put("sha256", "0".repeat(64));
              return r;
            },
            r -> {
              ((com.fasterxml.jackson.databind.node.ObjectNode) r.get("facts")).put("dbs", "x");
              return r;
            },
            r -> {
              ((com.fasterxml.jackson.databind.node.ObjectNode)
                      r.get("codecs").get(0).get("parameters"))
                  .put("level", "4");
              return r;
            });
    for (var edit : edits) {
      BackupManifest bad = changed(m, edit);
      assertThatThrownBy(() -> ManifestAuthentication.check(bad, RING, List.of()))
          .isInstanceOf(CorruptManifestException.class)
          .hasMessageContaining("does not match its content");
    }
  }

  @Test
  void aRemovedCodeIsRefusedAndTheMessageSaysWhy() throws Exception {
    InMemorySink sink = InMemorySink.named("auth");
    BackupManifest m = changed(stored(sink, envelope(sink)), r -> r.without("mac"));
    assertThatThrownBy(() -> restore(sink, m, RING))
        .isInstanceOf(CorruptManifestException.class)
        .hasMessageContaining("carries no authentication code")
        .hasMessageContaining("nothing was restored");
  }

  @Test
  void aMalformedCodeIsRefused() throws Exception {
    InMemorySink sink = InMemorySink.named("auth");
    BackupManifest m = changed(stored(sink, envelope(sink)), r -> r.put("mac", "hmac-sha256:00"));
    assertThatThrownBy(() -> ManifestAuthentication.check(m, RING, List.of()))
        .isInstanceOf(CorruptManifestException.class)
        .hasMessageContaining("authentication code is malformed");
  }

  @Test
  void withoutTheKeyTheCheckSaysWhichKeyIsMissing() throws Exception {
    InMemorySink sink = InMemorySink.named("auth");
    BackupManifest m = stored(sink, envelope(sink));
    assertThatThrownBy(() -> ManifestAuthentication.check(m, KeyRing.empty(), List.of()))
        .isInstanceOf(KeyNotFoundException.class)
        .hasMessageContaining("k1");
  }

  @Test
  void promotionAndKeyIdsDoNotBreakTheCode() throws Exception {
    InMemorySink sink = InMemorySink.named("auth");
    BackupManifest m = stored(sink, envelope(sink));
    BackupManifest moved = Manifests.parse(Manifests.toJson(m.withDataKey("x/weekly/y")), "moved");
    assertThat(ManifestAuthentication.check(moved, RING, List.of()))
        .isEqualTo(ManifestAuthentication.Status.AUTHENTICATED);
  }

  @Test
  void formatOneContainersAreAuthenticatedUnderTheMasterKey() throws Exception {
    InMemorySink sink = InMemorySink.named("auth");
    BackupManifest m = stored(sink, backUp(sink, EncryptionCodec.encryptingWith(MASTER, RING)));
    assertThat(ManifestAuthentication.check(m, RING, List.of()))
        .isEqualTo(ManifestAuthentication.Status.AUTHENTICATED);
    assertThat(restore(sink, m, RING)).isEqualTo(data);
    KeyRing wrong = KeyRing.of(keys(MasterKey.generate("k1")));
    assertThatThrownBy(() -> ManifestAuthentication.check(m, wrong, List.of()))
        .isInstanceOf(CorruptManifestException.class)
        .hasMessageContaining("does not match its content");
    BackupManifest bad = changed(m, r -> r.put("format", "dump"));
    assertThatThrownBy(() -> restore(sink, bad, RING))
        .isInstanceOf(CorruptManifestException.class)
        .hasMessageContaining("is not authentic");
  }

  @Test
  void anUnencryptedBackupIsNotAuthenticatedAndSaysSo() throws Exception {
    InMemorySink sink = InMemorySink.named("auth");
    BackupManifest m = stored(sink, backUp(sink, ZstdCodec.defaults()));
    assertThat(m.mac()).isEmpty();
    assertThat(ManifestAuthentication.check(m, KeyRing.empty(), List.of()))
        .isEqualTo(ManifestAuthentication.Status.NOT_AUTHENTICATED);
  }

  @Test
  void aSideFileThatDisagreesWithTheManifestIsDamage() throws Exception {
    InMemorySink sink = InMemorySink.named("auth");
    BackupManifest m = stored(sink, backUp(sink, ZstdCodec.defaults()));
    BackupReader.checkStored(sink, m);
    byte[] side = sink.get(m.sha256Key());
    side[3] = (byte) (side[3] == 'a' ? 'b' : 'a');
    sink.put(m.sha256Key(), side);
    assertThatThrownBy(() -> BackupReader.checkStored(sink, m))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("side file " + m.sha256Key() + " does not agree with its manifest")
        .hasMessageContaining("restore the side file from another copy");
  }

  @Test
  void theCodeIsOverTheDocumentedBytes() throws Exception {
    InMemorySink sink = InMemorySink.named("auth");
    BackupManifest m = stored(sink, envelope(sink));
    String covered = new String(Manifests.authenticatedBytes(m), StandardCharsets.UTF_8);
    assertThat(covered)
        .startsWith("{\"schema\":1,\"id\":\"" + m.id() + "\"")
        .doesNotContain("\"mac\"")
        .doesNotContain("wrap.")
        .doesNotContain("key-id")
        .doesNotContain("keyId")
        .doesNotContain(m.dataKey())
        .doesNotContain("\n");
  }
}
