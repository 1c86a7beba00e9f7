package io.biowerk.dr.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartCopyRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * Streaming multipart uploads and parallel ranged reads against S3Proxy: part boundaries, a 300 MB
 * stream with bounded buffers, a failure injected into a middle part, cancellation, and multipart
 * restore.
 */
@ExtendWith(S3ProxyExtension.class)
class S3MultipartIT {

  private static final int PART = S3Options.MIN_PART_SIZE;

  private final S3ProxyServer server;
  private final List<SdkRequest> requests = new CopyOnWriteArrayList<>();
  private final List<SdkHttpRequest> httpRequests = new CopyOnWriteArrayList<>();
  private final AtomicInteger failPart = new AtomicInteger(-1);
  private final AtomicInteger resetPartOnce = new AtomicInteger(-1);
  private final AtomicInteger partTwoAttempts = new AtomicInteger();
  private volatile boolean failComplete;
  private String bucket;
  private S3Sink sink;

  S3MultipartIT(S3ProxyServer server) {
    this.server = server;
  }

  /** Records every request the sink sends and, when asked, fails UploadPart of one part number. */
  private final ExecutionInterceptor recorder =
      new ExecutionInterceptor() {
        @Override
        public void beforeExecution(
            Context.BeforeExecution context, ExecutionAttributes attributes) {
          requests.add(context.request());
          if (context.request() instanceof UploadPartRequest part
              && part.partNumber() == failPart.get()) {
            throw SdkClientException.create("injected failure of part " + part.partNumber());
          }
          if (context.request() instanceof CompleteMultipartUploadRequest && failComplete) {
            throw SdkClientException.create("injected failure of CompleteMultipartUpload");
          }
        }

        @Override
        public void beforeTransmission(
            Context.BeforeTransmission context, ExecutionAttributes attributes) {
          httpRequests.add(context.httpRequest());
          String part =
              context.httpRequest().firstMatchingRawQueryParameter("partNumber").orElse("");
          if (part.equals("2")) {
            partTwoAttempts.incrementAndGet();
          }
          if (part.equals(String.valueOf(resetPartOnce.get()))) {
            resetPartOnce.set(-1);
            // what a dropped connection looks like to the SDK: an I/O error inside the attempt
            throw SdkClientException.builder()
                .message("injected connection reset")
                .cause(new java.net.SocketException("Connection reset"))
                .build();
          }
        }
      };

  @BeforeEach
  void open() throws IOException {
    bucket = server.newBucket("multipart");
    sink = open(server.options(bucket).prefix("repo").partSize(PART).parallelism(3).build());
  }

  private S3Sink open(S3Options options) throws IOException {
    return S3Sink.open(
        options, b -> b.overrideConfiguration(o -> o.addExecutionInterceptor(recorder)));
  }

  @AfterEach
  void close() {
    sink.close();
  }

