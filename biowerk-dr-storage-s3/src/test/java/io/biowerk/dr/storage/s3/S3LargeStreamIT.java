package io.biowerk.dr.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.PendingWrite;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A 4 GiB + 1 byte object generated on the fly, uploaded and read back through S3Proxy: the part
 * buffers stay at (parallelism + 1) x part size and the heap flat whatever the size. Tagged {@code
 * slow} (several minutes on two cores); run it with {@code mvn verify -Pslow -pl
 * biowerk-dr-storage-s3 -Dit.test=S3LargeStreamIT}.
 */
@Tag("slow")
@ExtendWith(S3ProxyExtension.class)
class S3LargeStreamIT {

  private final S3ProxyServer server;

  S3LargeStreamIT(S3ProxyServer server) {
    this.server = server;
  }

  @Test
  void fourGibibytesPlusOneByte() throws IOException {
    long size = (4L << 30) + 1;
    int part = 8 << 20;
    String bucket = server.newBucket("large");
    // Runtime, not MemoryMXBean: the tests compile inside the module, which does not read
    // java.management.
    Runtime runtime = Runtime.getRuntime();
    AtomicLong peakHeap = new AtomicLong();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    var unused = // the sampler only records; its future says nothing
        sampler.scheduleAtFixedRate(
            () ->
                peakHeap.accumulateAndGet(runtime.totalMemory() - runtime.freeMemory(), Math::max),
            0,
            50,
            TimeUnit.MILLISECONDS);
    try (S3Sink sink = S3Sink.open(server.options(bucket).partSize(part).parallelism(4).build())) {
      PendingWrite out = sink.openWrite("large/4g");
      String sha = TestData.write(out, size, 4, 1 << 20);
      out.commit();
      assertThat(((S3Write) out).peakBufferBytes()).isLessThanOrEqualTo(5L * part);
      try (ReadableByteChannel in = sink.openRead("large/4g")) {
        assertThat(TestData.read(in, 1 << 20)).isEqualTo(new TestData.Digest(sha, size));
      }
      assertThat(server.admin().listMultipartUploads(r -> r.bucket(bucket)).uploads()).isEmpty();
      sink.delete("large/4g");
    } finally {
      sampler.shutdownNow();
    }
    // The surefire/failsafe JVM's default heap is a quarter of RAM: a leak of the object (4 GiB)
    // would show here.
    assertThat(peakHeap.get()).as("peak heap while streaming 4 GiB").isLessThan(1L << 30);
  }
}
