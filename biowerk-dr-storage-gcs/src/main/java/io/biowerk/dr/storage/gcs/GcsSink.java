package io.biowerk.dr.storage.gcs;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.api.gax.retrying.RetrySettings;
import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.HttpStorageOptions;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageClass;
import com.google.cloud.storage.StorageOptions;
import com.google.cloud.storage.StorageRetryStrategy;
import io.biowerk.dr.core.ObjectKeys;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkCapability;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.cloud.KeyPrefix;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A repository in a Google Cloud Storage bucket, under an object name prefix: key {@code
 * postgres/daily/x.dump.zst.enc} is stored as {@code <prefix>/postgres/daily/x.dump.zst.enc}. Works
 * with Cloud Storage and with emulators and test servers of its JSON API through the endpoint
 * option.
 *
 * <p><b>Writes</b> are resumable uploads through the client's {@link
 * com.google.cloud.WriteChannel}: the session starts when the write opens (so a missing bucket or a
 * refused permission shows at once), bytes collect in one chunk buffer of {@link
 * GcsOptions#chunkSize()} and go up a chunk at a time; only the final request, sent on commit,
 * makes the object visible. Memory per write is one chunk. A CRC32C of the bytes is computed as
 * they pass and compared with the CRC32C Cloud Storage reports for the finished object; on a
 * mismatch the object is deleted again and the commit fails with an {@link
 * io.biowerk.dr.core.IntegrityException}. Abort, close without commit and every failure cancel the
 * session (a DELETE of the session URI), so nothing is visible; a session that cannot be cancelled
 * expires on its own after a week, still invisible.
 *
 * <p><b>Reads</b> pin the generation seen when the read opens, so a concurrent overwrite is
 * detected rather than mixed in. Objects larger than two ranges are read as {@link
 * GcsOptions#parallelism()} ranges in flight, handed over in order (memory: parallelism x range
 * size). The bytes read are checked against the object's CRC32C at the end. {@link #putIfAbsent} is
 * a single conditional create ({@code ifGenerationMatch=0}), atomic. {@link #copy} is a server-side
 * rewrite that gives the copy this sink's storage class for its tier.
 *
 * <p>Credentials are Application Default Credentials, found by the client; none are held or printed
 * by this class. Transient failures (429, 5xx, dropped connections) are retried by the client up to
 * {@link GcsOptions#maxAttempts()} times with exponential backoff; what remains becomes a {@link
 * io.biowerk.dr.core.StorageException} naming bucket, object and what to do, or an {@link
 * ObjectNotFoundException}.
 *
 * <p>The sink owns its {@link Storage} client and a thread pool for ranged reads; {@link #close()}
 * releases them. Thread-safe.
 */
public final class GcsSink implements Sink, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GcsSink.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final GcsOptions options;
  // object names <-> sink keys under the repository prefix
  private final KeyPrefix names;
  private final Storage storage;
  private final ExecutorService executor;
  private final String where;
  private volatile boolean closed;

  private GcsSink(GcsOptions options, Storage storage) {
    this.options = options;
    this.names = KeyPrefix.of(options.prefix());
    this.storage = storage;
    this.where = options.endpoint().map(Object::toString).orElse(storage.getOptions().getHost());
    ThreadFactory threads =
        runnable -> {
          Thread t = new Thread(runnable, "biowerk-gcs-" + THREADS.incrementAndGet());
          // Daemon: range readers only ever serve a read channel, whose close cancels them.
          t.setDaemon(true);
          return t;
        };
    this.executor = Executors.newCachedThreadPool(threads);
  }

  /**
   * Opens the repository: builds the client (Application Default Credentials, or none with {@code
   * credentials=none}) and checks that the bucket exists and its objects can be listed.
   *
   * @throws io.biowerk.dr.core.StorageException if the bucket does not exist, the credentials are
   *     rejected, listing is denied or the service cannot be reached; the reason and message say
   *     which
   */
  public static GcsSink open(GcsOptions options) throws IOException {
    requireNonNull(options, "options");
    return open(options, client(options));
  }

  /**
   * Opens the repository on a client made elsewhere (a client with custom transport settings, or a
   * fake such as google-cloud-nio's {@code LocalStorageHelper}); the sink takes ownership and
   * closes it.
   *
   * @throws io.biowerk.dr.core.StorageException as {@link #open(GcsOptions)}
   */
  public static GcsSink open(GcsOptions options, Storage storage) throws IOException {
    requireNonNull(options, "options");
    requireNonNull(storage, "storage");
    GcsSink sink = new GcsSink(options, storage);
    try {
      sink.checkBucket();
    } catch (IOException | RuntimeException e) {
      sink.close();
      throw e;
    }
    return sink;
  }

  /**
   * The client {@link #open(GcsOptions)} builds: JSON API over HTTP, the sink's endpoint, retries.
   */
  static Storage client(GcsOptions options) {
    HttpStorageOptions.Builder builder = StorageOptions.http();
    options.endpoint().ifPresent(e -> builder.setHost(e.toString().replaceAll("/+$", "")));
    if (options.anonymous()) {
      // No Application Default Credentials lookup, and a fixed project, so nothing probes a
      // metadata server.
      builder.setCredentials(NoCredentials.getInstance());
      builder.setProjectId(options.project().orElse("biowerk-dr-emulator"));
    } else {
      options.project().ifPresent(builder::setProjectId);
    }
    Duration initial = options.initialRetryDelay();
    Duration max = initial.isZero() ? Duration.ofMillis(1) : initial.multipliedBy(32);
    RetrySettings retry =
        StorageOptions.getDefaultRetrySettings().toBuilder()
            .setMaxAttempts(options.maxAttempts())
            .setInitialRetryDelayDuration(initial.isZero() ? Duration.ofMillis(1) : initial)
            .setMaxRetryDelayDuration(
                max.compareTo(Duration.ofSeconds(32)) > 0 ? max : Duration.ofSeconds(32))
            .build();
    builder.setRetrySettings(retry);
    // Every request of this sink is safe to repeat (deletes of a missing object and rewrites to the
    // same bytes
    // change nothing), so retry them all, not only those the client can prove idempotent.
    builder.setStorageRetryStrategy(StorageRetryStrategy.getUniformStorageRetryStrategy());
    return builder.build().getService();
  }

  /**
   * Lists at most one object, which proves bucket, credentials, endpoint and storage.objects.list
   * at once.
   */
  private void checkBucket() throws IOException {
    try {
      var unused =
          storage
              .list(
                  options.bucket(),
                  Storage.BlobListOption.prefix(name("")),
                  Storage.BlobListOption.pageSize(1))
              .getValues();
    } catch (RuntimeException e) {
      throw translate(e, "list objects", "storage.objects.list", null, null);
    }
  }

  /** The options this sink was opened with. */
  public GcsOptions options() {
    return options;
  }

  /** The client, for operations this sink does not offer (bucket settings, IAM). */
  public Storage storage() {
    return storage;
  }

  /** The object name a key is stored under. */
  public String objectName(String key) {
    return name(checkKey(key));
  }

  private String name(String keyPrefix) {
    return names.namePrefix(keyPrefix);
  }

  @Override
  public PendingWrite openWrite(String key) throws IOException {
    checkOpen();
    return new GcsWrite(this, key, objectName(key));
  }

  @Override
  public ReadableByteChannel openRead(String key) throws IOException {
    checkOpen();
    String name = objectName(key);
    Blob blob = head(key, name);
    return GcsReadChannel.open(this, key, blob);
  }

  @Override
  public List<StoredObject> list(String prefix) throws IOException {
    checkOpen();
    requireNonNull(prefix, "prefix");
    checkPrefix(prefix);
    String full = name(prefix);
    List<StoredObject> objects = new ArrayList<>();
    try {
      // iterateAll follows page tokens (1,000 names per page).
      for (Blob blob :
          storage.list(options.bucket(), Storage.BlobListOption.prefix(full)).iterateAll()) {
        Optional<String> key = names.key(blob.getName());
        if (key.isEmpty()) {
          continue; // folder placeholders made by consoles are not objects
        }
        objects.add(
            new StoredObject(
                key.get(), blob.getSize() == null ? 0 : blob.getSize(), modified(blob)));
      }
    } catch (RuntimeException e) {
      throw translate(e, "list objects", "storage.objects.list", null, null);
    }
    objects.sort(Comparator.comparing(StoredObject::key));
    return objects;
  }

  private static Instant modified(BlobInfo blob) {
    OffsetDateTime t = blob.getUpdateTimeOffsetDateTime();
    if (t == null) {
      t = blob.getCreateTimeOffsetDateTime();
    }
    return t == null ? Instant.EPOCH : t.toInstant();
  }

  /**
   * Creates the object only if the name is free, in one request with {@code ifGenerationMatch=0}:
   * Cloud Storage answers 412 when an object exists, so exactly one of several racing writers wins.
   */
  @Override
  public boolean putIfAbsent(String key, byte[] bytes) throws IOException {
    checkOpen();
    requireNonNull(bytes, "bytes");
    String name = objectName(key);
    try {
      storage.create(
          blobInfo(key, name),
          bytes,
          Storage.BlobTargetOption.doesNotExist(),
          Storage.BlobTargetOption.disableGzipContent());
      return true;
    } catch (com.google.cloud.storage.StorageException e) {
      if (e.getCode() == 412) {
        return false;
      }
      throw translate(e, "create (ifGenerationMatch=0)", "storage.objects.create", key, name);
    } catch (RuntimeException e) {
      throw translate(e, "create (ifGenerationMatch=0)", "storage.objects.create", key, name);
    }
  }

  /**
   * Deletes the object; a missing one is nothing to do.
   *
   * @throws io.biowerk.dr.core.StorageException with reason {@code IMMUTABLE} if a hold or the
   *     bucket's retention policy keeps the object; the message says it is held and how to release
   *     it
   */
  @Override
  public void delete(String key) throws IOException {
    checkOpen();
    String name = objectName(key);
    try {
      storage.delete(BlobId.of(options.bucket(), name));
    } catch (RuntimeException e) {
      throw translate(e, "delete", "storage.objects.delete", key, name);
    }
  }

  /**
   * Copies inside the service (a rewrite, as many calls as Cloud Storage needs for a large object),
   * pinned to the source generation seen first. The copy gets this sink's storage class for the
   * target's tier, so promotion into weekly or monthly folders can also move data to a colder
   * class.
   */
  @Override
  public void copy(String from, String to) throws IOException {
    checkOpen();
    String source = objectName(from);
    String target = objectName(to);
    Blob head = head(from, source);
    if (source.equals(target)) {
      return;
    }
    try {
      Storage.CopyRequest request =
          Storage.CopyRequest.newBuilder()
              .setSource(BlobId.of(options.bucket(), source, head.getGeneration()))
              .setTarget(blobInfo(to, target))
              .build();
      Blob copied = storage.copy(request).getResult();
      if (options.verifyCrc32c()
          && head.getCrc32c() != null
          && copied.getCrc32c() != null
          && !head.getCrc32c().equals(copied.getCrc32c())) {
        throw new io.biowerk.dr.core.IntegrityException(
            "gcs: the copy of '"
                + from
                + "' to '"
                + to
                + "' in bucket '"
                + options.bucket()
                + "' has CRC32C "
                + copied.getCrc32c()
                + ", the source "
                + head.getCrc32c()
                + "; delete the copy and run it again",
            null,
            head.getCrc32c(),
            copied.getCrc32c());
      }
    } catch (RuntimeException e) {
      throw translate(
          e,
          "rewrite to '" + target + "'",
          "storage.objects.create and storage.objects.get",
          from,
          source);
    }
  }

  /**
   * The metadata of an object: size, generation, CRC32C, storage class, holds.
   *
   * @throws ObjectNotFoundException if there is none
   */
  public Blob head(String key) throws IOException {
    checkOpen();
    return head(key, objectName(key));
  }

  private Blob head(String key, String name) throws IOException {
    Blob blob;
    try {
      blob = storage.get(BlobId.of(options.bucket(), name));
    } catch (RuntimeException e) {
      throw translate(e, "get metadata", "storage.objects.get", key, name);
    }
    if (blob == null) {
      throw new ObjectNotFoundException(
          "gcs: no object '"
              + key
              + "' in bucket '"
              + options.bucket()
              + "' (gs://"
              + options.bucket()
              + "/"
              + name
              + ")",
          key);
    }
    return blob;
  }

  /**
   * Releases the temporary and event-based holds of an object, so retention can delete it (an
   * event-based hold's release starts the bucket's retention period).
   *
   * @throws IOException if the object is missing or the holds cannot be changed
   *     (storage.objects.update)
   */
  public void releaseHolds(String key) throws IOException {
    checkOpen();
    String name = objectName(key);
    Blob blob = head(key, name);
    try {
      storage.update(blob.toBuilder().setTemporaryHold(false).setEventBasedHold(false).build());
    } catch (RuntimeException e) {
      throw translate(e, "release holds", "storage.objects.update", key, name);
    }
  }

  /**
   * Sets the bucket's retention policy: no object can be deleted or replaced until it is {@code
   * period} old (0 removes an unlocked policy). Locking the policy, which makes it permanent, is
   * left to the operator ({@code gcloud storage buckets update --lock-retention-period}): it cannot
   * be undone.
   *
   * @throws IOException if the service refuses (storage.buckets.update is needed)
   */
  public void setBucketRetention(Duration period) throws IOException {
    checkOpen();
    requireNonNull(period, "period");
    checkArgument(!period.isNegative(), "gcs: retention period (%s) may not be negative", period);
    try {
      storage.update(
          com.google.cloud.storage.BucketInfo.newBuilder(options.bucket())
              .setRetentionPeriodDuration(period.isZero() ? null : period)
              .build());
    } catch (RuntimeException e) {
      throw translate(e, "set the retention policy", "storage.buckets.update", null, null);
    }
  }

  @Override
  public Set<SinkCapability> capabilities() {
    EnumSet<SinkCapability> capabilities =
        EnumSet.of(
            SinkCapability.ATOMIC_PUT_IF_ABSENT,
            SinkCapability.SERVER_SIDE_COPY,
            SinkCapability.STORAGE_CLASS,
            SinkCapability.SERVER_SIDE_ENCRYPTION,
            SinkCapability.RANGED_READ);
    if (options.temporaryHold() || options.eventBasedHold()) {
      capabilities.add(SinkCapability.IMMUTABILITY);
    }
    return java.util.Collections.unmodifiableSet(capabilities);
  }

  /** Releases the client and the range reader threads. Idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      executor.shutdownNow();
      try {
        storage.close();
      } catch (Exception e) {
        LOG.debug("gcs: closing the client failed: {}", e.toString());
      }
    }
  }

  @Override
  public String toString() {
    return options.toString();
  }

  // ---- shared with GcsWrite and GcsReadChannel ----

  Storage client() {
    return storage;
  }

  ExecutorService executor() {
    return executor;
  }

  /** The metadata a new object of {@code key} is created with: storage class of its tier, holds. */
  BlobInfo blobInfo(String key, String name) {
    BlobInfo.Builder info =
        BlobInfo.newBuilder(options.bucket(), name).setContentType("application/octet-stream");
    options.storageClassFor(key).ifPresent(c -> info.setStorageClass(StorageClass.valueOf(c)));
    if (options.temporaryHold()) {
      info.setTemporaryHold(true);
    }
    if (options.eventBasedHold()) {
      info.setEventBasedHold(true);
    }
    return info.build();
  }

  IOException translate(Throwable e, String operation, String permission, String key, String name) {
    return GcsErrors.translate(e, operation, permission, options.bucket(), key, name, where);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
  }

  static String checkKey(String key) {
    return ObjectKeys.checkKey(key);
  }

  static void checkPrefix(String prefix) {
    ObjectKeys.checkPrefix(prefix);
  }
}
