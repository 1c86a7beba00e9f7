package io.biowerk.dr.storage.s3;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.ObjectKeys;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkCapability;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.cloud.KeyPrefix;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.channels.ReadableByteChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.BucketLocationConstraint;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartCopyResponse;

/**
 * A repository in an S3 bucket, under a key prefix: object key {@code
 * postgres/daily/x.dump.zst.enc} is stored as {@code <prefix>/postgres/daily/x.dump.zst.enc}. Works
 * with AWS S3 and S3-compatible stores (MinIO, Ceph, S3Proxy) through an endpoint override and
 * path-style addressing.
 *
 * <p><b>Writes</b> stream with unknown length: bytes collect in a part buffer; an object that fits
 * one part goes up in one PutObject at commit, a larger one as a multipart upload with up to {@link
 * S3Options#parallelism()} parts in flight. Parts start at {@link S3Options#partSize()} and double
 * every 1,000 parts (up to 1 GiB), so the 10,000 parts S3 allows cover several TiB. Memory per
 * write: (parallelism + 1) x part size while parts have their first size (the first 8 GiB at the
 * defaults); once they grow, fewer are in flight, so the bytes in flight stay within parallelism x
 * the first part size, or one part when a part alone is larger, plus the part being filled. Every
 * part carries a checksum ({@link S3Options#checksum()}) the store verifies. {@code
 * CompleteMultipartUpload} is the commit; {@code AbortMultipartUpload} runs on abort, on close
 * without commit and on any failure, so nothing partial is ever visible and no upload is left open.
 *
 * <p><b>Reads</b> stream; an object larger than one range is fetched as byte ranges, several in
 * flight and handed over in order, each pinned to the object's ETag so a concurrent overwrite is
 * detected, with memory bounded by parallelism x range size. {@link #copy} happens inside the store
 * (CopyObject, or UploadPartCopy over 5 GiB). {@link #deleteAll} deletes in batches of 1,000.
 *
 * <p>Permissions: s3:ListBucket (checked when the sink opens), s3:GetObject, s3:PutObject,
 * s3:DeleteObject and s3:AbortMultipartUpload on the prefix, and kms:GenerateDataKey and
 * kms:Decrypt on the key for SSE-KMS. With object lock, a delete only hides an object (a delete
 * marker) until its retention ends.
 *
 * <p>The sink owns its {@link S3Client} and a thread pool for transfers; {@link #close()} releases
 * them. Thread-safe. Transient errors (throttling, 5xx, connection resets) are retried by the SDK's
 * standard retry mode; permanent ones become {@link StorageException}s with a {@link
 * StorageException.Reason}, the bucket and key, and what to check; a missing object is an {@link
 * ObjectNotFoundException}.
 */
