package io.biowerk.dr.storage.gcs;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.UriOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The settings of a {@link GcsSink}: bucket, object name prefix, where the service is (an
 * emulator's endpoint), how objects are stored (storage class per backup tier, holds) and how they
 * move (upload chunk size, read range size and parallelism, retry attempts). Immutable; make one
 * with {@link #builder(String)} or {@link #fromUri(URI)}.
 *
 * <p>Credentials never ride on the URI: the client finds Application Default Credentials ({@code
 * GOOGLE_APPLICATION_CREDENTIALS}, {@code gcloud auth application-default login}, the metadata
 * server of Compute Engine, GKE and Cloud Run). {@code ?credentials=none} sends no credentials, for
 * emulators. {@link #toString()} shows no credentials (there are none to show).
 *
 * <p>This class names no type of the Google client, so parsing a URI does not load it.
 */
public final class GcsOptions {

  /**
   * The granularity of resumable upload chunks: every chunk but the last is a multiple of 256 KiB.
   */
  public static final int CHUNK_GRANULARITY = 256 << 10;

  /** The largest chunk buffer this sink allocates. */
  public static final int MAX_CHUNK_SIZE = 256 << 20;

  /** The backup tiers, the second segment of a backup key ({@code <source>/<tier>/<name>}). */
  public static final List<String> TIERS = List.of("daily", "weekly", "monthly", "wal", "oplog");

  /** The storage classes GCS offers. */
  public static final List<String> STORAGE_CLASSES =
      List.of("STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE");

  static final Set<String> KNOWN =
      new TreeSet<>(
          Arrays.asList(
              "endpoint",
              "credentials",
              "project",
              "storage-class",
              "tier-classes",
              "chunk-size",
              "range-size",
              "parallelism",
              "max-attempts",
              "temporary-hold",
              "event-based-hold",
              "verify-crc32c"));
  private static final Set<String> SECRET_NAMES =
      Set.of(
          "key",
          "token",
          "access-token",
          "credentials-json",
          "private-key",
          "password",
          "secret",
          "client-secret",
          "key-file");

  private final String bucket;
  private final String prefix;
  private final Optional<URI> endpoint;
  private final boolean anonymous;
  private final Optional<String> project;
  private final Optional<String> storageClass;
  private final Map<String, String> tierClasses;
  private final int chunkSize;
  private final int rangeSize;
  private final int parallelism;
  private final int maxAttempts;
  private final Duration initialRetryDelay;
  private final boolean temporaryHold;
  private final boolean eventBasedHold;
  private final boolean verifyCrc32c;

  private GcsOptions(Builder b) {
    this.bucket = b.bucket;
    this.prefix = b.prefix;
    this.endpoint = Optional.ofNullable(b.endpoint);
    this.anonymous = b.anonymous;
    this.project = Optional.ofNullable(b.project);
    this.storageClass = Optional.ofNullable(b.storageClass);
    this.tierClasses = Map.copyOf(b.tierClasses);
    this.chunkSize = b.chunkSize;
    this.rangeSize = b.rangeSize;
    this.parallelism = b.parallelism;
    this.maxAttempts = b.maxAttempts;
    this.initialRetryDelay = b.initialRetryDelay;
    this.temporaryHold = b.temporaryHold;
    this.eventBasedHold = b.eventBasedHold;
    this.verifyCrc32c = b.verifyCrc32c;
  }

  /** A builder for a repository in {@code bucket}. */
  public static Builder builder(String bucket) {
    return new Builder(bucket);
  }

  /**
   * Reads {@code gs://bucket/prefix?endpoint=http://127.0.0.1:4443&credentials=none&project=..
   * &storage-class=NEARLINE&tier-classes=weekly:COLDLINE,monthly:ARCHIVE&chunk-size=16MiB&range-size=16MiB
   * &parallelism=4&max-attempts=6&temporary-hold=false&event-based-hold=false&verify-crc32c=true}.
   *
   * @throws IllegalArgumentException if the URI is not a {@code gs:} URI or an option is unknown or
   *     malformed; the message names the option (never a credential's value)
   */
  // StringSplitter: a trailing comma in ?tier-classes=... is dropped, as it always was.
  @SuppressWarnings("StringSplitter")
  public static GcsOptions fromUri(URI uri) {
    requireNonNull(uri, "uri");
    checkArgument(
        "gs".equalsIgnoreCase(uri.getScheme()),
        "gcs: repository URI must start with gs://, not %s",
        uri.getScheme());
    checkArgument(
        uri.getRawUserInfo() == null,
        "gcs: credentials may not ride on the repository URI (they would end up in logs and shell history);"
            + " use Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS or the metadata server)");
    String bucket = uri.getHost() != null ? uri.getHost() : uri.getAuthority();
    checkArgument(
        bucket != null && !bucket.isEmpty(),
        "gcs: repository URI needs a bucket, e.g. gs://biowerk-backups-production/prefix");
    Builder b = builder(bucket).prefix(uri.getPath() == null ? "" : uri.getPath());
    UriOptions options = spec().parse(uri);
    for (Map.Entry<String, String> option : options.asMap().entrySet()) {
      String name = option.getKey();
      String value = option.getValue();
      switch (name) {
        case "endpoint" -> b.endpoint(URI.create(value));
        case "credentials" -> {
          checkArgument(
              value.equalsIgnoreCase("none") || value.equalsIgnoreCase("default"),
              "gcs: option credentials must be 'none' (for emulators) or 'default' (Application Default"
                  + " Credentials); key files are named by GOOGLE_APPLICATION_CREDENTIALS, never on the URI");
          b.anonymous(value.equalsIgnoreCase("none"));
        }
        case "project" -> b.project(value);
        case "storage-class" -> b.storageClass(value);
        case "tier-classes" -> {
          for (String pair : value.split(",")) {
            String[] parts = pair.split(":", 2);
            checkArgument(
                parts.length == 2,
                "gcs: tier-classes (%s) must read like weekly:COLDLINE,monthly:ARCHIVE",
                value);
            b.tierClass(parts[0].trim(), parts[1].trim());
          }
        }
        case "chunk-size" -> b.chunkSize(intSize(name, value));
        case "range-size" -> b.rangeSize(intSize(name, value));
        case "parallelism" -> b.parallelism(integer(name, value));
        case "max-attempts" -> b.maxAttempts(integer(name, value));
        case "temporary-hold" -> b.temporaryHold(options.flag(name, false));
        case "event-based-hold" -> b.eventBasedHold(options.flag(name, false));
        case "verify-crc32c" -> b.verifyCrc32c(options.flag(name, true));
        default ->
            throw new IllegalStateException("gcs: option '" + name + "' is declared but not read");
      }
    }
    return b.build();
  }

  /** The query grammar of a gs:// repository URI: {@link #KNOWN}, credentials refused. */
  static UriOptions.Spec spec() {
    UriOptions.Spec spec = UriOptions.spec("gcs").known(KNOWN.toArray(String[]::new));
    for (String secret : SECRET_NAMES) {
      spec.refuse(
          secret,
          "credentials may not ride on the repository URI (they would end up in logs and shell"
              + " history); use GOOGLE_APPLICATION_CREDENTIALS or the metadata server");
    }
    return spec;
  }

  private static int integer(String name, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "gcs: option " + name + " (" + value + ") must be a whole number", e);
    }
  }

  private static int intSize(String name, String value) {
    long bytes = parseSize(name, value);
    checkArgument(
        bytes <= MAX_CHUNK_SIZE, "gcs: option %s (%s) may not exceed 256MiB", name, value);
    return (int) bytes;
  }

  /** Parses {@code 16MiB}, {@code 16M}, {@code 512KiB} or a plain byte count; units are binary. */
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
                  "gcs: option "
                      + name
                      + " ("
                      + value
                      + ") must be a size such as 16MiB or 512KiB");
        };
    try {
      long n = Long.parseLong(number.trim());
      checkArgument(n > 0, "gcs: option %s (%s) must be positive", name, value);
      return Math.multiplyExact(n, multiplier);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(
          "gcs: option " + name + " (" + value + ") must be a size such as 16MiB or 512KiB", e);
    }
  }

  static String storageClass(String value) {
    String c = value.trim().toUpperCase(Locale.ROOT);
    checkArgument(
        STORAGE_CLASSES.contains(c),
        "gcs: storage class (%s) is not one of %s",
        value,
        STORAGE_CLASSES);
    return c;
  }

  /** The bucket. */
  public String bucket() {
    return bucket;
  }

  /**
   * The prefix every object name is put under, without leading or trailing {@code /}; may be empty.
   */
  public String prefix() {
    return prefix;
  }

  /** The service endpoint, for emulators and test servers; empty for Google's own. */
  public Optional<URI> endpoint() {
    return endpoint;
  }

  /** Whether requests go without credentials ({@code credentials=none}, for emulators). */
  public boolean anonymous() {
    return anonymous;
  }

  /**
   * The project, if set; otherwise the client's default (from the credentials or the environment).
   */
  public Optional<String> project() {
    return project;
  }

  /**
   * The storage class of objects outside the tiers named by {@link #tierClasses()}; empty: the
   * bucket's default.
   */
  public Optional<String> storageClass() {
    return storageClass;
  }

  /**
   * The storage class per backup tier ({@code weekly -> COLDLINE}); tiers not named get {@link
   * #storageClass()}.
   */
  public Map<String, String> tierClasses() {
    return tierClasses;
  }

  /**
   * The storage class an object of this key is written with: that of its tier (the key's second
   * segment), else the default, else empty (the bucket's default class).
   */
  public Optional<String> storageClassFor(String key) {
    String[] segments = key.split("/", 3);
    if (segments.length == 3 && tierClasses.containsKey(segments[1])) {
      return Optional.of(tierClasses.get(segments[1]));
    }
    return storageClass;
  }

  /** The resumable upload chunk: the most bytes buffered per write before they are sent. */
  public int chunkSize() {
    return chunkSize;
  }

  /** The range read per request when reading an object; also the read buffer. */
  public int rangeSize() {
    return rangeSize;
  }

  /** How many ranges of one object are read at once. */
  public int parallelism() {
    return parallelism;
  }

  /**
   * How many times a request is tried in all before a transient failure (5xx, 429, reset) is
   * reported.
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The delay before the first retry; it doubles with each further one. */
  public Duration initialRetryDelay() {
    return initialRetryDelay;
  }

  /** Whether new objects get a temporary hold (nothing deletes them until the hold is released). */
  public boolean temporaryHold() {
    return temporaryHold;
  }

  /**
   * Whether new objects get an event-based hold (the bucket's retention period starts when it is
   * released).
   */
  public boolean eventBasedHold() {
    return eventBasedHold;
  }

  /** Whether uploads and downloads are checked against the object's CRC32C. */
  public boolean verifyCrc32c() {
    return verifyCrc32c;
  }

  /** The URI that reads back into these options (without defaults). */
  public URI toUri() {
    StringJoiner q = new StringJoiner("&");
    endpoint.ifPresent(e -> q.add("endpoint=" + e));
    if (anonymous) {
      q.add("credentials=none");
    }
    project.ifPresent(p -> q.add("project=" + p));
    storageClass.ifPresent(c -> q.add("storage-class=" + c));
    if (!tierClasses.isEmpty()) {
      StringJoiner t = new StringJoiner(",");
      new TreeMap<>(tierClasses).forEach((tier, c) -> t.add(tier + ":" + c));
      q.add("tier-classes=" + t);
    }
    q.add("chunk-size=" + chunkSize);
    if (temporaryHold) {
      q.add("temporary-hold=true");
    }
    if (eventBasedHold) {
      q.add("event-based-hold=true");
    }
    return URI.create("gs://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix) + "?" + q);
  }

  @Override
  public String toString() {
    return toUri().toString();
  }

  /** Builds {@link GcsOptions}. */
  public static final class Builder {
    private final String bucket;
    private String prefix = "";
    private URI endpoint;
    private boolean anonymous;
    private String project;
    private String storageClass;
    private final Map<String, String> tierClasses = new LinkedHashMap<>();
    private int chunkSize = 16 << 20;
    private int rangeSize = 16 << 20;
    private int parallelism = 4;
    private int maxAttempts = 6;
    private Duration initialRetryDelay = Duration.ofSeconds(1);
    private boolean temporaryHold;
    private boolean eventBasedHold;
    private boolean verifyCrc32c = true;

    private Builder(String bucket) {
      requireNonNull(bucket, "bucket");
      // GCS bucket names: 3-63 characters (up to 222 with dots), lower case letters, digits, '-',
      // '_' and '.'.
      checkArgument(
          bucket.matches("[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]"),
          "gcs: bucket name (%s) must be 3-222 lower-case letters, digits, '-', '_' or '.'",
          bucket);
      this.bucket = bucket;
    }

    /** The object name prefix; leading and trailing {@code /} are dropped. */
    public Builder prefix(String prefix) {
      String p = requireNonNull(prefix, "prefix").replaceAll("^/+|/+$", "");
      if (!p.isEmpty()) {
        GcsSink.checkPrefix(p);
      }
      this.prefix = p;
      return this;
    }

    /** The service endpoint, e.g. {@code http://127.0.0.1:4443} for an emulator. */
    public Builder endpoint(URI endpoint) {
      requireNonNull(endpoint, "endpoint");
      checkArgument(
          ("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))
              && endpoint.getHost() != null,
          "gcs: endpoint (%s) must be an http:// or https:// URL",
          endpoint);
      this.endpoint = endpoint;
      return this;
    }

    /** Sends no credentials (for emulators). */
    public Builder anonymous(boolean anonymous) {
      this.anonymous = anonymous;
      return this;
    }

    public Builder project(String project) {
      checkArgument(project != null && !project.isBlank(), "gcs: project may not be empty");
      this.project = project;
      return this;
    }

    /** The storage class of new objects (STANDARD, NEARLINE, COLDLINE, ARCHIVE). */
    public Builder storageClass(String storageClass) {
      this.storageClass = GcsOptions.storageClass(requireNonNull(storageClass, "storageClass"));
      return this;
    }

    /**
     * The storage class of new objects in one backup tier ({@code daily}, {@code weekly}, {@code
     * monthly}).
     */
    public Builder tierClass(String tier, String storageClass) {
      checkArgument(TIERS.contains(tier), "gcs: tier (%s) is not one of %s", tier, TIERS);
      tierClasses.put(tier, GcsOptions.storageClass(requireNonNull(storageClass, "storageClass")));
      return this;
    }

    /** The upload chunk; rounded up to a multiple of 256 KiB. */
    public Builder chunkSize(int chunkSize) {
      checkArgument(
          chunkSize > 0 && chunkSize <= MAX_CHUNK_SIZE,
          "gcs: chunk-size (%s) must be 1 byte to 256MiB",
          chunkSize);
      this.chunkSize = (chunkSize + CHUNK_GRANULARITY - 1) / CHUNK_GRANULARITY * CHUNK_GRANULARITY;
      return this;
    }

    public Builder rangeSize(int rangeSize) {
      checkArgument(
          rangeSize >= 4096 && rangeSize <= MAX_CHUNK_SIZE,
          "gcs: range-size (%s) must be 4KiB to 256MiB",
          rangeSize);
      this.rangeSize = rangeSize;
      return this;
    }

    public Builder parallelism(int parallelism) {
      checkArgument(
          parallelism >= 1 && parallelism <= 64,
          "gcs: parallelism (%s) must be 1 to 64",
          parallelism);
      this.parallelism = parallelism;
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      checkArgument(
          maxAttempts >= 1 && maxAttempts <= 20,
          "gcs: max-attempts (%s) must be 1 to 20",
          maxAttempts);
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** The delay before the first retry (1 s by default); tests shorten it. */
    public Builder initialRetryDelay(Duration delay) {
      checkArgument(
          !delay.isNegative() && delay.compareTo(Duration.ofMinutes(1)) <= 0,
          "gcs: initial retry delay (%s) must be 0 to 1 minute",
          delay);
      this.initialRetryDelay = delay;
      return this;
    }

    public Builder temporaryHold(boolean temporaryHold) {
      this.temporaryHold = temporaryHold;
      return this;
    }

    public Builder eventBasedHold(boolean eventBasedHold) {
      this.eventBasedHold = eventBasedHold;
      return this;
    }

    public Builder verifyCrc32c(boolean verifyCrc32c) {
      this.verifyCrc32c = verifyCrc32c;
      return this;
    }

    public GcsOptions build() {
      return new GcsOptions(this);
    }
  }
}
