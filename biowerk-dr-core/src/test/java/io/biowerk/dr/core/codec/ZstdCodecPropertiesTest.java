package io.biowerk.dr.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.IntegrityException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Properties of the {@code zst} codec on its own: arbitrary data and chunkings round-trip, heap and
 * direct buffers alike; truncation at any point is an {@link IntegrityException} with only a prefix
 * of the data delivered first (a zstd frame is complete only with its end mark and checksum);
 * concatenated frames, as {@code zstd} and {@code pzstd} write them, decode to the concatenated
 * data.
 */
class ZstdCodecPropertiesTest {

  static byte[] compress(ZstdCodec codec, byte[] data, int chunk, boolean direct)
      throws IOException {
    ByteArrayOutputStream stored = new ByteArrayOutputStream();
    WritableByteChannel out = codec.encode(Channels.newChannel(stored));
    ByteBuffer staging = direct ? ByteBuffer.allocateDirect(chunk) : null;
    for (int at = 0; at < data.length; at += chunk) {
      int n = Math.min(chunk, data.length - at);
      ByteBuffer src =
          direct ? staging.clear().put(data, at, n).flip() : ByteBuffer.wrap(data, at, n);
      while (src.hasRemaining()) {
        out.write(src);
      }
    }
    out.close();
    return stored.toByteArray();
  }

  static void decompress(byte[] stored, int chunk, boolean direct, ByteArrayOutputStream delivered)
      throws IOException {
    try (ReadableByteChannel in =
        ZstdCodec.defaults().decode(Channels.newChannel(new ByteArrayInputStream(stored)))) {
      ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(chunk) : ByteBuffer.allocate(chunk);
      byte[] copy = new byte[chunk];
      while (in.read(buffer) >= 0) {
        buffer.flip();
        int n = buffer.remaining();
        buffer.get(copy, 0, n);
        delivered.write(copy, 0, n);
        buffer.clear();
      }
    }
  }

  @Provide
  Arbitrary<byte[]> data() {
    return Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofMaxSize(12_000),
        Arbitraries.bytes().between((byte) '0', (byte) '3').array(byte[].class).ofMaxSize(30_000));
  }

  @Property
  void anyDataRoundTripsWhateverTheChunkingAndBufferKind(
      @ForAll("data") byte[] data,
      @ForAll @IntRange(min = 1, max = 3) int level,
      @ForAll @IntRange(min = 1, max = 9000) int writeChunk,
      @ForAll @IntRange(min = 1, max = 9000) int readChunk,
      @ForAll boolean directIn,
      @ForAll boolean directOut)
      throws IOException {
    byte[] stored = compress(ZstdCodec.of(level, 0, 0), data, writeChunk, directIn);
    ByteArrayOutputStream decoded = new ByteArrayOutputStream();
    decompress(stored, readChunk, directOut, decoded);
    assertThat(decoded.toByteArray()).isEqualTo(data);
  }

  @Property
  void truncationAtAnyPointIsDetected(
      @ForAll("data") byte[] data,
      @ForAll Random random,
      @ForAll @IntRange(min = 1, max = 9000) int readChunk,
      @ForAll boolean direct)
      throws IOException {
    byte[] stored = compress(ZstdCodec.defaults(), data, 8192, false);
    int length = random.nextInt(stored.length);
    ByteArrayOutputStream delivered = new ByteArrayOutputStream();
    assertThatThrownBy(
            () -> decompress(Arrays.copyOf(stored, length), readChunk, direct, delivered))
        .as("truncated to %s of %s bytes", length, stored.length)
        .isInstanceOf(IntegrityException.class)
        .hasMessageStartingWith("zstd decode failed: ")
        .hasMessageContaining("truncated");
    byte[] got = delivered.toByteArray();
    assertThat(Arrays.mismatch(got, Arrays.copyOf(data, got.length)))
        .as("delivered bytes are a prefix")
        .isEqualTo(-1);
  }

  @Test
  void concatenatedFramesDecodeToTheConcatenatedData() throws IOException {
    byte[] first = new byte[100_000];
    byte[] second = new byte[70_000];
    new Random(1).nextBytes(first);
    Arrays.fill(second, (byte) 'x');
    ByteArrayOutputStream both = new ByteArrayOutputStream();
    both.writeBytes(compress(ZstdCodec.defaults(), first, 65536, false));
    both.writeBytes(compress(ZstdCodec.of(5, 0, 0), second, 65536, true));
    ByteArrayOutputStream decoded = new ByteArrayOutputStream();
    decompress(both.toByteArray(), 10_000, true, decoded);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(first);
    expected.writeBytes(second);
    assertThat(decoded.toByteArray()).isEqualTo(expected.toByteArray());
  }

  @Test
  void parametersRecreateTheSameCodec() {
    ZstdCodec codec = ZstdCodec.of(9, 2, 27);
    assertThat(codec.parameters()).isEqualTo(Map.of("level", "9", "workers", "2", "long", "27"));
    assertThat(ZstdCodec.fromParameters(codec.parameters()).toString())
        .isEqualTo(codec.toString())
        .isEqualTo("zstd(9, workers 2, long 27)");
    assertThat(ZstdCodec.defaults().parameters()).isEqualTo(Map.of("level", "3"));
  }

  @Test
  void outOfRangeOptionsAreRefusedNamingTheValue() {
    assertThatThrownBy(() -> ZstdCodec.of(0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zstd level (0)");
    assertThatThrownBy(() -> ZstdCodec.of(3, 65, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zstd workers (65)");
    assertThatThrownBy(() -> ZstdCodec.of(3, 0, 28))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zstd long window log (28)");
    assertThatThrownBy(() -> ZstdCodec.fromParameters(Map.of("workers", "two")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zstd option workers (two)");
  }
}
