package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.testing.RoundTrip;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    return BackupJob.of(RoundTrip.source(data))
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
    RestoreJob.of(sink, m, KeyRing.empty(), RoundTrip.collect(new ByteArrayOutputStream()))
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
            () -> BackupJob.of(RoundTrip.source(data)).progressInterval(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("progress interval")
        .hasMessageContaining("must not be negative");
  }

  @Test
  void aRestoreReportsItsCheckPassThenTheTransferThenDone() throws Exception {
    InMemorySink sink = InMemorySink.named("phases");
    BackupManifest m = backUp(sink, ProgressListener.NONE, Duration.ofMillis(100));
    List<ProgressListener.Progress> events = new ArrayList<>();
    RestoreJob.of(sink, m, KeyRing.empty(), RoundTrip.collect(new ByteArrayOutputStream()))
        .listener(events::add)
        .progressInterval(Duration.ZERO)
        .run();
    List<ProgressListener.Phase> phases =
        events.stream().map(ProgressListener.Progress::phase).toList();
    assertThat(phases.get(0)).isEqualTo(ProgressListener.Phase.CHECK);
    assertThat(phases.get(phases.size() - 1)).isEqualTo(ProgressListener.Phase.DONE);
    assertThat(phases).contains(ProgressListener.Phase.TRANSFER);
    // In order: no CHECK after the first TRANSFER.
    assertThat(phases.subList(phases.indexOf(ProgressListener.Phase.TRANSFER), phases.size()))
        .doesNotContain(ProgressListener.Phase.CHECK);
    ProgressListener.Progress lastCheck =
        events.stream()
            .filter(p -> p.phase() == ProgressListener.Phase.CHECK)
            .reduce((a, b) -> b)
            .get();
    assertThat(lastCheck.bytesIn()).isEqualTo(m.storedSize());
    assertThat(lastCheck.bytesOut()).isZero();
    assertThat(lastCheck.fraction()).isEqualTo(1.0);
  }

  @Test
  void withoutTheCheckPassARestoreHasNoCheckEvents() throws Exception {
    InMemorySink sink = InMemorySink.named("nocheck");
    BackupManifest m = backUp(sink, ProgressListener.NONE, Duration.ofMillis(100));
    List<ProgressListener.Progress> events = new ArrayList<>();
    RestoreJob.of(sink, m, KeyRing.empty(), RoundTrip.collect(new ByteArrayOutputStream()))
        .checkStoredFirst(false)
        .listener(events::add)
        .progressInterval(Duration.ZERO)
        .run();
    assertThat(events)
        .extracting(ProgressListener.Progress::phase)
        .doesNotContain(ProgressListener.Phase.CHECK)
        .endsWith(ProgressListener.Phase.DONE);
  }

  @Test
  void aBackupCarriesTheSourcesExpectedSizeBeforeTheEnd() throws Exception {
    long expected = SIZE + 12345L;
    Source source =
        new Source() {
          @Override
          public String kind() {
            return "test";
          }

          @Override
          public String name() {
            return "sized";
          }

          @Override
          public String format() {
            return "bin";
          }

          @Override
          public SourceStream open() throws IOException {
            SourceStream inner = RoundTrip.source(data).open();
            return new SourceStream() {
              @Override
              public Map<String, Object> facts() {
                return inner.facts();
              }

              @Override
              public long expectedSize() {
                return expected;
              }

              @Override
              public int read(ByteBuffer dst) throws IOException {
                return inner.read(dst);
              }

              @Override
              public boolean isOpen() {
                return inner.isOpen();
              }

              @Override
              public void close() throws IOException {
                inner.close();
              }
            };
          }
        };
    List<ProgressListener.Progress> events = new ArrayList<>();
    BackupManifest m =
        BackupJob.of(source)
            .codecs(ZstdCodec.defaults())
            .sinks(InMemorySink.named("sized"))
            .buffers(4, 65536)
            .listener(events::add)
            .progressInterval(Duration.ZERO)
            .build()
            .run();
    List<ProgressListener.Progress> running = events.stream().filter(p -> !p.done()).toList();
    assertThat(running).isNotEmpty();
    assertThat(running).allSatisfy(p -> assertThat(p.expectedIn()).isEqualTo(expected));
    assertThat(running)
        .allSatisfy(p -> assertThat(p.phase()).isEqualTo(ProgressListener.Phase.TRANSFER));
    // The final event carries the exact size, whatever the estimate said.
    assertThat(events.get(events.size() - 1).expectedIn()).isEqualTo(m.rawSize());
  }

  @Test
  void aProgressWhoseDoneFlagContradictsItsPhaseIsRefused() {
    assertThatThrownBy(
            () ->
                new ProgressListener.Progress(
                    1, 1, 1, Duration.ZERO, true, ProgressListener.Phase.TRANSFER))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("progress: done (true) must be true exactly in phase DONE, not TRANSFER");
  }

  @Test
  void theFractionIsUnknownWithoutATotalAndCappedAtOne() {
    assertThat(new ProgressListener.Progress(5, 0, -1, Duration.ofSeconds(1), false).fraction())
        .isEqualTo(-1.0);
    assertThat(new ProgressListener.Progress(15, 0, 10, Duration.ofSeconds(1), false).fraction())
        .isEqualTo(1.0);
    assertThat(new ProgressListener.Progress(5, 0, 10, Duration.ofSeconds(1), false).fraction())
        .isEqualTo(0.5);
  }
}
