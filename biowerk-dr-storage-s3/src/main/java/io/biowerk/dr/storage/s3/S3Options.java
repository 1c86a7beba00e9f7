package io.biowerk.dr.storage.s3;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.UriOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.StorageClass;

/**
 * The settings of an {@link S3Sink}: bucket, key prefix, where the bucket is (region, endpoint,
 * path-style addressing), how objects are stored (storage class, server-side encryption, object
 * lock) and how they are moved (part size, parallelism). Immutable; make one with {@link
 * #builder(String)} or {@link #fromUri(URI)}.
 *
 * <p>Credentials never ride on the URI: the SDK's default chain finds them ({@code
 * AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_PROFILE}, web identity, container
 * and instance roles), or a named profile ({@code ?profile=}), or a provider passed to {@link
 * Builder#credentials}. {@link #toString()} shows no credentials.
 */
public final class S3Options {

  /** S3's smallest part size for every part but the last. */
  public static final int MIN_PART_SIZE = 5 << 20;

  /** The largest part buffer this sink allocates; parts grow up to it (S3 itself allows 5 GiB). */
  public static final int MAX_PART_SIZE = 1 << 30;

  /** S3's limit on parts per multipart upload. */
  public static final int MAX_PARTS = 10_000;

  /** S3's limit for a single CopyObject; larger objects are copied part by part. */
  public static final long MAX_SINGLE_COPY = 5L << 30;

  static final Set<String> KNOWN =
      new TreeSet<>(
          Arrays.asList(
              "region",
              "endpoint",
              "path-style",
              "storage-class",
              "sse",
              "kms-key-id",
              "part-size",
              "parallelism",
              "range-size",
              "object-lock-mode",
              "object-lock-days",
              "create-bucket",
              "profile",
              "max-attempts",
              "checksum"));
  private static final Set<String> SECRET_NAMES =
      Set.of(
          "secret",
          "secret-key",
          "secret-access-key",
          "aws_secret_access_key",
          "access-key",
          "access-key-id",
          "aws_access_key_id",
          "session-token",
          "password",
          "credentials");

  private final String bucket;
  private final String prefix;
  private final Optional<String> region;
  private final Optional<URI> endpoint;
  private final Optional<Boolean> pathStyle;
  private final StorageClass storageClass;
  private final Optional<ServerSideEncryption> sse;
  private final Optional<String> kmsKeyId;
  private final int partSize;
  private final int parallelism;
  private final int rangeSize;
  private final Optional<ObjectLockMode> objectLockMode;
  private final Optional<Duration> objectLockPeriod;
  private final boolean createBucket;
  private final Optional<String> profile;
  private final int maxAttempts;
  private final S3Checksum checksum;
  private final Optional<AwsCredentialsProvider> credentials;
  private final long multipartCopyThreshold;
  private final long copyPartSize;

  private S3Options(Builder b) {
    this.bucket = b.bucket;
    this.prefix = b.prefix;
    this.region = Optional.ofNullable(b.region);
    this.endpoint = Optional.ofNullable(b.endpoint);
    this.pathStyle = Optional.ofNullable(b.pathStyle);
    this.storageClass = b.storageClass;
    this.sse =
        Optional.ofNullable(
            b.kmsKeyId != null && b.sse == null ? ServerSideEncryption.AWS_KMS : b.sse);
    this.kmsKeyId = Optional.ofNullable(b.kmsKeyId);
    this.partSize = b.partSize;
    this.parallelism = b.parallelism;
    this.rangeSize = b.rangeSize == 0 ? b.partSize : b.rangeSize;
    this.objectLockMode = Optional.ofNullable(b.objectLockMode);
    this.objectLockPeriod = Optional.ofNullable(b.objectLockPeriod);
    this.createBucket = b.createBucket;
    this.profile = Optional.ofNullable(b.profile);
    this.maxAttempts = b.maxAttempts;
    this.checksum = b.checksum;
    this.credentials = Optional.ofNullable(b.credentials);
    this.multipartCopyThreshold = b.multipartCopyThreshold;
    this.copyPartSize = b.copyPartSize;
  }

  /** A builder for a repository in {@code bucket}. */
  public static Builder builder(String bucket) {
    return new Builder(bucket);
  }