  private <T> List<T> sent(Class<T> type) {
    return requests.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private TestData.Digest write(String key, long size, int chunk) throws IOException {
    try (PendingWrite out = sink.openWrite(key)) {
      String sha = TestData.write(out, size, size, chunk);
      out.commit();
      return new TestData.Digest(sha, size);
    }
  }

  private TestData.Digest read(String key) throws IOException {
    try (ReadableByteChannel in = sink.openRead(key)) {
      return TestData.read(in, 100_003);
    }
  }

  private List<?> openUploads() {
    return server.admin().listMultipartUploads(r -> r.bucket(bucket)).uploads();
  }

  @Test
  void oneByteIsOnePut() throws IOException {
    TestData.Digest written = write("a/one", 1, 1);
    assertThat(read("a/one")).isEqualTo(written);
    assertThat(sent(PutObjectRequest.class)).hasSize(1);
    assertThat(sent(CreateMultipartUploadRequest.class)).isEmpty();
    assertThat(server.admin().headObject(r -> r.bucket(bucket).key("repo/a/one")).contentLength())
        .isEqualTo(1);
  }

  @Test
  void emptyObjectIsOnePut() throws IOException {
    TestData.Digest written = write("a/empty", 0, 1);
    assertThat(read("a/empty")).isEqualTo(written);
    assertThat(sent(PutObjectRequest.class)).hasSize(1);
  }

  @Test
  void exactlyOnePartIsOnePut() throws IOException {
    TestData.Digest written = write("a/part", PART, 65536);
    assertThat(read("a/part")).isEqualTo(written);
    assertThat(sent(PutObjectRequest.class)).hasSize(1);
    assertThat(sent(UploadPartRequest.class)).isEmpty();
  }

  @Test
  void onePartAndOneByteIsTwoParts() throws IOException {
    TestData.Digest written = write("a/part-plus-one", PART + 1L, 65536);
    assertThat(read("a/part-plus-one")).isEqualTo(written);
    assertThat(sent(PutObjectRequest.class)).isEmpty();
    assertThat(sent(UploadPartRequest.class))
        .extracting(UploadPartRequest::partNumber, UploadPartRequest::contentLength)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(1, (long) PART),
            org.assertj.core.groups.Tuple.tuple(2, 1L));
    assertThat(sent(CompleteMultipartUploadRequest.class)).hasSize(1);
    assertThat(openUploads()).isEmpty();
  }

  @Test
  void partsCarryTheConfiguredChecksum() throws IOException {
    write("a/checked", 2L * PART + 10, 65536);
    assertThat(sent(CreateMultipartUploadRequest.class))
        .singleElement()
        .satisfies(r -> assertThat(r.checksumAlgorithmAsString()).isEqualTo("CRC32C"));
    assertThat(sent(UploadPartRequest.class))
        .hasSize(3)
        .allSatisfy(r -> assertThat(r.checksumAlgorithmAsString()).isEqualTo("CRC32C"));
    // On the wire: each part's CRC32C travels as a header or in the aws-chunked trailer, and the
    // store checks it
    // before it accepts the part (S3Proxy answers 400 to a wrong one). S3Proxy does not echo part
    // checksums, so
    // CompleteMultipartUpload carries what AWS would return (null here).
    List<SdkHttpRequest> parts =
        httpRequests.stream()
            .filter(r -> r.firstMatchingRawQueryParameter("partNumber").isPresent())
            .toList();
    assertThat(parts)
        .hasSize(3)
        .allSatisfy(
            r ->
                assertThat(
                        r.firstMatchingHeader("x-amz-checksum-crc32c").isPresent()
                            || r.firstMatchingHeader("x-amz-trailer")
                                .orElse("")
                                .equals("x-amz-checksum-crc32c"))
                    .isTrue());
  }

  @ParameterizedTest
  @EnumSource(S3Checksum.class)
  void everyChecksumKindIsAccepted(S3Checksum checksum) throws IOException {
    sink.close();
    sink = open(server.options(bucket).prefix("repo").partSize(PART).checksum(checksum).build());
    TestData.Digest written = write("sum/" + checksum, PART + 1000L, 65536);
    assertThat(read("sum/" + checksum)).isEqualTo(written);
    TestData.Digest small = write("sum/small-" + checksum, 1000, 1000);
    assertThat(read("sum/small-" + checksum)).isEqualTo(small);
  }

  @Test
  void threeHundredMegabytesStreamWithBoundedBuffers() throws IOException {
    long size = 300L << 20;
    PendingWrite out = sink.openWrite("big/300m");
    String sha = TestData.write(out, size, 300, 1 << 20);
    out.commit();
    long peak = ((S3Write) out).peakBufferBytes();
    // parallelism 3: three parts in flight plus the one being filled, whatever the object size
    assertThat(peak).isLessThanOrEqualTo(4L * PART);
    assertThat(sent(UploadPartRequest.class)).hasSize(60);
    assertThat(read("big/300m")).isEqualTo(new TestData.Digest(sha, size));
    assertThat(sink.list("big/"))
        .singleElement()
        .satisfies(o -> assertThat(o.size()).isEqualTo(size));
    sink.delete("big/300m"); // the emulator's disk is shared by the whole run
  }

