package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.Sha256;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.testing.RoundTrip;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineRoundTripTest {

  @TempDir Path dir;

  @Test
  void backupAndRestoreRoundTrip() throws Exception {
    byte[] data = new byte[3_000_000];
    new Random(1).nextBytes(data);
    for (int i = 0; i < data.length; i += 3) data[i] = 'a';
    KeyFile keyFile = KeyFile.at(dir.resolve("keys/key"));
    keyFile.create(Clock.systemUTC());
    KeyRing ring = KeyRing.of(keyFile);
    LocalSink a = LocalSink.open(dir.resolve("repo-a"));
    LocalSink b = LocalSink.open(dir.resolve("repo-b"));
    BackupManifest m =
        BackupJob.of(RoundTrip.source(data))
            .codecs(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(ring.active(), ring))
            .sinks(a, b)
            .buffers(3, 65536)
            .build()
            .run();
    assertThat(m.rawSha256()).isEqualTo(Sha256.of(data));
    assertThat(m.dataKey()).startsWith("unit/daily/unit_").endsWith(".bin.zst.enc");
    assertThat(Files.readString(a.resolve(m.sha256Key())))
        .isEqualTo(m.storedSha256() + "  " + m.fileName() + "\n");
    BackupManifest parsed = Manifests.parse(a.get(m.manifestKey()), "test");
    assertThat(parsed).isEqualTo(m);
    for (LocalSink sink : new LocalSink[] {a, b}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      RestoreJob.of(sink, parsed, ring, RoundTrip.collect(out)).run();
      assertThat(out.toByteArray()).isEqualTo(data);
    }
    assertThat(a.list("unit/.in-progress")).isEmpty();
  }

  @Test
  void aBadTierIsRefusedWhenTheJobIsBuiltAndNothingIsWritten() throws Exception {
    LocalSink sink = LocalSink.open(dir.resolve("repo"));
    assertThatThrownBy(
            () ->
                BackupJob.of(RoundTrip.source(new byte[10])).sinks(sink).tier("Daily Tier").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tier (Daily Tier) is not a folder name");
    assertThat(sink.list("")).isEmpty();
  }

  @Test
  void damagedBackupIsRefusedBeforeTheTargetSeesAByte() throws Exception {
    byte[] data = new byte[200_000];
    new Random(2).nextBytes(data);
    LocalSink sink = LocalSink.open(dir.resolve("repo"));
    BackupManifest m =
        BackupJob.of(RoundTrip.source(data)).codecs(ZstdCodec.defaults()).sinks(sink).build().run();
    Path stored = sink.resolve(m.dataKey());
    byte[] bytes = Files.readAllBytes(stored);
    bytes[bytes.length / 2] ^= 1;
    Files.write(stored, bytes);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThatThrownBy(() -> RestoreJob.of(sink, m, KeyRing.empty(), RoundTrip.collect(out)).run())
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("backup " + m.id())
        .hasMessageContaining("stored SHA-256");
    assertThat(out.size()).isZero();
  }
}