  /**
   * Reads {@code
   * s3://bucket/prefix?region=..&endpoint=..&path-style=true&storage-class=STANDARD_IA&sse=aws:kms
   * &kms-key-id=..&part-size=8MiB&parallelism=4&range-size=8MiB&object-lock-mode=GOVERNANCE&object-lock-days=30
   * &create-bucket=false&profile=..&max-attempts=3&checksum=CRC32C}.
   *
   * @throws IllegalArgumentException if the URI is not an {@code s3:} URI or an option is unknown
   *     or malformed; the message names the option (never a credential's value)
   */
  public static S3Options fromUri(URI uri) {
    requireNonNull(uri, "uri");
    checkArgument(
        "s3".equalsIgnoreCase(uri.getScheme()),
        "s3: repository URI must start with s3://, not %s",
        uri.getScheme());
    String bucket = uri.getHost() != null ? uri.getHost() : uri.getAuthority();
    checkArgument(
        bucket != null && !bucket.isEmpty(),
        "s3: repository URI needs a bucket, e.g. s3://biowerk-backups-production/prefix");
    checkArgument(
        uri.getRawUserInfo() == null,
        "s3: credentials may not ride on the repository URI (they would end up in logs and shell history);"
            + " use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or ?profile=NAME");
    Builder b = builder(bucket).prefix(uri.getPath() == null ? "" : uri.getPath());
    UriOptions options = spec().parse(uri);
    for (Map.Entry<String, String> option : options.asMap().entrySet()) {
      String name = option.getKey();
      String value = option.getValue();
      switch (name) {
        case "region" -> b.region(value);
        case "endpoint" -> b.endpoint(URI.create(value));
        case "path-style" -> b.pathStyle(options.flag(name, false));
        case "storage-class" -> b.storageClass(storageClass(value));
        case "sse" -> b.sse(sse(value));
        case "kms-key-id" -> b.kmsKeyId(value);
        case "part-size" -> b.partSize(intSize(name, value));
        case "parallelism" -> b.parallelism(integer(name, value));
        case "range-size" -> b.rangeSize(intSize(name, value));
        case "object-lock-mode" -> b.objectLockMode(lockMode(value));
        case "object-lock-days" -> b.objectLockPeriod(Duration.ofDays(integer(name, value)));
        case "create-bucket" -> b.createBucket(options.flag(name, false));
        case "profile" -> b.profile(value);
        case "max-attempts" -> b.maxAttempts(integer(name, value));
        case "checksum" -> b.checksum(checksum(value));
        default ->
            throw new IllegalStateException("s3: option '" + name + "' is declared but not read");
      }
    }
    return b.build();
  }

  /** The query grammar of an s3:// repository URI: {@link #KNOWN}, credentials refused. */
  static UriOptions.Spec spec() {
    UriOptions.Spec spec = UriOptions.spec("s3").known(KNOWN.toArray(String[]::new));
    for (String secret : SECRET_NAMES) {
      spec.refuse(
          secret,
          "credentials may not ride on the repository URI (they would end up in logs and shell"
              + " history); use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or ?profile=NAME");
    }
    return spec;
  }

