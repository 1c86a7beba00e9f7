package io.biowerk.dr.core.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shared parted upload (S3 multipart, Azure staged blocks) against an in-memory store: parts in
 * order whatever order they finish in, buffers bounded by parallelism, one request for a small
 * object, a failed part fails the write and abandons the upload after every part in flight, and the
 * store's part limit is enforced. The ordered read-ahead the read channels share is checked too.
 */
class PartedUploadTest {

  private final ExecutorService executor = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  /** An in-memory store: parts land in a map, complete concatenates them in the order given. */
  private static final class MemoryUpload extends PartedUpload<Integer> {
    final Map<Integer, byte[]> parts = new ConcurrentHashMap<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    volatile int failPart = -1;
    byte[] visible;
    int wholePuts;
    boolean begun;
    boolean abandoned;

    MemoryUpload(Sizing sizing, ExecutorService executor) {
      super(sizing, executor);
    }

    @Override
    protected void beforeFirstPart() {
      begun = true;
    }

    @Override
    protected Integer uploadPart(int number, byte[] data, int length) throws Exception {
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        Thread.sleep(number % 3 == 0 ? 1 : 15); // parts finish out of order
        if (number == failPart) {
          throw new IllegalStateException("injected failure of part " + number);
        }
        parts.put(number, Arrays.copyOf(data, length));
        return number;
      } finally {
        inFlight.decrementAndGet();
      }
    }

    @Override
    protected void putWhole(byte[] data, int length) {
      wholePuts++;
      visible = Arrays.copyOf(data, length);
    }

    @Override
    protected void complete(List<Integer> numbers, long size) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int n : numbers) {
        out.writeBytes(parts.get(n));
      }
      visible = out.toByteArray();
      assertThat((long) visible.length).isEqualTo(size);
    }

    @Override
    protected void abandon() {
      assertThat(inFlight.get()).as("no part in flight when the upload is abandoned").isZero();
      abandoned = true;
      parts.clear();
    }

    @Override
    protected IOException partFailed(Throwable cause) {
      return new IOException("memory: a part failed (" + cause.getMessage() + ")", cause);
    }

    @Override
    protected InterruptedIOException interrupted() {
      return new InterruptedIOException("memory: interrupted");
    }

    @Override
    protected IOException tooManyParts(long bytesSoFar) {
      return new IOException("memory: too many parts after " + bytesSoFar + " bytes");
    }
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  private static void writeInPieces(MemoryUpload upload, byte[] data, int piece)
      throws IOException {
    for (int i = 0; i < data.length; i += piece) {
      upload.write(ByteBuffer.wrap(data, i, Math.min(piece, data.length - i)));
    }
  }

  @Test
  void partsArriveInOrderAndBuffersStayBounded() throws IOException {
    int base = 64 << 10;
    MemoryUpload upload =
        new MemoryUpload(new PartedUpload.Sizing(base, 1000, 1 << 30, 10_000, 3), executor);
    byte[] data = random(40 * base + 123);
    writeInPieces(upload, data, 10_007);
    upload.commit();
    assertThat(upload.visible).isEqualTo(data);
    assertThat(upload.begun).isTrue();
    assertThat(upload.partCount()).isEqualTo(41);
    assertThat(upload.maxInFlight.get()).isLessThanOrEqualTo(3);
    assertThat(upload.peakBufferBytes()).isLessThanOrEqualTo(4L * base);
  }

  @Test
  void anObjectOfExactlyOnePartIsOneRequest() throws IOException {
    int base = 64 << 10;
    MemoryUpload upload =
        new MemoryUpload(new PartedUpload.Sizing(base, 1000, 1 << 30, 10_000, 2), executor);
    byte[] data = random(base);
    writeInPieces(upload, data, 1000);
    upload.commit();
    assertThat(upload.wholePuts).isEqualTo(1);
    assertThat(upload.begun).isFalse();
    assertThat(upload.visible).isEqualTo(data);
  }

  @Test
  void aFailedPartFailsTheWriteAndAbandonsTheUploadAfterThePartsInFlight() throws IOException {
    int base = 64 << 10;
    MemoryUpload upload =
        new MemoryUpload(new PartedUpload.Sizing(base, 1000, 1 << 30, 10_000, 3), executor);
    upload.failPart = 4;
    assertThatThrownBy(
            () -> {
              writeInPieces(upload, random(20 * base), 65536);
              upload.commit();
            })
        .isInstanceOf(IOException.class)
        .hasMessage("memory: a part failed (injected failure of part 4)");
    upload.close();
    assertThat(upload.abandoned).isTrue();
    assertThat(upload.visible).isNull();
    assertThat(upload.parts).isEmpty();
  }

  @Test
  void theStoresPartLimitIsEnforcedAndNothingIsLeft() {
    int base = 64 << 10;
    MemoryUpload upload =
        new MemoryUpload(new PartedUpload.Sizing(base, 1000, 1 << 30, 3, 2), executor);
    assertThatThrownBy(() -> writeInPieces(upload, random(4 * base + 1), 65536))
        .isInstanceOf(IOException.class)
        .hasMessage("memory: too many parts after " + (3L * base) + " bytes");
    assertThat(upload.abandoned).isTrue();
  }

  @Test
  void partsDoubleEveryPartsPerSizeAndPermitsFollow() {
    PartedUpload.Sizing sizing = new PartedUpload.Sizing(8 << 20, 1000, 1 << 30, 10_000, 4);
    assertThat(sizing.partSize(1000)).isEqualTo(8 << 20);
    assertThat(sizing.partSize(1001)).isEqualTo(16 << 20);
    assertThat(sizing.partSize(10_000)).isEqualTo(1 << 30);
    assertThat(sizing.permits(16 << 20)).isEqualTo(2);
    assertThat(sizing.permits(1 << 30)).isEqualTo(4);
    assertThatThrownBy(() -> new PartedUpload.Sizing(0, 1000, 1 << 30, 10_000, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("base (0) must be positive");
  }

  @Test
  void readAheadHandsRangesOverInOrderAndRecyclesArrays() throws Exception {
    byte[] object = random(10 * 1000 + 7);
    AtomicInteger reused = new AtomicInteger();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    ReadAhead ahead =
        new ReadAhead(
            0,
            object.length,
            1000,
            3,
            (from, length, reusable) -> {
              if (reusable != null) {
                reused.incrementAndGet();
              }
              maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
              return executor.submit(
                  () -> {
                    try {
                      Thread.sleep(from % 3000 == 0 ? 15 : 1);
                      byte[] bytes = reusable != null ? reusable : new byte[length];
                      System.arraycopy(object, (int) from, bytes, 0, length);
                      return bytes;
                    } finally {
                      inFlight.decrementAndGet();
                    }
                  });
            });
    ByteArrayOutputStream read = new ByteArrayOutputStream();
    while (ahead.hasNext()) {
      byte[] range = ahead.next();
      read.writeBytes(range);
      ahead.recycle(range);
    }
    assertThat(read.toByteArray()).isEqualTo(object);
    assertThat(maxInFlight.get()).isLessThanOrEqualTo(3);
    assertThat(reused.get()).as("arrays of read ranges are reused").isPositive();
  }

  @Test
  void aFailedRangeIsTheCauseOfNextsExecutionException() {
    ReadAhead ahead =
        new ReadAhead(
            0,
            5000,
            1000,
            2,
            (from, length, reusable) ->
                CompletableFuture.failedFuture(new IOException("range " + from + " refused")));
    assertThatThrownBy(ahead::next)
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseMessage("range 0 refused");
    ahead.cancel();
    assertThat(ahead.hasNext()).isFalse();
  }
}