public final class S3Sink implements Sink, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(S3Sink.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final S3Options options;
  // object names <-> sink keys under the repository prefix
  private final KeyPrefix names;
  private final S3Client client;
  private final ExecutorService executor;
  private final Clock clock;
  private final String where;
  private volatile boolean closed;

  private S3Sink(S3Options options, S3Client client, Clock clock, String where) {
    this.options = options;
    this.names = KeyPrefix.of(options.prefix());
    this.client = client;
    this.clock = clock;
    this.where = where;
    ThreadFactory threads =
        runnable -> {
          Thread t = new Thread(runnable, "biowerk-s3-" + THREADS.incrementAndGet());
          // Not daemon: whoever opened the sink closes it (Sink is Closeable), which stops these.
          return t;
        };
    this.executor = Executors.newCachedThreadPool(threads);
  }

  /**
   * Opens the repository: builds the client and checks that the bucket exists and can be listed
   * (creating it first when {@link S3Options#createBucket()} asks for it).
   *
   * @throws StorageException if the bucket does not exist, the credentials are wrong or missing,
   *     access is denied or the endpoint cannot be reached; the reason and message say which
   */
  public static S3Sink open(S3Options options) throws IOException {
    return open(options, builder -> {});
  }

  /**
   * Opens the repository with a hook to adjust the SDK client before it is built (interceptors,
   * metrics publishers, an HTTP proxy); the hook runs after this sink's own settings.
   *
   * @throws StorageException as {@link #open(S3Options)}
   */
  public static S3Sink open(S3Options options, Consumer<S3ClientBuilder> customizer)
      throws IOException {
    requireNonNull(options, "options");
    S3ClientBuilder builder = S3Client.builder();
    Region region = region(options);
    builder.region(region);
    options.endpoint().ifPresent(builder::endpointOverride);
    builder.forcePathStyle(options.pathStyle());
    if (options.checksum() == S3Checksum.MD5) {
      // Stores that need Content-MD5 predate flexible checksums and their aws-chunked trailers:
      // send none.
      builder.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED);
    }
    if (options.credentials().isPresent()) {
      builder.credentialsProvider(options.credentials().get());
    } else if (options.profile().isPresent()) {
      builder.credentialsProvider(ProfileCredentialsProvider.create(options.profile().get()));
    }
    builder.httpClientBuilder(
        Apache5HttpClient.builder()
            // Each stream holds up to parallelism connections (parts in flight or ranges read
            // ahead); leave room
            // for several concurrent streams (fan-out, restore while backing up).
            .maxConnections(Math.max(50, options.parallelism() * 8))
            .connectionTimeout(Duration.ofSeconds(10))
            .socketTimeout(Duration.ofMinutes(2)));
    // Standard mode: exponential backoff with jitter on throttling, 5xx and I/O errors, and a retry
    // quota so an
    // outage does not turn into a retry storm.
    customizer.accept(builder);
    // After the customizer, whose overrideConfiguration(Consumer) replaces the whole override
    // configuration: this sink's retry strategy stays unless the customizer chose its own.
    ClientOverrideConfiguration custom = builder.overrideConfiguration();
    if (custom.retryStrategy().isEmpty()) {
      builder.overrideConfiguration(
          custom.toBuilder()
              .retryStrategy(
                  AwsRetryStrategy.standardRetryStrategy().toBuilder()
                      .maxAttempts(options.maxAttempts())
                      .build())
              .build());
    }
    String where =
        options.endpoint().map(URI::toString).orElse("AWS S3") + " (region " + region + ")";
    S3Client client;
    try {
      client = builder.build();
    } catch (SdkException e) {
      throw S3Errors.translate(e, "CreateClient", options.bucket(), null, null, where);
    }
    S3Sink sink = new S3Sink(options, client, Clock.systemUTC(), where);
    try {
      sink.checkBucket();
    } catch (IOException | RuntimeException e) {
      sink.close();
      throw e;
    }
    return sink;
  }

  private static Region region(S3Options options) throws StorageException {
    if (options.region().isPresent()) {
      return Region.of(options.region().get());
    }
    try {
      return options.profile().isPresent()
          ? DefaultAwsRegionProviderChain.builder()
              .profileName(options.profile().get())
              .build()
              .getRegion()
          : new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkException e) {
      if (options.endpoint().isPresent()
          || System.getenv("AWS_ENDPOINT_URL_S3") != null
          || System.getenv("AWS_ENDPOINT_URL") != null) {
        // S3-compatible stores mostly ignore the region, but SigV4 needs one: us-east-1 is their
        // convention.
        return Region.US_EAST_1;
      }
      throw new StorageException(
          "s3: no AWS region is configured for bucket '"
              + options.bucket()
              + "'; add"
              + " ?region=eu-west-1 (the bucket's region) to the repository URI, or set AWS_REGION or a profile"
              + " region",
          "s3://" + options.bucket(),
          StorageException.Reason.OTHER,
          e);
    }
  }

  /**
   * Lists at most one key, which proves bucket, credentials, endpoint and s3:ListBucket in one
   * request.
   */
  private void checkBucket() throws IOException {
    try {
      try {
        client.listObjectsV2(
            r -> r.bucket(options.bucket()).prefix(objectKeyPrefix("")).maxKeys(1));
      } catch (NoSuchBucketException e) {
        if (!options.createBucket()) {
          throw e;
        }
        createBucket();
      }
    } catch (SdkException e) {
      throw S3Errors.translate(e, "ListObjectsV2", options.bucket(), null, null, where);
    }
  }

  private void createBucket() {
    CreateBucketRequest.Builder request = CreateBucketRequest.builder().bucket(options.bucket());
    String region = client.serviceClientConfiguration().region().id();
    if (!region.equals("us-east-1")) {
      request.createBucketConfiguration(
          c -> c.locationConstraint(BucketLocationConstraint.fromValue(region)));
    }
    if (options.objectLockMode().isPresent()) {
      request.objectLockEnabledForBucket(true);
    }
    LOG.info("s3: creating bucket {} in {} (create-bucket=true)", options.bucket(), where);
    client.createBucket(request.build());
  }

  /** The options this sink was opened with. */
  public S3Options options() {
    return options;
  }

  /** The SDK client, for operations this sink does not offer (lifecycle rules, bucket policies). */
  public S3Client client() {
    return client;
  }

  /** The S3 key an object key is stored under. */
  public String objectKey(String key) {
    return names.name(key);
  }

  private String objectKeyPrefix(String keyPrefix) {
    return names.namePrefix(keyPrefix);
  }

  @Override
  public PendingWrite openWrite(String key) throws IOException {
    checkOpen();
    return new S3Write(this, key, objectKey(key));
  }

  @Override
  public ReadableByteChannel openRead(String key) throws IOException {
    checkOpen();
    return S3ReadChannel.open(this, key, objectKey(key));
  }

  @Override
  public List<StoredObject> list(String prefix) throws IOException {
    checkOpen();
    requireNonNull(prefix, "prefix");
    ObjectKeys.checkPrefix(prefix);
    String full = objectKeyPrefix(prefix);
    List<StoredObject> objects = new ArrayList<>();
    try {
      // The paginator follows continuation tokens: 1,000 keys per page. Folder markers made by
      // consoles are not objects.
      for (S3Object o :
          client.listObjectsV2Paginator(r -> r.bucket(options.bucket()).prefix(full)).contents()) {
        names
            .key(o.key())
            .ifPresent(key -> objects.add(new StoredObject(key, o.size(), o.lastModified())));
      }
    } catch (SdkException e) {
      throw S3Errors.translate(e, "ListObjectsV2", options.bucket(), null, null, where);
    }
    objects.sort(Comparator.comparing(StoredObject::key));
    return objects;
  }

  /**
   * Creates the object only if the key is free, with a conditional PUT ({@code If-None-Match: *}):
   * S3 answers 412 when an object exists, and 409 when another conditional write to the key is in
   * progress, so exactly one of several racing writers wins.
   */
  @Override
  public boolean putIfAbsent(String key, byte[] bytes) throws IOException {
    checkOpen();
    String objectKey = objectKey(key);
    PutObjectRequest request = putRequest(objectKey, bytes, bytes.length).ifNoneMatch("*").build();
    try {
      client.putObject(request, RequestBody.fromBytes(bytes));
      return true;
    } catch (S3Exception e) {
      if (e.statusCode() == 412 || e.statusCode() == 409) {
        return false;
      }
      throw translate(e, "PutObject (If-None-Match)", key, objectKey);
    } catch (SdkException e) {
      throw translate(e, "PutObject (If-None-Match)", key, objectKey);
    }
  }

  @Override
  public void delete(String key) throws IOException {
    checkOpen();
    String objectKey = objectKey(key);
    try {
      client.deleteObject(r -> r.bucket(options.bucket()).key(objectKey));
    } catch (SdkException e) {
      throw translate(e, "DeleteObject", key, objectKey);
    }
  }

  /**
   * Deletes many objects with DeleteObjects, 1,000 keys per request; missing objects are ignored.
   *
   * @throws StorageException if any key could not be deleted; the message lists the first few with
   *     S3's reason
   */
  public void deleteAll(Collection<String> keys) throws IOException {
    checkOpen();
    List<String> all = new ArrayList<>(keys);
    List<String> failures = new ArrayList<>();
    int failed = 0;
    boolean allHeld = true;
    for (int from = 0; from < all.size(); from += 1000) {
      List<ObjectIdentifier> batch = new ArrayList<>();
      for (String key : all.subList(from, Math.min(all.size(), from + 1000))) {
        batch.add(ObjectIdentifier.builder().key(objectKey(key)).build());
      }
      DeleteObjectsResponse response;
      try {
        response =
            client.deleteObjects(
                r ->
                    r.bucket(options.bucket())
                        .checksumAlgorithm(options.checksum().algorithm())
                        .delete(d -> d.objects(batch).quiet(true)));
      } catch (SdkException e) {
        throw S3Errors.translate(e, "DeleteObjects", options.bucket(), null, null, where);
      }
      for (S3Error error : response.errors()) {
        failed++;
        allHeld &= S3Errors.isObjectLock(String.valueOf(error.code()), 0, error.message());
        if (failures.size() < 5) {
          failures.add(error.key() + " (" + error.code() + ": " + error.message() + ")");
        }
      }
    }
    if (failed > 0) {
      throw new StorageException(
          "s3: "
              + failed
              + " of "
              + all.size()
              + " objects in bucket '"
              + options.bucket()
              + "' could not be deleted: "
              + String.join(", ", failures)
              + (failed > failures.size() ? ", ..." : "")
              + (allHeld
                  ? "; object lock holds them until their retention dates pass or their legal holds"
                      + " are removed; they were left in place"
                  : "; check s3:DeleteObject permission and object lock retention"),
          "s3://" + options.bucket(),
          allHeld ? StorageException.Reason.IMMUTABLE : StorageException.Reason.OTHER,
          null);
    }
  }

  /**
   * Copies inside the store: CopyObject, or a multipart UploadPartCopy for objects over 5 GiB. The
   * copy gets this sink's storage class, encryption and object lock, so promotion into
   * weekly/monthly folders can also move data to a colder class.
   */
  @Override
  public void copy(String from, String to) throws IOException {
    checkOpen();
    String source = objectKey(from);
    String target = objectKey(to);
    HeadObjectResponse head = head(from, source);
    if (source.equals(target)) {
      return; // S3 refuses a self-copy that changes nothing, and there is nothing to do
    }
    long size = head.contentLength();
    try {
      if (size <= options.multipartCopyThreshold()) {
        CopyObjectRequest.Builder request =
            CopyObjectRequest.builder()
                .sourceBucket(options.bucket())
                .sourceKey(source)
                .destinationBucket(options.bucket())
                .destinationKey(target)
                .copySourceIfMatch(head.eTag())
                .metadataDirective(MetadataDirective.COPY)
                .storageClass(options.storageClass());
        options.sse().ifPresent(request::serverSideEncryption);
        options.kmsKeyId().ifPresent(request::ssekmsKeyId);
        if (options.objectLockMode().isPresent()) {
          request
              .objectLockMode(options.objectLockMode().get())
              .objectLockRetainUntilDate(retainUntil());
        }
        if (options.checksum().algorithm() != null) {
          request.checksumAlgorithm(options.checksum().algorithm());
        }
        client.copyObject(request.build());
      } else {
        multipartCopy(head, source, target, to);
      }
    } catch (SdkException e) {
      throw translate(e, "CopyObject", to, target);
    }
  }

  private void multipartCopy(HeadObjectResponse head, String source, String target, String to)
      throws IOException {
    long size = head.contentLength();
    long partSize =
        Math.max(options.copyPartSize(), (size + S3Options.MAX_PARTS - 1) / S3Options.MAX_PARTS);
    String uploadId = client.createMultipartUpload(createMultipartRequest(target)).uploadId();
    List<Future<UploadPartCopyResponse>> parts = new ArrayList<>();
    try {
      Semaphore inFlight = new Semaphore(options.parallelism());
      int number = 0;
      for (long offset = 0; offset < size; offset += partSize) {
        int partNumber = ++number;
        String range = "bytes=" + offset + "-" + (Math.min(size, offset + partSize) - 1);
        inFlight.acquire();
        parts.add(
            executor.submit(
                () -> {
                  try {
                    return client.uploadPartCopy(
                        r ->
                            r.sourceBucket(options.bucket())
                                .sourceKey(source)
                                .destinationBucket(options.bucket())
                                .destinationKey(target)
                                .uploadId(uploadId)
                                .partNumber(partNumber)
                                .copySourceRange(range)
                                .copySourceIfMatch(head.eTag()));
                  } finally {
                    inFlight.release();
                  }
                }));
      }
      List<CompletedPart> completed = new ArrayList<>();
      for (int i = 0; i < parts.size(); i++) {
        var result = parts.get(i).get().copyPartResult();
        completed.add(
            CompletedPart.builder()
                .partNumber(i + 1)
                .eTag(result.eTag())
                .checksumCRC32C(result.checksumCRC32C())
                .checksumCRC32(result.checksumCRC32())
                .checksumSHA256(result.checksumSHA256())
                .checksumSHA1(result.checksumSHA1())
                .build());
      }
      client.completeMultipartUpload(
          CompleteMultipartUploadRequest.builder()
              .bucket(options.bucket())
              .key(target)
              .uploadId(uploadId)
              .multipartUpload(m -> m.parts(completed))
              .build());
    } catch (InterruptedException e) {
      parts.forEach(f -> f.cancel(true));
      abortUpload(target, uploadId);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(
          "s3: copy to '" + to + "' was interrupted; nothing was written");
    } catch (ExecutionException e) {
      parts.forEach(f -> f.cancel(true));
      abortUpload(target, uploadId);
      throw e.getCause() instanceof SdkException sdk
          ? translate(sdk, "UploadPartCopy", to, target)
          : new IOException("s3: copy to '" + to + "' failed: " + e.getCause(), e.getCause());
    } catch (RuntimeException e) {
      parts.forEach(f -> f.cancel(true));
      abortUpload(target, uploadId);
      throw e;
    }
  }

  /**
   * The size, ETag and storage attributes of an object.
   *
   * @throws ObjectNotFoundException if there is none
   */
  public HeadObjectResponse head(String key) throws IOException {
    checkOpen();
    return head(key, objectKey(key));
  }

  private HeadObjectResponse head(String key, String objectKey) throws IOException {
    try {
      return client.headObject(r -> r.bucket(options.bucket()).key(objectKey));
    } catch (SdkException e) {
      throw translate(e, "HeadObject", key, objectKey);
    }
  }

  @Override
  public Set<SinkCapability> capabilities() {
    EnumSet<SinkCapability> capabilities =
        EnumSet.of(
            SinkCapability.SERVER_SIDE_COPY,
            SinkCapability.STORAGE_CLASS,
            SinkCapability.SERVER_SIDE_ENCRYPTION,
            SinkCapability.RANGED_READ,
            SinkCapability.ATOMIC_PUT_IF_ABSENT);
    if (options.objectLockMode().isPresent()) {
      capabilities.add(SinkCapability.IMMUTABILITY);
    }
    return Collections.unmodifiableSet(capabilities);
  }

  /** Releases the client's connections and the transfer threads. Idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      executor.shutdownNow();
      client.close();
    }
  }

  @Override
  public String toString() {
    return options.toString();
  }

  // ---- shared with S3Write and S3ReadChannel ----

  S3Client s3() {
    return client;
  }

  ExecutorService executor() {
    return executor;
  }

  IOException translate(SdkException e, String operation, String key, String objectKey) {
    return S3Errors.translate(e, operation, options.bucket(), key, objectKey, where);
  }

  Instant retainUntil() {
    return clock.instant().plus(options.objectLockPeriod().orElseThrow());
  }

  /**
   * A single-request upload of {@code data[0, length)} to {@code objectKey}, with the sink's
   * storage class, encryption, object lock and checksum: the configured checksum algorithm, else
   * Content-MD5.
   */
  PutObjectRequest.Builder putRequest(String objectKey, byte[] data, int length) {
    PutObjectRequest.Builder request =
        PutObjectRequest.builder()
            .bucket(options.bucket())
            .key(objectKey)
            .storageClass(options.storageClass())
            .contentLength((long) length);
    options.sse().ifPresent(request::serverSideEncryption);
    options.kmsKeyId().ifPresent(request::ssekmsKeyId);
    if (options.objectLockMode().isPresent()) {
      request
          .objectLockMode(options.objectLockMode().get())
          .objectLockRetainUntilDate(retainUntil());
    }
    if (options.checksum().algorithm() != null) {
      request.checksumAlgorithm(options.checksum().algorithm());
    } else {
      request.contentMD5(S3Write.md5(data, length));
    }
    return request;
  }

  CreateMultipartUploadRequest createMultipartRequest(String objectKey) {
    CreateMultipartUploadRequest.Builder request =
        CreateMultipartUploadRequest.builder()
            .bucket(options.bucket())
            .key(objectKey)
            .storageClass(options.storageClass());
    options.sse().ifPresent(request::serverSideEncryption);
    options.kmsKeyId().ifPresent(request::ssekmsKeyId);
    if (options.objectLockMode().isPresent()) {
      request
          .objectLockMode(options.objectLockMode().get())
          .objectLockRetainUntilDate(retainUntil());
    }
    if (options.checksum().algorithm() != null) {
      request.checksumAlgorithm(options.checksum().algorithm());
    }
    return request.build();
  }

  /** Aborts a multipart upload; failures are logged, as an abort must not throw. */
  void abortUpload(String objectKey, String uploadId) {
    try {
      client.abortMultipartUpload(
          AbortMultipartUploadRequest.builder()
              .bucket(options.bucket())
              .key(objectKey)
              .uploadId(uploadId)
              .build());
    } catch (SdkException e) {
      LOG.warn(
          "s3: cannot abort multipart upload {} of s3://{}/{}; a lifecycle rule for incomplete uploads"
              + " (S3LifecycleRules) cleans it up: {}",
          uploadId,
          options.bucket(),
          objectKey,
          e.toString());
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
  }
}
