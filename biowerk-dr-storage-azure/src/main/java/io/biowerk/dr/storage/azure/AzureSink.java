package io.biowerk.dr.storage.azure;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.azure.core.util.Context;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobAsyncClient;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceAsyncClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.AccessTier;
import com.azure.storage.blob.models.BlobBeginCopySourceRequestConditions;
import com.azure.storage.blob.models.BlobCopyInfo;
import com.azure.storage.blob.models.BlobImmutabilityPolicy;
import com.azure.storage.blob.models.BlobImmutabilityPolicyMode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.CopyStatusType;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.models.RehydratePriority;
import com.azure.storage.blob.options.BlobBeginCopyOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.biowerk.dr.core.ObjectKeys;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkCapability;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.cloud.KeyPrefix;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A repository in an Azure Blob Storage container, under a blob name prefix: object key {@code
 * postgres/daily/x.dump.zst.enc} is stored as block blob {@code
 * <prefix>/postgres/daily/x.dump.zst.enc}. Works with Azure (public and sovereign clouds, through
 * {@code endpoint-suffix}) and with Azurite through an endpoint.
 *
 * <p><b>Writes</b> stream with unknown length: bytes collect in a block buffer; an object that fits
 * one block goes up in one Put Blob at commit, a larger one as staged blocks (Put Block), up to
 * {@link AzureOptions#parallelism()} in flight, made visible by one Put Block List at commit.
 * Blocks start at {@link AzureOptions#blockSize()} and double every 10,000 blocks (up to 1 GiB), so
 * the 50,000 blocks Azure allows cover several TiB. Memory per write: (parallelism + 1) x block
 * size. Staged blocks are invisible: an aborted or failed write commits nothing, and its
 * uncommitted blocks cannot be deleted by a client but are discarded by the service on their own
 * (after 7 days, or at the next Put Blob / Put Block List of that name). The blob gets the access
 * tier of its backup tier folder ({@link AzureOptions#tierFor}), a legal hold and an immutability
 * policy when asked, all at commit.
 *
 * <p><b>Reads</b> read the blob's properties first (a blob in the Archive tier is a {@link
 * BlobArchivedException} before any byte is fetched), then fetch byte ranges, several in flight and
 * handed over in order, each pinned to the blob's ETag so a concurrent overwrite fails the read
 * instead of splicing two versions. {@link #copy} happens inside the service (Copy Blob) and gives
 * the copy the tier of its own folder, so promotion from daily to monthly also moves data to a
 * colder tier.
 *
 * <p>Permissions (RBAC): 'Storage Blob Data Contributor' on the container for backups (read, write,
 * delete, list); 'Storage Blob Data Reader' for restores. With a SAS: {@code racwdl} for backups,
 * {@code rl} for restores; {@code t} (tags) is never needed. See docs/azure.md.
 *
 * <p>The sink owns a thread pool for transfers; {@link #close()} releases it (the SDK's HTTP
 * connections are shared and need no closing). Thread-safe. Transient errors (throttling 503/429,
 * 500, timeouts, connection resets) are retried by the SDK with exponential backoff ({@link
 * AzureOptions#maxAttempts()}); permanent ones become {@link StorageException}s with a reason, the
 * container and key, and what to do; a missing object is an {@link ObjectNotFoundException}.
 */
public final class AzureSink implements Sink, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AzureSink.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final AzureOptions options;
  // object names <-> sink keys under the repository prefix
  private final KeyPrefix names;
  private final BlobContainerClient container;
  // Ranged reads go through the async client: the bytes are copied from the network buffers into
  // the
  // range's array as they arrive, with no thread blocked per range in flight.
  private final BlobContainerAsyncClient asyncContainer;
  private final ExecutorService executor;
  private final Clock clock;
  private final String where;
  private volatile boolean closed;

  private AzureSink(
      AzureOptions options, BlobServiceClient service, BlobServiceAsyncClient async, Clock clock) {
    this.options = options;
    this.names = KeyPrefix.of(options.prefix());
    this.container = service.getBlobContainerClient(options.container());
    this.asyncContainer = async.getBlobContainerAsyncClient(options.container());
    this.clock = clock;
    this.where = service.getAccountUrl();
    ThreadFactory threads =
        runnable -> {
          Thread t = new Thread(runnable, "biowerk-azure-" + THREADS.incrementAndGet());
          // Daemon: a CLI that never closes the sink must still exit; open transfers are aborted by
          // their owners.
          t.setDaemon(true);
          return t;
        };
    this.executor = Executors.newCachedThreadPool(threads);
  }

  /**
   * Opens the repository: builds the client and checks that the container exists and can be listed
   * (creating it first when {@link AzureOptions#createContainer()} asks for it).
   *
   * @throws StorageException if the container does not exist, the credentials are wrong or missing,
   *     access is denied or the endpoint cannot be reached; the reason and message say which
   */
  public static AzureSink open(AzureOptions options) throws IOException {
    return open(options, builder -> {});
  }

  /**
   * Opens the repository with a hook to adjust the SDK client builder before it is built (an HTTP
   * client, a proxy, a pipeline policy); the hook runs after this sink's own settings.
   *
   * @throws StorageException as {@link #open(AzureOptions)}
   */
  public static AzureSink open(AzureOptions options, Consumer<BlobServiceClientBuilder> customizer)
      throws IOException {
    requireNonNull(options, "options");
    checkArgument(
        options.auth() != AzureOptions.Auth.DEFAULT
            || "https".equals(options.serviceEndpoint().getScheme()),
        "azure sink: DefaultAzureCredential (Microsoft Entra ID) sends tokens only over https, and the endpoint"
            + " of account '%s' is %s; for an emulator such as Azurite set %s, %s or %s",
        options.account(),
        options.serviceEndpoint(),
        AzureOptions.ENV_CONNECTION_STRING,
        AzureOptions.ENV_KEY,
        AzureOptions.ENV_SAS);
    BlobServiceClient service;
    BlobServiceAsyncClient async;
    try {
      BlobServiceClientBuilder builder = build(options, customizer);
      service = builder.buildClient();
      async = builder.buildAsyncClient();
    } catch (IllegalArgumentException e) {
      // The SDK's text can quote the connection string it could not parse: leave it out.
      throw new IllegalArgumentException(
          "azure sink: cannot build a client for account '"
              + options.account()
              + "' with the "
              + options.auth().name().toLowerCase(Locale.ROOT).replace('_', ' ')
              + " given (it is malformed); check it, and the endpoint");
    }
    AzureSink sink = new AzureSink(options, service, async, Clock.systemUTC());
    try {
      sink.checkContainer();
    } catch (IOException | RuntimeException e) {
      sink.close();
      throw e;
    }
    return sink;
  }

  private static BlobServiceClientBuilder build(
      AzureOptions options, Consumer<BlobServiceClientBuilder> customizer) {
    BlobServiceClientBuilder builder = new BlobServiceClientBuilder();
    switch (options.auth()) {
      case CONNECTION_STRING -> {
        builder.connectionString(options.connectionString().orElseThrow());
        options.endpoint().ifPresent(e -> builder.endpoint(e.toString()));
      }
      case KEY ->
          builder
              .endpoint(options.serviceEndpoint().toString())
              .credential(
                  new StorageSharedKeyCredential(
                      options.account(), options.accountKey().orElseThrow()));
      case SAS ->
          builder
              .endpoint(options.serviceEndpoint().toString())
              .sasToken(options.sasToken().orElseThrow());
      default ->
          builder
              .endpoint(options.serviceEndpoint().toString())
              .credential(new DefaultAzureCredentialBuilder().build());
    }
    builder.retryOptions(
        new RequestRetryOptions(
            RetryPolicyType.EXPONENTIAL,
            options.maxAttempts(),
            (Integer) null,
            options.retryDelay().toMillis(),
            options.maxRetryDelay().toMillis(),
            null));
    customizer.accept(builder);
    return builder;
  }

  /**
   * Lists at most one blob, which proves container, credentials, endpoint and list permission in
   * one request.
   */
  private void checkContainer() throws IOException {
    try {
      try {
        container
            .listBlobs(
                new ListBlobsOptions().setPrefix(blobPrefix("")).setMaxResultsPerPage(1), null)
            .iterableByPage()
            .iterator()
            .next();
      } catch (BlobStorageException e) {
        if (!options.createContainer()
            || !"ContainerNotFound".equals(String.valueOf(e.getErrorCode()))) {
          throw e;
        }
        LOG.info(
            "azure sink: creating container {} in {} (create-container=true)",
            options.container(),
            where);
        container.createIfNotExists();
      }
    } catch (RuntimeException e) {
      throw translate(e, "List Blobs", null, null);
    }
    if (options.legalHold() || options.immutabilityPeriod().isPresent()) {
      checkImmutability();
    }
  }

  /**
   * Refuses legal-hold and immutability-days on a container without version-level immutability: the
   * service would ignore the holds or fail every commit, and a backup that silently is not
   * immutable is worse than none.
   */
  private void checkImmutability() throws IOException {
    Boolean enabled;
    try {
      enabled = container.getProperties().isImmutableStorageWithVersioningEnabled();
    } catch (RuntimeException e) {
      throw translate(e, "Get Container Properties", null, null);
    }
    if (!Boolean.TRUE.equals(enabled)) {
      throw new StorageException(
          "azure sink: legal-hold and immutability-days need version-level immutability on container '"
              + options.container()
              + "' of account '"
              + options.account()
              + "', and it is off (or the service does not support it: Azurite does not); create the container"
              + " with it (az storage container-rm create --storage-account "
              + options.account()
              + " --name "
              + options.container()
              + " --enable-vlw true) or drop those options",
          "azure://" + options.account() + "/" + options.container(),
          StorageException.Reason.OTHER,
          null);
    }
  }

  /** The options this sink was opened with. */
  public AzureOptions options() {
    return options;
  }

  /**
   * The SDK's container client, for operations this sink does not offer (policies, leases, SAS).
   */
  public BlobContainerClient containerClient() {
    return container;
  }

  /** The blob name an object key is stored under. */
  public String blobName(String key) {
    return names.namePrefix(checkKey(key));
  }

  private String blobPrefix(String keyPrefix) {
    return names.namePrefix(keyPrefix);
  }

  @Override
  public PendingWrite openWrite(String key) throws IOException {
    checkOpen();
    return new AzureWrite(this, key, blobName(key));
  }

  /**
   * Opens a blob for reading.
   *
   * @throws ObjectNotFoundException if there is none
   * @throws BlobArchivedException if it is in the Archive tier (see {@link #rehydrate})
   */
  @Override
  public ReadableByteChannel openRead(String key) throws IOException {
    checkOpen();
    return AzureReadChannel.open(this, key, blobName(key));
  }

  @Override
  public List<StoredObject> list(String prefix) throws IOException {
    checkOpen();
    requireNonNull(prefix, "prefix");
    ObjectKeys.checkPrefix(prefix);
    String full = blobPrefix(prefix);
    List<StoredObject> objects = new ArrayList<>();
    try {
      // A flat listing follows continuation markers page by page; uncommitted blobs are not listed.
      for (BlobItem item :
          container.listBlobs(
              new ListBlobsOptions().setPrefix(full).setMaxResultsPerPage(options.listPageSize()),
              null)) {
        Optional<String> key = names.key(item.getName());
        if (key.isEmpty() || Boolean.TRUE.equals(item.isPrefix())) {
          continue; // folder markers of hierarchical-namespace accounts are not objects
        }
        objects.add(
            new StoredObject(
                key.get(),
                item.getProperties().getContentLength(),
                item.getProperties().getLastModified().toInstant()));
      }
    } catch (RuntimeException e) {
      throw translate(e, "List Blobs", null, null);
    }
    objects.sort(Comparator.comparing(StoredObject::key));
    return objects;
  }

  /**
   * Creates the blob only if the name is free, with a conditional Put Blob ({@code If-None-Match:
   * *}): the service answers 409 {@code BlobAlreadyExists} when one exists, atomically, so exactly
   * one of several racing writers wins.
   */
  @Override
  public boolean putIfAbsent(String key, byte[] bytes) throws IOException {
    checkOpen();
    requireNonNull(bytes, "bytes");
    String blobName = blobName(key);
    BlockBlobSimpleUploadOptions upload =
        new BlockBlobSimpleUploadOptions(new ByteArrayInputStream(bytes), bytes.length)
            .setRequestConditions(new BlobRequestConditions().setIfNoneMatch("*"));
    decorate(upload, key, bytes.length);
    if (options.md5()) {
      upload.setContentMd5(AzureWrite.md5(bytes, bytes.length));
    }
    try {
      blockBlob(blobName).uploadWithResponse(upload, null, Context.NONE);
      return true;
    } catch (BlobStorageException e) {
      if ((e.getStatusCode() == 409 && "BlobAlreadyExists".equals(String.valueOf(e.getErrorCode())))
          || e.getStatusCode() == 412) {
        return false;
      }
      throw translate(e, "Put Blob (If-None-Match)", key, blobName);
    } catch (RuntimeException e) {
      throw translate(e, "Put Blob (If-None-Match)", key, blobName);
    }
  }

  /**
   * Deletes a blob and its snapshots; a missing blob is ignored.
   *
   * @throws StorageException with reason {@link StorageException.Reason#IMMUTABLE} if a legal hold
   *     or an immutability policy protects it
   */
  @Override
  public void delete(String key) throws IOException {
    checkOpen();
    String blobName = blobName(key);
    try {
      container
          .getBlobClient(blobName)
          .deleteIfExistsWithResponse(DeleteSnapshotsOptionType.INCLUDE, null, null, Context.NONE);
    } catch (RuntimeException e) {
      throw translate(e, "Delete Blob", key, blobName);
    }
  }

  /**
   * Copies inside the service (Copy Blob, pinned to the source's ETag) and waits for the copy to
   * finish; the copy gets the access tier of its own backup tier folder, and this sink's legal hold
   * and immutability.
   *
   * @throws ObjectNotFoundException if {@code from} does not exist
   * @throws BlobArchivedException if {@code from} is in the Archive tier
   */
  @Override
  public void copy(String from, String to) throws IOException {
    checkOpen();
    String source = blobName(from);
    String target = blobName(to);
    BlobProperties properties = properties(from, source);
    if (AccessTier.ARCHIVE.equals(properties.getAccessTier())) {
      throw archived(from, source, properties.getArchiveStatus() != null);
    }
    if (source.equals(target)) {
      return;
    }
    BlobClient sourceBlob = container.getBlobClient(source);
    String sourceUrl = sourceBlob.getBlobUrl();
    if (options.auth() == AzureOptions.Auth.SAS) {
      // A SAS authorizes this request, not the service's read of the source: that needs the SAS on
      // its URL.
      sourceUrl = sourceUrl + "?" + options.sasToken().orElseThrow();
    }
    BlobBeginCopyOptions copy =
        new BlobBeginCopyOptions(sourceUrl)
            .setSourceRequestConditions(
                new BlobBeginCopySourceRequestConditions().setIfMatch(properties.getETag()))
            .setPollInterval(Duration.ofMillis(250));
    tierFor(to, properties.getBlobSize()).ifPresent(copy::setTier);
    tags(properties.getBlobSize()).ifPresent(copy::setTags);
    if (options.legalHold()) {
      copy.setLegalHold(true);
    }
    immutabilityPolicy().ifPresent(copy::setImmutabilityPolicy);
    try {
      SyncPoller<BlobCopyInfo, Void> poller = container.getBlobClient(target).beginCopy(copy);
      PollResponse<BlobCopyInfo> done = poller.waitForCompletion(Duration.ofHours(6));
      CopyStatusType status = done.getValue() == null ? null : done.getValue().getCopyStatus();
      if (status != null && status != CopyStatusType.SUCCESS) {
        throw new StorageException(
            "azure sink: copy of '"
                + from
                + "' to '"
                + to
                + "' in container '"
                + options.container()
                + "' ended "
                + status
                + " ("
                + done.getValue().getError()
                + "); nothing usable"
                + " was written to the target; run it again",
            location(target),
            StorageException.Reason.OTHER,
            null);
      }
    } catch (RuntimeException e) {
      throw translate(e, "Copy Blob", to, target);
    }
  }

  /**
   * The properties of a blob: size, ETag, access tier, archive status, legal hold.
   *
   * @throws ObjectNotFoundException if there is none
   */
  public BlobProperties properties(String key) throws IOException {
    checkOpen();
    return properties(key, blobName(key));
  }

  BlobProperties properties(String key, String blobName) throws IOException {
    try {
      return container.getBlobClient(blobName).getProperties();
    } catch (RuntimeException e) {
      throw translate(e, "Get Blob Properties", key, blobName);
    }
  }

  /**
   * Starts rehydrating an archived blob to an online tier ({@link AccessTier#COLD}, {@link
   * AccessTier#COOL} or {@link AccessTier#HOT}) with {@code priority}; the blob becomes readable
   * when the service has finished (up to 15 hours at {@link RehydratePriority#STANDARD}, under one
   * hour at {@link RehydratePriority#HIGH} for blobs under 10 GiB). Does nothing to a blob that is
   * already online.
   *
   * @return true if a rehydration was started or is under way, false if the blob was not archived
   * @throws ObjectNotFoundException if there is no such blob
   * @throws StorageException if the service refuses (permission: Microsoft.Storage/.../blobs/write)
   */
  public boolean rehydrate(String key, AccessTier tier, RehydratePriority priority)
      throws IOException {
    checkOpen();
    checkArgument(
        !AccessTier.ARCHIVE.equals(tier), "azure sink: rehydrate to an online tier, not %s", tier);
    String blobName = blobName(key);
    BlobProperties properties = properties(key, blobName);
    if (!AccessTier.ARCHIVE.equals(properties.getAccessTier())) {
      return false;
    }
    if (properties.getArchiveStatus() != null) {
      return true;
    }
    try {
      container
          .getBlobClient(blobName)
          .setAccessTierWithResponse(tier, priority, null, null, Context.NONE);
      LOG.info(
          "azure sink: rehydration of {} to {} started ({} priority)",
          location(blobName),
          tier,
          priority);
      return true;
    } catch (RuntimeException e) {
      throw translate(e, "Set Blob Tier", key, blobName);
    }
  }

  /**
   * Sets or clears the legal hold of a blob (needs version-level immutability support on the
   * container).
   *
   * @throws StorageException if the account or container does not support it, or access is denied
   */
  public void setLegalHold(String key, boolean hold) throws IOException {
    checkOpen();
    String blobName = blobName(key);
    try {
      container.getBlobClient(blobName).setLegalHold(hold);
    } catch (RuntimeException e) {
      throw translate(e, "Set Legal Hold", key, blobName);
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
    if (options.legalHold() || options.immutabilityPeriod().isPresent()) {
      capabilities.add(SinkCapability.IMMUTABILITY);
    }
    return Collections.unmodifiableSet(capabilities);
  }

  /** Releases the transfer threads. Idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      executor.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return options.toString();
  }

  // ---- shared with AzureWrite and AzureReadChannel ----

  BlockBlobClient blockBlob(String blobName) {
    return container.getBlobClient(blobName).getBlockBlobClient();
  }

  BlobClient blob(String blobName) {
    return container.getBlobClient(blobName);
  }

  BlobAsyncClient asyncBlob(String blobName) {
    return asyncContainer.getBlobAsyncClient(blobName);
  }

  ExecutorService executor() {
    return executor;
  }

  IOException translate(RuntimeException e, String operation, String key, String blobName) {
    return AzureErrors.translate(e, operation, options, key, blobName, where);
  }

  String location(String blobName) {
    return "azure://" + options.account() + "/" + options.container() + "/" + blobName;
  }

  BlobArchivedException archived(String key, String blobName, boolean rehydrating) {
    return new BlobArchivedException(
        "azure sink: '"
            + key
            + "' in container '"
            + options.container()
            + "' is "
            + (rehydrating
                ? "being rehydrated from the Archive tier; wait until that finishes (up to 15 hours; High"
                    + " priority: under 1 hour), then retry"
                : "in the Archive tier and cannot be read until it is rehydrated; start that with the"
                    + " repository option rehydrate=standard (or high) and read again, with"
                    + " AzureSink.rehydrate, or with az storage blob set-tier --container-name "
                    + options.container()
                    + " --name "
                    + blobName
                    + " --tier Cold --rehydrate-priority Standard; wait for it (up to 15"
                    + " hours; High priority: under 1 hour), then retry"),
        location(blobName),
        key,
        rehydrating,
        null);
  }

  Optional<AccessTier> tierFor(String key, long size) {
    return options.tierFor(key, size);
  }

  /**
   * The index tags of a data blob of {@code size} bytes: the archivable tag when asked for and
   * large enough.
   */
  Optional<Map<String, String>> tags(long size) {
    return options.archiveTag() && size > AzureOptions.MIN_ARCHIVE_SIZE
        ? Optional.of(Map.of(AzureLifecyclePolicy.ARCHIVABLE_TAG, "true"))
        : Optional.empty();
  }

  Optional<BlobImmutabilityPolicy> immutabilityPolicy() {
    return options
        .immutabilityPeriod()
        .map(
            p ->
                new BlobImmutabilityPolicy()
                    .setPolicyMode(BlobImmutabilityPolicyMode.UNLOCKED)
                    .setExpiryTime(
                        OffsetDateTime.ofInstant(clock.instant().plus(p), ZoneOffset.UTC)));
  }

  /**
   * Sets the tier, legal hold and immutability of a single-request upload of {@code size} bytes.
   */
  void decorate(BlockBlobSimpleUploadOptions upload, String key, long size) {
    tierFor(key, size).ifPresent(upload::setTier);
    tags(size).ifPresent(upload::setTags);
    if (options.legalHold()) {
      upload.setLegalHold(true);
    }
    immutabilityPolicy().ifPresent(upload::setImmutabilityPolicy);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
  }

  /** A valid object key ({@link ObjectKeys}) that also fits Azure's 1,024 characters of a name. */
  static String checkKey(String key) {
    ObjectKeys.checkKey(key);
    checkArgument(
        key.length() <= 1024,
        "object key (%s...) is longer than Azure's 1,024 characters",
        key.substring(0, Math.min(32, key.length())));
    return key;
  }
}
