package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.codec.ZstdCodec;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What progress events say during a backup and a restore, and how often they come. */
class ProgressTest {

  static final int SIZE = 5 << 20;

  final byte[] data = compressible();

  static byte[] compressible() {
    byte[] b = new byte[SIZE];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) ('a' + (i % 7));
    }
    return b;
  }

  BackupManifest backUp(InMemorySink sink, ProgressListener listener, Duration interval)
      throws Exception {
    return BackupJob.of(PipelineRoundTripTest.bytes(data))
        .codecs(ZstdCodec.defaults())
        .sinks(sink)
        .buffers(4, 65536)
        .listener(listener)
        .progressInterval(interval)
        .build()
        .run();
  }

  @Test
  void restoreCountsStoredBytesInAndDecodedBytesOut() throws Exception {
    InMemorySink sink = InMemorySink.named("progress");
    BackupManifest m = backUp(sink, ProgressListener.NONE, Duration.ofMillis(100));
    assertThat(m.storedSize()).isLessThan(m.rawSize());
    List<ProgressListener.Progress> events = new ArrayList<>();
    RestoreJob.of(
            sink, m, KeyRing.empty(), PipelineRoundTripTest.collect(new ByteArrayOutputStream()))
        .listener(events::add)
        .progressInterval(Duration.ZERO)
        .run();
    ProgressListener.Progress last = events.get(events.size() - 1);
    assertThat(last.done()).isTrue();
    assertThat(last.bytesIn()).isEqualTo(m.storedSize());
    assertThat(last.bytesOut()).isEqualTo(m.rawSize());
    assertThat(last.expectedIn()).isEqualTo(m.storedSize());
    // with no interval every decoded buffer (1 MiB) is reported
    assertThat(events.size()).isGreaterThanOrEqualTo(SIZE / (1 << 20) + 1);
    for (ProgressListener.Progress p : events) {
      assertThat(p.bytesIn()).isLessThanOrEqualTo(p.expectedIn());
      assertThat(p.bytesOut()).isLessThanOrEqualTo(m.rawSize());
    }
  }

  @Test
  void backupReportsEveryBufferWithAZeroIntervalAndOnlyTheEndWithALongOne() throws Exception {
    List<ProgressListener.Progress> every = new ArrayList<>();
    backUp(InMemorySink.named("every"), every::add, Duration.ZERO);
    assertThat(every.size()).isGreaterThanOrEqualTo(SIZE / 65536);

    List<ProgressListener.Progress> rare = new ArrayList<>();
    backUp(InMemorySink.named("rare"), rare::add, Duration.ofDays(1));
    assertThat(rare).hasSize(1);
    assertThat(rare.get(0).done()).isTrue();
  }

  @Test
  void aNegativeIntervalIsRefused() {
    assertThatThrownBy(
            () ->
                BackupJob.of(PipelineRoundTripTest.bytes(data))
                    .progressInterval(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("progress interval")
        .hasMessageContaining("must not be negative");
  }
}