  private static int integer(String name, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "s3: option " + name + " (" + value + ") must be a whole number", e);
    }
  }

  private static int intSize(String name, String value) {
    long bytes = parseSize(name, value);
    checkArgument(bytes <= MAX_PART_SIZE, "s3: option %s (%s) may not exceed 1GiB", name, value);
    return (int) bytes;
  }

  /**
   * Parses {@code 8MiB}, {@code 8M}, {@code 512KiB}, {@code 1GiB} or a plain byte count; units are
   * binary.
   */
  static long parseSize(String name, String value) {
    String v = value.trim();
    String number = v.replaceAll("(?i)[kmg]i?b?$|(?i)b$", "");
    String unit = v.substring(number.length()).toUpperCase(Locale.ROOT);
    long multiplier =
        switch (unit) {
          case "", "B" -> 1L;
          case "K", "KB", "KIB" -> 1L << 10;
          case "M", "MB", "MIB" -> 1L << 20;
          case "G", "GB", "GIB" -> 1L << 30;
          default ->
              throw new IllegalArgumentException(
                  "s3: option "
                      + name
                      + " ("
                      + value
                      + ") must be a size such as 8MiB, 512KiB or 1GiB");
        };
    try {
      long n = Long.parseLong(number.trim());
      checkArgument(n > 0, "s3: option %s (%s) must be positive", name, value);
      return Math.multiplyExact(n, multiplier);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(
          "s3: option " + name + " (" + value + ") must be a size such as 8MiB, 512KiB or 1GiB", e);
    }
  }

  private static StorageClass storageClass(String value) {
    StorageClass c = StorageClass.fromValue(value.toUpperCase(Locale.ROOT));
    checkArgument(
        c != null && c != StorageClass.UNKNOWN_TO_SDK_VERSION,
        "s3: storage-class (%s) is not one of %s",
        value,
        StorageClass.knownValues());
    return c;
  }

  private static ServerSideEncryption sse(String value) {
    ServerSideEncryption s = ServerSideEncryption.fromValue(value);
    if (s == null || s == ServerSideEncryption.UNKNOWN_TO_SDK_VERSION) {
      s = ServerSideEncryption.fromValue(value.toLowerCase(Locale.ROOT));
    }
    if ((s == null || s == ServerSideEncryption.UNKNOWN_TO_SDK_VERSION)
        && value.equalsIgnoreCase("aes256")) {
      s = ServerSideEncryption.AES256;
    }
    checkArgument(
        s != null && s != ServerSideEncryption.UNKNOWN_TO_SDK_VERSION,
        "s3: sse (%s) must be AES256 (SSE-S3), aws:kms (SSE-KMS) or aws:kms:dsse",
        value);
    return s;
  }

  private static ObjectLockMode lockMode(String value) {
    ObjectLockMode m = ObjectLockMode.fromValue(value.toUpperCase(Locale.ROOT));
    checkArgument(
        m != null && m != ObjectLockMode.UNKNOWN_TO_SDK_VERSION,
        "s3: object-lock-mode (%s) must be GOVERNANCE or COMPLIANCE",
        value);
    return m;
  }

  private static S3Checksum checksum(String value) {
    try {
      return S3Checksum.valueOf(value.toUpperCase(Locale.ROOT).replace("-", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "s3: checksum (" + value + ") must be one of " + Arrays.toString(S3Checksum.values()), e);
    }
  }

  /** The bucket. */
  public String bucket() {
    return bucket;
  }

  /**
   * The key prefix every object key is put under, without leading or trailing {@code /}; may be
   * empty.
   */
  public String prefix() {
    return prefix;
  }

  /** The region, if set; otherwise the SDK's region chain decides. */
  public Optional<String> region() {
    return region;
  }

  /**
   * The endpoint override, if set; otherwise the SDK's ({@code AWS_ENDPOINT_URL_S3} or AWS's own).
   */
  public Optional<URI> endpoint() {
    return endpoint;
  }

  /**
   * Whether requests address the bucket in the path ({@code http://host/bucket/key}) rather than
   * the host name; when not set, true for an endpoint that is an IP address or {@code localhost}
   * (where virtual hosts cannot resolve), false otherwise.
   */
  public boolean pathStyle() {
    return pathStyle.orElseGet(
        () ->
            endpoint
                .map(
                    e -> {
                      String host = e.getHost() == null ? "" : e.getHost();
                      return host.equals("localhost")
                          || host.matches("[0-9.]+")
                          || host.startsWith("[");
                    })
                .orElse(false));
  }

  /** The storage class of new objects; STANDARD_IA unless set, as the DR plan says. */
  public StorageClass storageClass() {
    return storageClass;
  }

  /** Server-side encryption of new objects, if requested (a bucket default may apply otherwise). */
  public Optional<ServerSideEncryption> sse() {
    return sse;
  }

  /** The KMS key for SSE-KMS, if not the account's default {@code aws/s3} key. */
  public Optional<String> kmsKeyId() {
    return kmsKeyId;
  }

  /** The size of the first parts of a multipart upload; later ones grow (see {@link S3Sink}). */
  public int partSize() {
    return partSize;
  }

  /** How many parts are uploaded, or ranges read ahead, at once per stream. */
  public int parallelism() {
    return parallelism;
  }

  /** The size of the byte ranges a read fetches in parallel; the part size unless set. */
  public int rangeSize() {
    return rangeSize;
  }

  /** The object lock mode new objects get, if any. */
  public Optional<ObjectLockMode> objectLockMode() {
    return objectLockMode;
  }

  /** How long new objects stay locked, if object lock is on. */
  public Optional<Duration> objectLockPeriod() {
    return objectLockPeriod;
  }

  /**
   * Whether a missing bucket is created; false unless asked, so a typo never makes a new bucket.
   */
  public boolean createBucket() {
    return createBucket;
  }

  /** The named profile of {@code ~/.aws/config} to take credentials and region from, if set. */
  public Optional<String> profile() {
    return profile;
  }

  /** How many times the SDK's standard retry mode tries a request (first try included). */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The checksum sent with every part and single PUT, verified by the store. */
  public S3Checksum checksum() {
    return checksum;
  }

  /** Explicit credentials, if given; otherwise the profile or the SDK's default chain. */
  public Optional<AwsCredentialsProvider> credentials() {
    return credentials;
  }

  long multipartCopyThreshold() {
    return multipartCopyThreshold;
  }

  long copyPartSize() {
    return copyPartSize;
  }

  /** The URI these options read from, without credentials (there are none to leave out). */
  public URI toUri() {
    StringBuilder q = new StringBuilder();
    region.ifPresent(r -> q.append("&region=").append(r));
    endpoint.ifPresent(e -> q.append("&endpoint=").append(e));
    pathStyle.ifPresent(p -> q.append("&path-style=").append(p));
    q.append("&storage-class=").append(storageClass);
    sse.ifPresent(s -> q.append("&sse=").append(s));
    kmsKeyId.ifPresent(k -> q.append("&kms-key-id=").append(k));
    objectLockMode.ifPresent(m -> q.append("&object-lock-mode=").append(m));
    objectLockPeriod.ifPresent(p -> q.append("&object-lock-days=").append(p.toDays()));
    profile.ifPresent(p -> q.append("&profile=").append(p));
    return URI.create("s3://" + bucket + "/" + prefix + "?" + q.substring(1));
  }

  @Override
  public String toString() {
    return toUri().toString();
  }

  /** Builds {@link S3Options}. */
  public static final class Builder {
    private final String bucket;
    private String prefix = "";
    private String region;
    private URI endpoint;
    private Boolean pathStyle;
    private StorageClass storageClass = StorageClass.STANDARD_IA;
    private ServerSideEncryption sse;
    private String kmsKeyId;
    private int partSize = 8 << 20;
    private int parallelism = 4;
    private int rangeSize;
    private ObjectLockMode objectLockMode;
    private Duration objectLockPeriod;
    private boolean createBucket;
    private String profile;
    private int maxAttempts = 3;
    private S3Checksum checksum = S3Checksum.CRC32C;
    private AwsCredentialsProvider credentials;
    private long multipartCopyThreshold = MAX_SINGLE_COPY;
    private long copyPartSize = 512L << 20;

    private Builder(String bucket) {
      checkArgument(
          bucket != null && bucket.matches("[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]"),
          "s3: bucket name (%s) must be 3-63 lower-case letters, digits, '.' or '-'",
          bucket);
      this.bucket = bucket;
    }

    /** The key prefix ({@code postgres-prod}); leading and trailing slashes are dropped. */
    public Builder prefix(String prefix) {
      String p = requireNonNull(prefix, "prefix").replaceAll("^/+|/+$", "");
      checkArgument(
          !p.contains("//")
              && Arrays.stream(p.split("/")).noneMatch(s -> s.equals(".") || s.equals("..")),
          "s3: prefix (%s) may not contain empty, '.' or '..' segments",
          prefix);
      this.prefix = p;
      return this;
    }

    /** The bucket's region ({@code eu-west-1}); otherwise the SDK's region chain decides. */
    public Builder region(String region) {
      checkArgument(
          region.matches("[a-z0-9-]+"), "s3: region (%s) must look like eu-west-1", region);
      this.region = region;
      return this;
    }

    /** An S3-compatible endpoint ({@code http://127.0.0.1:9000}) instead of AWS's. */
    public Builder endpoint(URI endpoint) {
      checkArgument(
          endpoint.getScheme() != null
              && endpoint.getHost() != null
              && (endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https")),
          "s3: endpoint (%s) must be an http:// or https:// URL such as http://127.0.0.1:9000",
          endpoint);
      checkArgument(endpoint.getRawUserInfo() == null, "s3: endpoint may not carry credentials");
      this.endpoint = endpoint;
      return this;
    }

    /** Path-style addressing ({@code host/bucket/key}), which most S3-compatible stores need. */
    public Builder pathStyle(boolean pathStyle) {
      this.pathStyle = pathStyle;
      return this;
    }

    /** The storage class of every object written, copies included; STANDARD_IA unless set. */
    public Builder storageClass(StorageClass storageClass) {
      this.storageClass = requireNonNull(storageClass, "storageClass");
      return this;
    }

    /** Server-side encryption: AES256 (SSE-S3) or aws:kms (SSE-KMS). */
    public Builder sse(ServerSideEncryption sse) {
      this.sse = requireNonNull(sse, "sse");
      return this;
    }

    /** The KMS key (id, ARN or alias) for SSE-KMS; implies {@code sse=aws:kms}. */
    public Builder kmsKeyId(String kmsKeyId) {
      checkArgument(!kmsKeyId.isBlank(), "s3: kms-key-id may not be empty");
      this.kmsKeyId = kmsKeyId;
      return this;
    }

    /** Part size, at least 5 MiB (S3's minimum) and at most 1 GiB; 8 MiB unless set. */
    public Builder partSize(int partSize) {
      checkArgument(
          partSize >= MIN_PART_SIZE && partSize <= MAX_PART_SIZE,
          "s3: part-size (%s bytes) must be between 5MiB (S3's minimum) and 1GiB",
          partSize);
      this.partSize = partSize;
      return this;
    }

    /** Parts in flight / ranges read ahead per stream, 1 to 64; 4 unless set. */
    public Builder parallelism(int parallelism) {
      checkArgument(
          parallelism >= 1 && parallelism <= 64,
          "s3: parallelism (%s) must be between 1 and 64",
          parallelism);
      this.parallelism = parallelism;
      return this;
    }

    /** Range size for parallel reads, 64 KiB to 1 GiB; the part size unless set. */
    public Builder rangeSize(int rangeSize) {
      checkArgument(
          rangeSize >= 64 << 10, "s3: range-size (%s bytes) must be at least 64KiB", rangeSize);
      this.rangeSize = rangeSize;
      return this;
    }

    /**
     * Object lock retention mode for new objects; needs {@link #objectLockPeriod} and a bucket with
     * object lock.
     */
    public Builder objectLockMode(ObjectLockMode mode) {
      this.objectLockMode = requireNonNull(mode, "mode");
      return this;
    }

    /** How long new objects stay locked, counted from when they are written. */
    public Builder objectLockPeriod(Duration period) {
      checkArgument(
          !period.isNegative() && !period.isZero(),
          "s3: object-lock-days (%s) must be positive",
          period.toDays());
      this.objectLockPeriod = period;
      return this;
    }

    /**
     * Whether opening the sink creates a missing bucket (with object lock if a lock mode is set).
     */
    public Builder createBucket(boolean createBucket) {
      this.createBucket = createBucket;
      return this;
    }

    /**
     * A named profile of {@code ~/.aws/config} / {@code ~/.aws/credentials} for credentials and
     * region.
     */
    public Builder profile(String profile) {
      checkArgument(!profile.isBlank(), "s3: profile may not be empty");
      this.profile = profile;
      return this;
    }

    /** Attempts per request in the SDK's standard retry mode, first included; 3 unless set. */
    public Builder maxAttempts(int maxAttempts) {
      checkArgument(
          maxAttempts >= 1 && maxAttempts <= 20,
          "s3: max-attempts (%s) must be between 1 and 20",
          maxAttempts);
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** The per-part integrity checksum; CRC32C unless set. */
    public Builder checksum(S3Checksum checksum) {
      this.checksum = requireNonNull(checksum, "checksum");
      return this;
    }

    /** Explicit credentials; they take precedence over a profile and the default chain. */
    public Builder credentials(AwsCredentialsProvider credentials) {
      this.credentials = requireNonNull(credentials, "credentials");
      return this;
    }

    /** Objects larger than this are copied with UploadPartCopy; for tests, S3's limit otherwise. */
    Builder multipartCopy(long threshold, long partSize) {
      checkArgument(
          threshold >= 0 && threshold <= MAX_SINGLE_COPY, "threshold (%s) out of range", threshold);
      checkArgument(partSize >= MIN_PART_SIZE, "copy part size (%s) below S3's minimum", partSize);
      this.multipartCopyThreshold = threshold;
      this.copyPartSize = partSize;
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalArgumentException if they contradict each other
     */
    public S3Options build() {
      checkArgument(
          (objectLockMode == null) == (objectLockPeriod == null),
          "s3: object lock needs both object-lock-mode (GOVERNANCE or COMPLIANCE) and object-lock-days");
      checkArgument(
          kmsKeyId == null || sse == null || sse != ServerSideEncryption.AES256,
          "s3: kms-key-id needs sse=aws:kms, not sse=AES256");
      checkArgument(
          credentials == null || profile == null,
          "s3: give either explicit credentials or a profile");
      return new S3Options(this);
    }
  }
}
