package io.biowerk.dr.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.testkit.HeldBackupPrune;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Failures S3Proxy cannot produce, injected around the real requests by an SDK execution
 * interceptor ({@link FaultInjection}, the approach of {@code S3MultipartIT}): an object the store
 * holds under object lock when retention wants to delete it, throttling (503 SlowDown) retried with
 * backoff and then a clear error, and a connection that keeps dropping in the middle of a multipart
 * upload. Everything else is S3Proxy's real behaviour.
 */
@ExtendWith(S3ProxyExtension.class)
class S3FailuresIT {

  private static final int PART = S3Options.MIN_PART_SIZE;

  private final S3ProxyServer server;
  private final FaultInjection faults = new FaultInjection();
  private String bucket;
  private S3Sink sink;

  S3FailuresIT(S3ProxyServer server) {
    this.server = server;
  }

  @BeforeEach
  void open() throws IOException {
    bucket = server.newBucket("failures");
    sink =
        S3Sink.open(
            server.options(bucket).prefix("repo").partSize(PART).parallelism(2).build(),
            b -> b.overrideConfiguration(o -> o.addExecutionInterceptor(faults)));
  }

  @AfterEach
  void close() {
    sink.close();
  }

  /**
   * Fault injection for the S3 client (a stand-in for what S3Proxy cannot do): answers DeleteObject
   * of held keys as S3 answers a locked object version (403 AccessDenied naming object lock),
   * answers chosen requests with 503 SlowDown (the request is sent to a bucket that does not exist,
   * so S3Proxy stores nothing, and the answer is replaced), and drops the connection of every
   * attempt of one part number.
   */
  static final class FaultInjection implements ExecutionInterceptor {
    private static final ExecutionAttribute<Boolean> THROTTLED =
        new ExecutionAttribute<>("biowerk-throttled");
    private static final byte[] SLOW_DOWN =
        ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please"
                + " reduce your request rate.</Message><RequestId>INJECTED</RequestId></Error>")
            .getBytes(StandardCharsets.UTF_8);

