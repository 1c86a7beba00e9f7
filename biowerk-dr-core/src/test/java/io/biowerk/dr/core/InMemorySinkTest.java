package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What {@link InMemorySink} does beyond the sink contract (which the test kit's {@code
 * InMemorySinkContractTest} runs): objects larger than its 1 MiB chunk put whole ({@link
 * InMemorySink#replace}, {@link InMemorySink#putIfAbsent}) read back byte for byte.
 */
class InMemorySinkTest {

  /** Three chunks and a bit: the reader crosses two chunk boundaries and ends inside a chunk. */
  private static final int LARGE = 3 * (1 << 20) + 17;

  @Test
  void replaceWithMoreThanOneChunkReadsBackWholeAndKeepsTheTime() throws IOException {
    InMemorySink sink = InMemorySink.named("t");
    sink.putIfAbsent("a/b", new byte[] {1, 2, 3});
    Instant before = sink.list("a/").get(0).lastModified();
    byte[] large = random(LARGE, 1);
    long changes = sink.changes();

    sink.replace("a/b", large);

    assertThat(readAll(sink, "a/b", 64 * 1024)).isEqualTo(large);
    assertThat(readAll(sink, "a/b", 1_000_003)).isEqualTo(large);
    assertThat(sink.get("a/b")).isEqualTo(large);
    assertThat(sink.list("a/").get(0).size()).isEqualTo(LARGE);
    assertThat(sink.list("a/").get(0).lastModified()).isEqualTo(before);
    assertThat(sink.changes()).isEqualTo(changes);
    assertThat(sink.snapshot().get("a/b")).hasSize(2 * LARGE);
  }

  @Test
  void putIfAbsentWithMoreThanOneChunkReadsBackWhole() throws IOException {
    InMemorySink sink = InMemorySink.named("t");
    byte[] large = random(LARGE, 2);
    byte[] expected = large.clone();

    assertThat(sink.putIfAbsent("k", large)).isTrue();
    large[0]++; // the sink copied the caller's array

    assertThat(readAll(sink, "k", 8192)).isEqualTo(expected);
    // a copy shares the stored chunks and reads the same
    sink.copy("k", "k2");
    assertThat(sink.get("k2")).isEqualTo(expected);
  }

  @Test
  void replaceWithExactlyOneChunkAndWithNothing() throws IOException {
    InMemorySink sink = InMemorySink.named("t");
    sink.putIfAbsent("k", new byte[] {9});
    byte[] oneChunk = random(1 << 20, 3);
    sink.replace("k", oneChunk);
    assertThat(readAll(sink, "k", 4096)).isEqualTo(oneChunk);
    sink.replace("k", new byte[0]);
    assertThat(readAll(sink, "k", 4096)).isEmpty();
  }

  private static byte[] readAll(Sink sink, String key, int bufferSize) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(bufferSize);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (ReadableByteChannel in = sink.openRead(key)) {
      while (in.read(buffer.clear()) >= 0) {
        out.write(buffer.array(), 0, buffer.position());
      }
    }
    return out.toByteArray();
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }
}
