package io.biowerk.dr.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hostile factories really are hostile, and still deliver every byte in order. */
class HostileChannelsTest {

  @Test
  void everyFactoryRoundTripsThroughItsOwnWrappers() throws Exception {
    byte[] data = DataShapes.SEGMENT_PLUS_ONE.bytes();
    for (HostileChannels channels : HostileChannels.values()) {
      MemoryChannels.Collector out = MemoryChannels.collector();
      channels.writeAll(channels.writable(out), data);
      assertThat(out.toByteArray()).as(channels.name()).isEqualTo(data);
      assertThat(channels.readAll(channels.readable(MemoryChannels.readable(data))))
          .as(channels.name())
          .isEqualTo(data);
    }
  }

  @Test
  void oneByteAtATimeMeansOneByte() throws Exception {
    List<Integer> writeSizes = new ArrayList<>();
    WritableByteChannel recording = recordingWrites(writeSizes);
    HostileChannels.ONE_BYTE.writeAll(recording, new byte[100]);
    assertThat(writeSizes).hasSize(100).containsOnly(1);

    ReadableByteChannel oneByte =
        HostileChannels.ONE_BYTE.readable(MemoryChannels.readable(new byte[10]));
    assertThat(oneByte.read(ByteBuffer.allocate(10))).isEqualTo(1);
  }

  @Test
  void randomShortWritesAreShortAndMixHeapAndDirect() throws Exception {
    List<Integer> writeSizes = new ArrayList<>();
    List<Boolean> direct = new ArrayList<>();
    WritableByteChannel recording =
        new WritableByteChannel() {
          @Override
          public int write(ByteBuffer src) {
            writeSizes.add(src.remaining());
            direct.add(src.isDirect());
            int n = src.remaining();
            src.position(src.limit());
            return n;
          }

          @Override
          public boolean isOpen() {
            return true;
          }

          @Override
          public void close() {}
        };
    HostileChannels.RANDOM_SHORT.writeAll(recording, new byte[1 << 20]);
    assertThat(writeSizes.stream().distinct().count()).isGreaterThan(10);
    assertThat(direct).contains(true, false);
    WritableByteChannel shortWriter = HostileChannels.RANDOM_SHORT.writable(recording);
    ByteBuffer big = ByteBuffer.allocate(100_000);
    assertThat(shortWriter.write(big)).isLessThan(100_000).isPositive();
  }

  private static WritableByteChannel recordingWrites(List<Integer> sizes) {
    return new WritableByteChannel() {
      @Override
      public int write(ByteBuffer src) throws IOException {
        sizes.add(src.remaining());
        int n = src.remaining();
        src.position(src.limit());
        return n;
      }

      @Override
      public boolean isOpen() {
        return true;
      }

      @Override
      public void close() {}
    };
  }
}