  @Test
  void failedMiddlePartLeavesNothing() throws IOException {
    failPart.set(2);
    PendingWrite out = sink.openWrite("fail/middle");
    assertThatThrownBy(
            () -> {
              TestData.write(out, 4L * PART, 7, 65536);
              out.commit();
            })
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("s3: UploadPart on 'fail/middle' in bucket '" + bucket + "' failed")
        .hasMessageContaining("injected failure of part 2");
    out.close();
    assertThat(sent(software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest.class))
        .hasSize(1);
    assertThat(openUploads()).isEmpty();
    assertThat(sink.list("fail/")).isEmpty();
    assertThatThrownBy(() -> sink.openRead("fail/middle"))
        .isInstanceOf(ObjectNotFoundException.class);
  }

  @Test
  void failedCompleteLeavesNothing() throws IOException {
    failComplete = true;
    PendingWrite out = sink.openWrite("fail/complete");
    TestData.write(out, 2L * PART + 1, 3, 65536);
    assertThatThrownBy(out::commit)
        .isInstanceOf(StorageException.class)
        .hasMessageContaining(
            "s3: CompleteMultipartUpload on 'fail/complete' in bucket '" + bucket + "' failed")
        .hasMessageContaining("injected failure of CompleteMultipartUpload");
    assertThat(openUploads()).isEmpty();
    assertThat(sink.list("fail/")).isEmpty();
  }

  @Test
  void anObjectReplacedDuringARangedReadFailsTheRead() throws IOException {
    write("restore/replaced", 10L << 20, 1 << 20);
    sink.close();
    sink = open(server.options(bucket).prefix("repo").rangeSize(1 << 20).parallelism(1).build());
    ReadableByteChannel in = sink.openRead("restore/replaced");
    // Ranges 0 and 1 are under way; every later one is asked for with If-Match on the first
    // response's ETag.
    server
        .admin()
        .putObject(
            r -> r.bucket(bucket).key("repo/restore/replaced"),
            software.amazon.awssdk.core.sync.RequestBody.fromBytes(TestData.bytes(10 << 20, 99)));
    assertThatThrownBy(() -> TestData.read(in, 1 << 16))
        .isInstanceOf(StorageException.class)
        .hasMessage(
            "s3: 'restore/replaced' in bucket '"
                + bucket
                + "' was replaced while it was being read (its"
                + " ETag changed); read it again");
    in.close();
  }

  @Test
  void aTransientPartFailureIsRetriedBySdk() throws IOException {
    resetPartOnce.set(2);
    TestData.Digest written = write("retry/part", 3L * PART, 65536);
    assertThat(partTwoAttempts.get()).as("attempts of part 2").isEqualTo(2);
    assertThat(read("retry/part")).isEqualTo(written);
    assertThat(openUploads()).isEmpty();
  }

