package io.biowerk.dr.keys.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.keys.Rewrap;
import io.biowerk.dr.core.testing.RoundTrip;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Rewrap} into an AWS KMS key and back out, against {@link StubKms} (a stub of KMS's JSON
 * protocol): backups wrapped to a file's master key move to the KMS key, writing only manifests,
 * restore through KMS alone, and move back to a master key. Also: after the KMS setting moves to a
 * new key, backups wrapped to the old KMS key still open (the stanza names the service) and rewrap
 * onto the new one.
 */
class AwsKmsRewrapTest {

  final byte[] data = "rows of a table\n".repeat(20_000).getBytes(StandardCharsets.UTF_8);
  StubKms kms;

  @BeforeEach
  void start() throws Exception {
    kms = new StubKms();
  }

  @AfterEach
  void stop() {
    kms.close();
  }

  AwsKmsKeys open(String key) throws IOException {
    Map<String, String> settings = new HashMap<>();
    settings.put(AwsKmsKeys.ENDPOINT, kms.endpoint());
    settings.put(AwsKmsKeys.REGION, "eu-central-1");
    settings.put(AwsKmsKeys.KEY_ID, key);
    return AwsKmsKeys.open(settings::get, AwsKmsKeysTest.CREDENTIALS);
  }

  @Test
  void backupsMoveFromAFileKeyIntoKmsAndBack() throws Exception {
    String keyId = kms.createKey();
    MasterKey fileKey = MasterKey.generate("file-2026q3");
    InMemorySink sink = InMemorySink.named("rewrap-kms");
    BackupManifest m = backUp(sink, Recipient.masterKey(fileKey));
    byte[] dataObject = sink.get(m.dataKey());
    try (AwsKmsKeys keys = open(keyId)) {
      Rewrap.Outcome into =
          Rewrap.of(
                  sink,
                  KeyRing.of(keys, RoundTrip.single(fileKey)),
                  keys.wrappingKey(keyId).orElseThrow())
              .run();
      assertThat(into.rewrapped()).isEqualTo(1);
      BackupManifest stored = Manifests.parse(sink.get(m.manifestKey()), m.manifestKey());
      assertThat(Rewrap.keysOf(stored)).containsExactly(keyId);
      assertThat(RoundTrip.restore(sink, stored, KeyRing.of(keys))).isEqualTo(data);
      assertThat(sink.get(m.dataKey())).isEqualTo(dataObject);

      MasterKey back = MasterKey.generate("file-2026q4");
      assertThat(Rewrap.of(sink, KeyRing.of(keys, RoundTrip.single(back)), back).run().rewrapped())
          .isEqualTo(1);
      stored = Manifests.parse(sink.get(m.manifestKey()), m.manifestKey());
      assertThat(Rewrap.keysOf(stored)).containsExactly("file-2026q4");
      assertThat(RoundTrip.restore(sink, stored, KeyRing.of(RoundTrip.single(back))))
          .isEqualTo(data);
    }
  }

  @Test
  void afterMovingToANewKmsKeyOldBackupsOpenAndRewrapOntoIt() throws Exception {
    String oldKey = kms.createKey();
    String newKey = kms.createKey();
    InMemorySink sink = InMemorySink.named("rewrap-kms-rotate");
    BackupManifest m;
    try (AwsKmsKeys keys = open(oldKey)) {
      m = backUp(sink, Recipient.wrappingKey(keys.wrappingKey(oldKey).orElseThrow()));
    }
    try (AwsKmsKeys keys = open(newKey)) {
      // The provider lists only the new key, yet the old KMS key still opens the backup.
      assertThat(keys.keyIds()).containsExactly(newKey);
      BackupManifest stored = Manifests.parse(sink.get(m.manifestKey()), m.manifestKey());
      assertThat(RoundTrip.restore(sink, stored, KeyRing.of(keys))).isEqualTo(data);
      Rewrap.Outcome outcome =
          Rewrap.of(sink, KeyRing.of(keys), keys.wrappingKey(newKey).orElseThrow()).run();
      assertThat(outcome.rewrapped()).isEqualTo(1);
      stored = Manifests.parse(sink.get(m.manifestKey()), m.manifestKey());
      assertThat(Rewrap.keysOf(stored)).containsExactly(newKey);
      kms.disable(oldKey, true);
      assertThat(RoundTrip.restore(sink, stored, KeyRing.of(keys))).isEqualTo(data);
    }
  }

  BackupManifest backUp(InMemorySink sink, Recipient recipient) throws Exception {
    return RoundTrip.backUp(sink, data, recipient);
  }
}
