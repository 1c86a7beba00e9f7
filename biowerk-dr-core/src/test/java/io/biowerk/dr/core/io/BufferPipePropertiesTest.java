package io.biowerk.dr.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Whatever the pool, buffer size and write/read sizes, the bytes read are the bytes written, in
 * order, with the producer and the consumer on different threads.
 */
class BufferPipePropertiesTest {

  @Property(tries = 200)
  void bytesComeOutAsTheyWentIn(
      @ForAll @IntRange(min = 0, max = 200_000) int length,
      @ForAll @IntRange(min = 1, max = 4) int count,
      @ForAll @IntRange(min = 1, max = 9000) int size,
      @ForAll @IntRange(min = 1, max = 70_000) int writeStep,
      @ForAll @IntRange(min = 1, max = 70_000) int readStep,
      @ForAll boolean direct,
      @ForAll long seed)
      throws Exception {
    byte[] data = new byte[length];
    new Random(seed).nextBytes(data);
    BufferPipe pipe = new BufferPipe("property", count, size, direct);
    CompletableFuture<Void> producer =
        CompletableFuture.runAsync(
            () -> {
              try (BufferPipe.Sink sink = pipe.sink()) {
                for (int off = 0; off < data.length; off += writeStep) {
                  sink.write(ByteBuffer.wrap(data, off, Math.min(writeStep, data.length - off)));
                  if (off % 3 == 0) {
                    sink.flush();
                  }
                }
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(readStep);
    int n;
    while ((n = pipe.source().read(buffer.clear())) >= 0) {
      out.write(buffer.array(), 0, n);
    }
    producer.get(60, TimeUnit.SECONDS);
    assertThat(out.toByteArray()).isEqualTo(data);
  }

  @Property(tries = 100)
  void wholeBufferHandOverKeepsOrderAndNeverHoldsMoreThanThePool(
      @ForAll @IntRange(min = 0, max = 300) int buffers,
      @ForAll @IntRange(min = 1, max = 5) int count)
      throws Exception {
    BufferPipe pipe = new BufferPipe("segments", count, 4, false);
    java.util.Set<ByteBuffer> seen =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    CompletableFuture<Void> producer =
        CompletableFuture.runAsync(
            () -> {
              try {
                for (int i = 0; i < buffers; i++) {
                  pipe.send(pipe.borrow().putInt(i).flip());
                }
                pipe.finish();
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    int expected = 0;
    ByteBuffer b;
    while ((b = pipe.receive()) != null) {
      seen.add(b);
      assertThat(b.getInt()).isEqualTo(expected++);
      pipe.recycle(b);
    }
    producer.get(60, TimeUnit.SECONDS);
    assertThat(expected).isEqualTo(buffers);
    assertThat(seen.size()).isLessThanOrEqualTo(count);
  }
}
