package io.biowerk.dr.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pipe between two threads: order, bounds, end, failure and cancellation. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufferPipeTest {

  private static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  /** Writes {@code data} through the sink on another thread, {@code step} bytes per write. */
  private static CompletableFuture<Void> produce(BufferPipe pipe, byte[] data, int step) {
    return CompletableFuture.runAsync(
        () -> {
          try (BufferPipe.Sink sink = pipe.sink()) {
            for (int off = 0; off < data.length; off += step) {
              sink.write(ByteBuffer.wrap(data, off, Math.min(step, data.length - off)));
            }
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private static byte[] drain(BufferPipe.Source source, int step) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(step);
    while (true) {
      buffer.clear();
      int n = source.read(buffer);
      if (n < 0) {
        return out.toByteArray();
      }
      out.write(buffer.array(), 0, n);
    }
  }

  @Test
  void oneByteAtATimeOnBothSidesKeepsEveryByteInOrder() throws Exception {
    // One byte per write and per read, through 3-byte buffers: every boundary case is met.
    byte[] data = random(10_007, 1);
    BufferPipe pipe = new BufferPipe("test", 2, 3, false);
    CompletableFuture<Void> producer = produce(pipe, data, 1);
    byte[] read = drain(pipe.source(), 1);
    producer.get();
    assertThat(read).isEqualTo(data);
    assertThat(pipe.source().read(ByteBuffer.allocate(1))).isEqualTo(-1);
  }

  @Test
  void wholeBuffersAreHandedOverWithoutCopying() throws Exception {
    BufferPipe pipe = new BufferPipe("test", 2, 8, true);
    ByteBuffer borrowed = pipe.borrow();
    borrowed.put(new byte[] {1, 2, 3}).flip();
    pipe.send(borrowed);
    pipe.finish();
    ByteBuffer received = pipe.receive();
    assertThat(received).isSameAs(borrowed);
    assertThat(received.remaining()).isEqualTo(3);
    pipe.recycle(received);
    assertThat(pipe.receive()).isNull();
    assertThat(pipe.ended()).isTrue();
  }

  @Test
  void theProducerBlocksWhenEveryBufferIsInUse() throws Exception {
    BufferPipe pipe = new BufferPipe("test", 2, 4, false);
    pipe.send(pipe.borrow().put((byte) 1).flip());
    pipe.send(pipe.borrow().put((byte) 2).flip());
    CompletableFuture<ByteBuffer> third =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return pipe.borrow();
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(200);
    assertThat(third).isNotDone();
    pipe.recycle(pipe.receive());
    assertThat(third.get(10, TimeUnit.SECONDS).remaining()).isEqualTo(4);
  }

  @Test
  void theProducersFailureReachesTheConsumerAfterWhatWasSentBeforeIt() throws Exception {
    BufferPipe pipe = new BufferPipe("test", 4, 4, false);
    pipe.send(pipe.borrow().put((byte) 7).flip());
    pipe.fail(new IOException("dump: pg_dump exited with status 1"));
    assertThat(pipe.receive().get()).isEqualTo((byte) 7);
    assertThatThrownBy(pipe::receive)
        .isInstanceOf(IOException.class)
        .hasMessage("dump: pg_dump exited with status 1");
  }

  @Test
  void aCheckedFailureOfAnotherKindIsWrappedWithThePipesName() {
    BufferPipe pipe = new BufferPipe("backup 1 reader", 1, 4, false);
    pipe.fail(new Exception("boom"));
    assertThatThrownBy(pipe::receive)
        .isInstanceOf(IOException.class)
        .hasMessage("backup 1 reader failed: java.lang.Exception: boom");
  }

  @Test
  void cancellingWakesABlockedProducerWithTheCauseOnceThenSaysItWasCancelled() throws Exception {
    BufferPipe pipe = new BufferPipe("seal", 1, 4, false);
    pipe.send(pipe.borrow().flip());
    CompletableFuture<Throwable> blocked =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                pipe.borrow();
                return null;
              } catch (IOException e) {
                return e;
              }
            });
    Thread.sleep(100);
    IOException cause = new IOException("s3: upload failed");
    pipe.cancel(cause);
    assertThat(blocked.get(10, TimeUnit.SECONDS)).isSameAs(cause);
    assertThatThrownBy(pipe::borrow)
        .isInstanceOf(InterruptedIOException.class)
        .hasMessage("seal: the reading side stopped; the transfer is cancelled");
    assertThatThrownBy(pipe::finish).isInstanceOf(InterruptedIOException.class);
  }

  @Test
  void cancellingWakesABlockedConsumer() throws Exception {
    BufferPipe pipe = new BufferPipe("restore", 1, 4, false);
    CompletableFuture<Throwable> blocked =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                pipe.receive();
                return null;
              } catch (IOException e) {
                return e;
              }
            });
    Thread.sleep(100);
    pipe.cancel(null);
    assertThat(blocked.get(10, TimeUnit.SECONDS))
        .isInstanceOf(InterruptedIOException.class)
        .hasMessage("restore: the transfer was cancelled");
  }

  @Test
  void closingTheSourceBeforeTheEndStopsTheProducer() throws Exception {
    BufferPipe pipe = new BufferPipe("test", 2, 4, false);
    CompletableFuture<Void> producer = produce(pipe, new byte[1 << 20], 1024);
    pipe.source().read(ByteBuffer.allocate(1));
    pipe.source().close();
    assertThatThrownBy(producer::get)
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseInstanceOf(InterruptedIOException.class);
  }

  @Test
  void anInterruptedWaitThrowsInterruptedIoExceptionAndKeepsTheFlag() {
    BufferPipe pipe = new BufferPipe("test", 1, 4, false);
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(pipe::receive)
          .isInstanceOf(InterruptedIOException.class)
          .hasMessage("test: interrupted while waiting for the producer");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void useAfterCloseThrowsClosedChannelException() throws Exception {
    BufferPipe pipe = new BufferPipe("test", 1, 4, false);
    pipe.sink().close();
    pipe.sink().close();
    assertThatThrownBy(() -> pipe.sink().write(ByteBuffer.allocate(1)))
        .isInstanceOf(ClosedChannelException.class);
    pipe.source().close();
    assertThatThrownBy(() -> pipe.source().read(ByteBuffer.allocate(1)))
        .isInstanceOf(ClosedChannelException.class);
  }

  @Test
  void writingAfterTheEndIsAProgrammerError() throws Exception {
    BufferPipe pipe = new BufferPipe("test", 1, 4, false);
    pipe.finish();
    assertThatThrownBy(pipe::borrow)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("test: the stream has already ended");
  }

  @Test
  void flushHandsOverAPartialBufferAndStreamsRoundTrip() throws Exception {
    BufferPipe pipe = new BufferPipe("test", 2, 1024, false);
    OutputStream out = pipe.outputStream();
    InputStream in = pipe.inputStream();
    out.write(42);
    out.flush();
    assertThat(in.read()).isEqualTo(42);
    out.write(new byte[] {1, 2, 3});
    out.close();
    byte[] rest = in.readAllBytes();
    assertThat(rest).isEqualTo(new byte[] {1, 2, 3});
    assertThat(in.read()).isEqualTo(-1);
  }

  @Test
  void argumentsAreChecked() {
    assertThatThrownBy(() -> new BufferPipe("x", 0, 4, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("count (0) must be positive");
    assertThatThrownBy(() -> new BufferPipe("x", 1, -1, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("size (-1) must be positive");
    assertThat(Arrays.asList(new BufferPipe("x", 1, 1, true).toString()))
        .containsExactly("BufferPipe(x)");
  }
}
