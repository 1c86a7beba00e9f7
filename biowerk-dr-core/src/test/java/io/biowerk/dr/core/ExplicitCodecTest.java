package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.testing.RoundTrip;
import io.biowerk.dr.core.verify.Verifier;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A codec passed explicitly to a backup, and not on the class path, reads back when passed again.
 */
class ExplicitCodecTest {

  final byte[] data = repeated();

  static byte[] repeated() {
    byte[] b = new byte[200_000];
    Arrays.fill(b, (byte) 'x');
    return b;
  }

  BackupManifest backUp(InMemorySink sink) throws Exception {
    return BackupJob.of(RoundTrip.source(data))
        .codecs(new TestOnlyGzipCodec())
        .sinks(sink)
        .build()
        .run();
  }

  @Test
  void theCodecIsNotFoundByServiceLoader() {
    assertThat(Codecs.ids()).doesNotContain("gz");
  }

  @Test
  void restoreWithTheSameExplicitCodecReadsTheBackup() throws Exception {
    InMemorySink sink = InMemorySink.named("explicit");
    BackupManifest m = backUp(sink);
    assertThat(m.dataKey()).endsWith(".bin.gz");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RestoreJob.of(sink, m, KeyRing.empty(), RoundTrip.collect(out))
        .codecs(List.of(new TestOnlyGzipCodec()))
        .run();
    assertThat(out.toByteArray()).isEqualTo(data);
  }

  @Test
  void verifyWithTheSameExplicitCodecDecodesTheBackup() throws Exception {
    InMemorySink sink = InMemorySink.named("explicit");
    BackupManifest m = backUp(sink);
    VerificationResult result =
        Verifier.verify(
            sink,
            m,
            KeyRing.empty(),
            VerificationLevel.DECODE,
            Map.of(),
            Clock.systemUTC(),
            List.of(new TestOnlyGzipCodec()));
    assertThat(result.passed()).isTrue();
    assertThat(result.detail()).startsWith("decode: " + data.length + " bytes decoded");
  }

  @Test
  void restoreWithoutTheCodecSaysWhichCodecIsMissingAndHowToPassIt() throws Exception {
    InMemorySink sink = InMemorySink.named("explicit");
    BackupManifest m = backUp(sink);
    assertThatThrownBy(
            () ->
                RestoreJob.of(
                        sink, m, KeyRing.empty(), RoundTrip.collect(new ByteArrayOutputStream()))
                    .run())
        // A chain the installation cannot build is reported as damage (exit 3 in the command), with
        // the lookup failure as the cause.
        .isInstanceOf(CorruptManifestException.class)
        .hasCauseInstanceOf(ProviderNotFoundException.class)
        .hasMessageContaining("'gz'")
        .hasMessageContaining("pass the same codec");
  }

  @Test
  void verifyAndRecordWithTheSameExplicitCodecRecordsAPass() throws Exception {
    InMemorySink sink = InMemorySink.named("explicit");
    BackupManifest m = backUp(sink);
    io.biowerk.dr.core.catalog.Catalog catalog = io.biowerk.dr.core.catalog.Catalog.of(sink);
    VerificationResult result =
        Verifier.verifyAndRecord(
            catalog,
            BackupRecord.of(m),
            KeyRing.empty(),
            VerificationLevel.DECODE,
            Map.of(),
            Clock.systemUTC(),
            List.of(new TestOnlyGzipCodec()));
    assertThat(result.passed()).isTrue();
    assertThat(catalog.get(m.id()).lastPassed()).contains(result);
  }
}