  @Test
  void abortMidStreamLeavesNothing() throws IOException {
    PendingWrite out = sink.openWrite("cancel/me");
    TestData.write(out, 3L * PART + 5, 9, 65536);
    assertThat(openUploads()).hasSize(1);
    out.abort();
    out.abort(); // idempotent
    assertThat(openUploads()).isEmpty();
    assertThat(sink.list("cancel/")).isEmpty();
    assertThatThrownBy(() -> out.write(ByteBuffer.allocate(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("closed");
    assertThatThrownBy(out::commit).isInstanceOf(IllegalStateException.class).hasMessage("closed");
  }

  @Test
  void closeWithoutCommitAborts() throws IOException {
    try (PendingWrite out = sink.openWrite("cancel/closed")) {
      TestData.write(out, 2L * PART + 5, 11, 65536);
    }
    assertThat(openUploads()).isEmpty();
    assertThat(sink.list("cancel/")).isEmpty();
  }

  @Test
  void smallWriteNotCommittedIsInvisible() throws IOException {
    PendingWrite out = sink.openWrite("cancel/small");
    TestData.write(out, 100, 1, 100);
    assertThat(sink.list("cancel/")).isEmpty();
    out.close();
    assertThat(sent(PutObjectRequest.class)).isEmpty();
  }

  @Test
  void multipartObjectIsRestoredWithParallelRangedReads() throws IOException {
    long size = 10L * PART + 12345;
    TestData.Digest written = write("restore/multi", size, 1 << 20);
    requests.clear();
    sink.close();
    sink =
        open(
            server
                .options(bucket)
                .prefix("repo")
                .partSize(PART)
                .rangeSize(2 << 20)
                .parallelism(4)
                .build());
    for (int chunk : new int[] {1, 8192, 3 << 20}) {
      requests.clear();
      try (ReadableByteChannel in = sink.openRead("restore/multi")) {
        assertThat(chunk == 1 ? readByteByByte(in) : TestData.read(in, chunk)).isEqualTo(written);
      }
      List<GetObjectRequest> gets = sent(GetObjectRequest.class);
      // 26 ranges of 2 MiB: the first streamed, the rest fetched ahead, each pinned to the object's
      // ETag
      assertThat(gets).hasSize((int) ((size + (2 << 20) - 1) / (2 << 20)));
      assertThat(gets.get(0).range()).isEqualTo("bytes=0-2097151");
      assertThat(gets.subList(1, gets.size()))
          .allSatisfy(g -> assertThat(g.ifMatch()).isNotBlank());
      // fetched in parallel, so recorded in any order: sorted, the ranges tile the object exactly
      List<long[]> ranges =
          gets.stream()
              .map(g -> g.range().substring("bytes=".length()).split("-"))
              .map(r -> new long[] {Long.parseLong(r[0]), Long.parseLong(r[1])})
              .sorted(java.util.Comparator.comparingLong(r -> r[0]))
              .toList();
      long next = 0;
      for (long[] range : ranges) {
        assertThat(range[0]).isEqualTo(next);
        next = range[1] + 1;
      }
      assertThat(next).isEqualTo(size);
    }
  }

  private static TestData.Digest readByteByByte(ReadableByteChannel in) throws IOException {
    // One byte per read call for the first 100 KB (hostile reader), then larger reads to finish.
    java.security.MessageDigest sha;
    try {
      sha = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    ByteBuffer one = ByteBuffer.allocate(1);
    long total = 0;
    while (total < 100_000 && in.read(one) > 0) {
      one.flip();
      sha.update(one);
      one.clear();
      total++;
    }
    ByteBuffer big = ByteBuffer.allocateDirect(1 << 16);
    int n;
    while ((n = in.read(big)) >= 0) {
      big.flip();
      sha.update(big);
      big.clear();
      total += n;
    }
    return new TestData.Digest(java.util.HexFormat.of().formatHex(sha.digest()), total);
  }

  @Test
  void closingAReadHalfWayCancelsIt() throws IOException {
    write("restore/half", 6L * PART, 1 << 20);
    ReadableByteChannel in = sink.openRead("restore/half");
    in.read(ByteBuffer.allocate(1000));
    in.close();
    in.close();
    assertThat(in.isOpen()).isFalse();
    assertThatThrownBy(() -> in.read(ByteBuffer.allocate(1)))
        .isInstanceOf(java.nio.channels.ClosedChannelException.class);
  }

  @Test
  void largeObjectsAreCopiedPartByPart() throws IOException {
    sink.close();
    sink =
        open(
            server
                .options(bucket)
                .prefix("repo")
                .partSize(PART)
                .multipartCopy(6L << 20, PART)
                .build());
    TestData.Digest written = write("daily/x", 12L << 20, 1 << 20);
    sink.copy("daily/x", "weekly/x");
    assertThat(sent(UploadPartCopyRequest.class)).hasSize(3);
    assertThat(read("weekly/x")).isEqualTo(written);
    assertThat(openUploads()).isEmpty();
  }
}