    final AtomicReference<String> heldKeysContaining = new AtomicReference<>();
    final AtomicInteger throttleFirstAttempts = new AtomicInteger();
    volatile boolean throttleEveryAttempt;
    final AtomicInteger dropEveryAttemptOfPart = new AtomicInteger(-1);
    final List<Long> transmissions = new CopyOnWriteArrayList<>();
    final List<SdkRequest> requests = new CopyOnWriteArrayList<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
      requests.add(context.request());
      String held = heldKeysContaining.get();
      if (held != null
          && context.request() instanceof DeleteObjectRequest delete
          && delete.key().contains(held)) {
        throw S3Exception.builder()
            .statusCode(403)
            .requestId("INJECTED")
            .awsErrorDetails(
                AwsErrorDetails.builder()
                    .errorCode("AccessDenied")
                    .errorMessage("Access Denied because object protected by object lock.")
                    .serviceName("S3")
                    .build())
            .build();
      }
    }

    @Override
    public SdkHttpRequest modifyHttpRequest(
        Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
      // Once per request (not per attempt): a request throttled on every attempt must store
      // nothing, so it goes to a bucket that does not exist and only its answer is replaced.
      if (throttleEveryAttempt && context.request() instanceof PutObjectRequest) {
        return context.httpRequest().toBuilder().encodedPath("/biowerk-no-such-bucket/x").build();
      }
      return context.httpRequest();
    }

    @Override
    public void beforeTransmission(
        Context.BeforeTransmission context, ExecutionAttributes attributes) {
      if (context.request() instanceof PutObjectRequest) {
        transmissions.add(System.nanoTime());
        attributes.putAttribute(
            THROTTLED,
            throttleEveryAttempt
                || throttleFirstAttempts.getAndUpdate(n -> Math.max(0, n - 1)) > 0);
      }
      String part = context.httpRequest().firstMatchingRawQueryParameter("partNumber").orElse("");
      if (part.equals(String.valueOf(dropEveryAttemptOfPart.get()))) {
        throw SdkClientException.builder()
            .message("injected connection reset")
            .cause(new java.net.SocketException("Connection reset"))
            .build();
      }
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(
        Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
      if (!Boolean.TRUE.equals(attributes.getAttribute(THROTTLED))) {
        return context.httpResponse();
      }
      return context.httpResponse().toBuilder()
          .statusCode(503)
          .statusText("Slow Down")
          .putHeader("Content-Length", String.valueOf(SLOW_DOWN.length))
          .putHeader("Content-Type", "application/xml")
          .build();
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(
        Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
      if (!Boolean.TRUE.equals(attributes.getAttribute(THROTTLED))) {
        return context.responseBody();
      }
      return Optional.of(new ByteArrayInputStream(SLOW_DOWN));
    }

    <T> List<T> sent(Class<T> type) {
      return requests.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  @Test
  void anObjectUnderObjectLockIsReportedAsHeldByPruneWhileTheRestIsPruned() throws Exception {
    HeldBackupPrune.run(
        sink,
        new HeldBackupPrune.Holds() {
          @Override
          public void hold(BackupManifest held) {
            faults.heldKeysContaining.set(held.id());
            // A delete of a held object on its own: the store's refusal, named and explained.
            assertThatThrownBy(() -> sink.delete(held.manifestKey()))
                .isInstanceOfSatisfying(
                    StorageException.class,
                    e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.IMMUTABLE))
                .hasMessageStartingWith(
                    "s3: '"
                        + held.manifestKey()
                        + "' in bucket '"
                        + bucket
                        + "' is held (AccessDenied")
                .hasMessageContaining("object lock retention date passes")
                .hasMessageContaining("put-object-legal-hold --bucket " + bucket)
                .hasMessageContaining("it was left in place");
          }

          @Override
          public void release(BackupManifest held) {
            faults.heldKeysContaining.set(null); // the lock has expired: the next prune removes it
          }
        },
        "in bucket '" + bucket + "' is held");
  }

  @Test
  void objectLockRefusalsAreToldApartFromOtherRefusals() {
    // DeleteObjects reports per key; the store's per-key answer for a locked version is
    // AccessDenied naming object lock. S3Proxy answers every key as deleted, so the per-key
    // classification is checked on its own.
    assertThat(
            S3Errors.isObjectLock(
                "AccessDenied", 0, "Access Denied because object protected by object lock."))
        .isTrue();
    assertThat(S3Errors.isObjectLock("ObjectLocked", 400, "Object is WORM protected")).isTrue();
    assertThat(S3Errors.isObjectLock("AccessDenied", 403, "Access Denied")).isFalse();
    assertThat(S3Errors.isObjectLock("InternalError", 500, "retention")).isFalse();
  }

  @Test
  void throttlingIsRetriedWithBackoffAndTheWriteCompletes() throws Exception {
    faults.throttleFirstAttempts.set(2); // the store says SlowDown twice, then accepts
    sink.put("pg/daily/throttled.dump", new byte[] {7, 8, 9});
    assertThat(faults.transmissions).as("attempts: two throttled, one accepted").hasSize(3);
    assertThat(sink.get("pg/daily/throttled.dump")).containsExactly(7, 8, 9);
  }

  @Test
  void throttlingThatDoesNotStopIsAClearErrorAndNothingIsStored() throws Exception {
    faults.throttleEveryAttempt = true;
    assertThatThrownBy(() -> sink.put("pg/daily/never.dump", new byte[] {1}))
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.OTHER))
        .hasMessageStartingWith(
            "s3: PutObject on 'pg/daily/never.dump' in bucket '"
                + bucket
                + "' failed (SlowDown (HTTP 503): Please reduce your request rate.")
        .hasMessageContaining("the store failed or is throttling; run it again later");
    assertThat(faults.transmissions).as("the SDK's standard retry mode: 3 attempts").hasSize(3);
    assertThat(sink.list("pg/")).isEmpty();
  }

  @Test
  void aConnectionThatKeepsDroppingMidUploadFailsClearlyAndLeavesNothingVisible() throws Exception {
    // three attempts of part 2 each lose the connection (the SDK retries a reset connection)
    faults.dropEveryAttemptOfPart.set(2);
    PendingWrite out = sink.openWrite("pg/daily/dropped.dump");
    assertThatThrownBy(
            () -> {
              TestData.write(out, 4L * PART, 5, 65536);
              out.commit();
            })
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.UNREACHABLE))
        .hasMessageStartingWith("s3: the connection to " + server.endpoint())
        .hasMessageContaining(
            "dropped during UploadPart on 'pg/daily/dropped.dump' in bucket '"
                + bucket
                + "' (SocketException: Connection reset)")
        .hasMessageContaining("check the network and any proxy, then run it again");
    out.close();
    assertThat(faults.sent(AbortMultipartUploadRequest.class)).hasSize(1);
    assertThat(server.admin().listMultipartUploads(r -> r.bucket(bucket)).uploads()).isEmpty();
    assertThat(sink.list("pg/")).isEmpty();
    assertThatThrownBy(() -> sink.openRead("pg/daily/dropped.dump"))
        .isInstanceOf(ObjectNotFoundException.class);
  }
}
