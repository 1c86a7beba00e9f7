package io.biowerk.dr.storage.azure;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.azure.storage.blob.models.AccessTier;
import com.azure.storage.blob.models.RehydratePriority;
import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.ObjectKeys;
import io.biowerk.dr.core.UriOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of an {@link AzureSink}: storage account, container, blob name prefix, where the
 * account is (endpoint or endpoint suffix), how it is reached (credentials), how blobs are stored
 * (access tier per backup tier, legal hold, immutability) and how they are moved (block size,
 * parallelism, range size, retries). Immutable; make one with {@link #builder(String, String)} or
 * {@link #fromUri(URI, Map)}.
 *
 * <p><b>Credentials</b> never ride on the URI. They are looked up in the order the Azure CLI uses
 * for {@code az storage}: a connection string ({@code AZURE_STORAGE_CONNECTION_STRING}), an account
 * key ({@code AZURE_STORAGE_KEY}), a SAS token ({@code AZURE_STORAGE_SAS_TOKEN}), and otherwise
 * Microsoft Entra ID through {@code DefaultAzureCredential} (environment service principal,
 * workload identity, managed identity, Azure CLI / PowerShell / azd login). {@code ?auth=} forces
 * one of them. {@link #toString()} names the kind of credential and where it came from, never its
 * value.
 */
public final class AzureOptions {

  /** Azure's largest block (4,000 MiB); this sink's buffers stop at {@link #MAX_BLOCK_SIZE}. */
  public static final long AZURE_MAX_BLOCK = 4000L << 20;

  /** The largest block buffer this sink allocates. */
  public static final int MAX_BLOCK_SIZE = 1 << 30;

  /** Azure's limit on committed blocks per blob. */
  public static final int MAX_BLOCKS = 50_000;

  /**
   * Objects at most this large are never put in the Archive tier: manifests and side files stay
   * readable.
   */
  public static final long MIN_ARCHIVE_SIZE = 128 << 10;

  /** How the sink authenticates. */
  public enum Auth {
    /** The first found of the others, in the order listed. */
    AUTO,
    /** A connection string ({@code AZURE_STORAGE_CONNECTION_STRING}). */
    CONNECTION_STRING,
    /** The account name of the URI and a shared key ({@code AZURE_STORAGE_KEY}). */
    KEY,
    /** A shared access signature ({@code AZURE_STORAGE_SAS_TOKEN}). */
    SAS,
    /** Microsoft Entra ID through {@code DefaultAzureCredential}. */
    DEFAULT
  }

  static final String ENV_CONNECTION_STRING = "AZURE_STORAGE_CONNECTION_STRING";
  static final String ENV_KEY = "AZURE_STORAGE_KEY";
  static final String ENV_SAS = "AZURE_STORAGE_SAS_TOKEN";

  private static final String CREDENTIALS_ADVICE =
      "credentials in a URI end up in logs and shell history; set "
          + ENV_CONNECTION_STRING
          + ", "
          + ENV_KEY
          + " or "
          + ENV_SAS
          + ", or sign in for DefaultAzureCredential";
  static final UriOptions.Spec OPTIONS =
      credentialsRefused(
          UriOptions.spec("azure sink")
              .known(
                  "endpoint",
                  "endpoint-suffix",
                  "auth",
                  "tier",
                  "tier-daily",
                  "tier-weekly",
                  "tier-monthly",
                  "block-size",
                  "parallelism",
                  "range-size",
                  "max-attempts",
                  "create-container",
                  "legal-hold",
                  "immutability-days",
                  "checksum",
                  "archive-tag",
                  "rehydrate"));

  private static UriOptions.Spec credentialsRefused(UriOptions.Spec spec) {
    for (String name :
        List.of(
            "key",
            "account-key",
            "accountkey",
            "sas",
            "sas-token",
            "sig",
            "connection-string",
            "connectionstring",
            "password",
            "secret",
            "token",
            "credentials")) {
      spec.refuse(name, CREDENTIALS_ADVICE);
    }
    return spec;
  }

  private static final Pattern ACCOUNT = Pattern.compile("[a-z0-9]{3,24}");
  private static final Pattern CONTAINER =
      Pattern.compile("\\$root|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}");

  private final String account;
  private final String container;
  private final String prefix;
  private final Optional<URI> endpoint;
  private final String endpointSuffix;
  private final Auth auth;
  private final Optional<String> connectionString;
  private final Optional<String> accountKey;
  private final Optional<String> sasToken;
  private final String credentialSource;
  private final Optional<AccessTier> defaultTier;
  private final Map<String, AccessTier> tiers;
  private final int blockSize;
  private final int parallelism;
  private final int rangeSize;
  private final int maxAttempts;
  private final Duration retryDelay;
  private final Duration maxRetryDelay;
  private final boolean createContainer;
  private final boolean legalHold;
  private final Optional<Duration> immutabilityPeriod;
  private final boolean md5;
  private final boolean archiveTag;
  private final Optional<RehydratePriority> rehydrate;
  private final int listPageSize;

  private AzureOptions(Builder b) {
    this.account = b.account;
    this.container = b.container;
    this.prefix = b.prefix;
    this.endpoint = Optional.ofNullable(b.endpoint);
    this.endpointSuffix = b.endpointSuffix;
    this.auth = b.auth;
    this.connectionString = Optional.ofNullable(b.connectionString);
    this.accountKey = Optional.ofNullable(b.accountKey);
    this.sasToken = Optional.ofNullable(b.sasToken);
    this.credentialSource = b.credentialSource;
    this.defaultTier = Optional.ofNullable(b.defaultTier);
    this.tiers = Collections.unmodifiableMap(new TreeMap<>(b.tiers));
    this.blockSize = b.blockSize;
    this.parallelism = b.parallelism;
    this.rangeSize = b.rangeSize == 0 ? b.blockSize : b.rangeSize;
    this.maxAttempts = b.maxAttempts;
    this.retryDelay = b.retryDelay;
    this.maxRetryDelay = b.maxRetryDelay;
    this.createContainer = b.createContainer;
    this.legalHold = b.legalHold;
    this.immutabilityPeriod = Optional.ofNullable(b.immutabilityPeriod);
    this.md5 = b.md5;
    this.archiveTag = b.archiveTag;
    this.rehydrate = Optional.ofNullable(b.rehydrate);
    this.listPageSize = b.listPageSize;
  }

  /** A builder for a repository in {@code container} of storage account {@code account}. */
  public static Builder builder(String account, String container) {
    return new Builder(account, container);
  }

  /** {@link #fromUri(URI, Map)} with the process environment. */
  public static AzureOptions fromUri(URI uri) {
    return fromUri(uri, System.getenv());
  }

  /**
   * Reads {@code
   * azure://account/container/prefix?endpoint=..&endpoint-suffix=..&auth=..&tier-daily=Cool
   * &tier-weekly=Cool&tier-monthly=Cold&tier=..&block-size=8MiB&parallelism=4&range-size=8MiB&max-attempts=4
   * &create-container=false&legal-hold=false&immutability-days=..&checksum=md5}, with credentials
   * from {@code env} (see the class comment).
   *
   * @throws IllegalArgumentException if the URI is not an {@code azure:} URI, an option is unknown
   *     or malformed, or the credentials asked for by {@code auth} are not in {@code env}; the
   *     message names the option or variable, never a credential's value
   */
  public static AzureOptions fromUri(URI uri, Map<String, String> env) {
    requireNonNull(uri, "uri");
    requireNonNull(env, "env");
    checkArgument(
        "azure".equalsIgnoreCase(uri.getScheme()),
        "azure sink: repository URI must start with azure://, not %s",
        uri.getScheme());
    checkArgument(
        uri.getRawUserInfo() == null,
        "azure sink: credentials may not ride on the repository URI (they would end up in logs and shell history); set"
            + " %s, %s or %s, or sign in for DefaultAzureCredential (az login, managed identity)",
        ENV_CONNECTION_STRING,
        ENV_KEY,
        ENV_SAS);
    String account = uri.getHost() != null ? uri.getHost() : uri.getAuthority();
    checkArgument(
        account != null && !account.isEmpty(),
        "azure sink: repository URI needs an account and a container, e.g. azure://mybackups/biowerk/prod");
    String path = uri.getPath() == null ? "" : uri.getPath().replaceAll("^/+", "");
    int slash = path.indexOf('/');
    String container = slash < 0 ? path : path.substring(0, slash);
    checkArgument(
        !container.isEmpty(),
        "azure sink: repository URI needs a container after the account, e.g. azure://%s/biowerk/prod",
        account);
    Builder b = builder(account, container).prefix(slash < 0 ? "" : path.substring(slash + 1));
    UriOptions query = OPTIONS.parse(uri);
    for (String name : query.names()) {
      String value = query.get(name).orElseThrow();
      switch (name) {
        case "endpoint" -> b.endpoint(URI.create(value));
        case "endpoint-suffix" -> b.endpointSuffix(value);
        case "auth" -> b.auth(auth(value));
        case "tier" -> b.defaultTier(tier(name, value));
        case "tier-daily" -> b.tier(BackupLayout.DAILY, tier(name, value));
        case "tier-weekly" -> b.tier(BackupLayout.WEEKLY, tier(name, value));
        case "tier-monthly" -> b.tier(BackupLayout.MONTHLY, tier(name, value));
        case "block-size" -> b.blockSize(intSize(name, value));
        case "parallelism" -> b.parallelism(integer(name, value));
        case "range-size" -> b.rangeSize(intSize(name, value));
        case "max-attempts" -> b.maxAttempts(integer(name, value));
        case "create-container" -> b.createContainer(bool(name, value));
        case "legal-hold" -> b.legalHold(bool(name, value));
        case "immutability-days" -> b.immutabilityPeriod(Duration.ofDays(integer(name, value)));
        case "checksum" -> b.md5(checksum(value));
        case "archive-tag" -> b.archiveTag(bool(name, value));
        case "rehydrate" -> b.rehydrate(rehydratePriority(value));
        default -> throw new IllegalStateException("declared but not read: " + name);
      }
    }
    b.credentialsFrom(env);
    return b.build();
  }

  private static boolean bool(String name, String value) {
    if (value.isEmpty() || value.equalsIgnoreCase("true")) {
      return true;
    }
    checkArgument(
        value.equalsIgnoreCase("false"),
        "azure sink: option %s (%s) must be true or false",
        name,
        value);
    return false;
  }

  private static int integer(String name, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "azure sink: option " + name + " (" + value + ") must be a whole number", e);
    }
  }

  private static int intSize(String name, String value) {
    long bytes = parseSize(name, value);
    checkArgument(
        bytes <= MAX_BLOCK_SIZE, "azure sink: option %s (%s) may not exceed 1GiB", name, value);
    return (int) bytes;
  }

  /**
   * Parses {@code 8MiB}, {@code 8M}, {@code 512KiB}, {@code 1GiB} or a plain byte count; units are
   * binary.
   */
  static long parseSize(String name, String value) {
    Matcher m =
        Pattern.compile("(?i)\\s*(\\d+)\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)\\s*").matcher(value);
    checkArgument(
        m.matches(),
        "azure sink: option %s (%s) must be a size such as 8MiB, 512KiB or 1048576",
        name,
        value);
    long multiplier =
        switch (m.group(2).toUpperCase(Locale.ROOT)) {
          case "", "B" -> 1L;
          case "K", "KB", "KIB" -> 1L << 10;
          case "M", "MB", "MIB" -> 1L << 20;
          default -> 1L << 30;
        };
    try {
      return Math.multiplyExact(Long.parseLong(m.group(1)), multiplier);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException(
          "azure sink: option " + name + " (" + value + ") is too large", e);
    }
  }

  /** An access tier by its Azure name, case-insensitively: Hot, Cool, Cold or Archive. */
  static AccessTier tier(String name, String value) {
    for (AccessTier tier :
        new AccessTier[] {AccessTier.HOT, AccessTier.COOL, AccessTier.COLD, AccessTier.ARCHIVE}) {
      if (tier.toString().equalsIgnoreCase(value)) {
        return tier;
      }
    }
    throw new IllegalArgumentException(
        "azure sink: option "
            + name
            + " ("
            + value
            + ") must be one of Hot, Cool, Cold,"
            + " Archive");
  }

  private static Auth auth(String value) {
    for (Auth a : Auth.values()) {
      if (a.name().replace('_', '-').equalsIgnoreCase(value)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "azure sink: option auth ("
            + value
            + ") must be one of auto, connection-string,"
            + " key, sas, default");
  }

  private static RehydratePriority rehydratePriority(String value) {
    checkArgument(
        value.equalsIgnoreCase("standard") || value.equalsIgnoreCase("high"),
        "azure sink: option rehydrate (%s) must be standard or high",
        value);
    return value.equalsIgnoreCase("high") ? RehydratePriority.HIGH : RehydratePriority.STANDARD;
  }

  private static boolean checksum(String value) {
    checkArgument(
        value.equalsIgnoreCase("md5") || value.equalsIgnoreCase("none"),
        "azure sink: option checksum (%s) must be md5 or none",
        value);
    return value.equalsIgnoreCase("md5");
  }

  /** The storage account name. */
  public String account() {
    return account;
  }

  /** The container. */
  public String container() {
    return container;
  }

  /**
   * The blob name prefix, without leading or trailing {@code /}; empty for the container's root.
   */
  public String prefix() {
    return prefix;
  }

  /**
   * The Blob service endpoint: the {@code endpoint} option, else the connection string's {@code
   * BlobEndpoint} (empty here: the SDK reads it), else {@code
   * https://<account>.blob.<endpoint-suffix>}.
   */
  public Optional<URI> endpoint() {
    return endpoint;
  }

  /** The DNS suffix of the cloud: {@code core.windows.net}, {@code core.chinacloudapi.cn}, .... */
  public String endpointSuffix() {
    return endpointSuffix;
  }

  /** The endpoint the client talks to when no connection string supplies one. */
  URI serviceEndpoint() {
    return endpoint.orElseGet(() -> URI.create("https://" + account + ".blob." + endpointSuffix));
  }

  /** Which credential the sink uses; never {@link Auth#AUTO} after {@link Builder#build()}. */
  public Auth auth() {
    return auth;
  }

  Optional<String> connectionString() {
    return connectionString;
  }

  Optional<String> accountKey() {
    return accountKey;
  }

  Optional<String> sasToken() {
    return sasToken;
  }

  /**
   * The access tier for blobs outside the daily/weekly/monthly folders; empty for the account
   * default.
   */
  public Optional<AccessTier> defaultTier() {
    return defaultTier;
  }

  /** The access tier per backup tier folder ({@code daily}, {@code weekly}, {@code monthly}). */
  public Map<String, AccessTier> tiers() {
    return tiers;
  }

  /**
   * The access tier a blob of {@code key} and {@code size} bytes is written with: that of its
   * backup tier folder ({@code <source>/<tier>/...}), else the default; Archive only for blobs over
   * 128 KiB (smaller ones get Cold, so manifests and side files stay readable without rehydration).
   */
  public Optional<AccessTier> tierFor(String key, long size) {
    String[] segments = key.split("/", -1);
    AccessTier tier = segments.length >= 3 ? tiers.get(segments[1]) : null;
    if (tier == null) {
      tier = defaultTier.orElse(null);
    }
    if (AccessTier.ARCHIVE.equals(tier) && size <= MIN_ARCHIVE_SIZE) {
      tier = AccessTier.COLD;
    }
    return Optional.ofNullable(tier);
  }

  /** The size of a staged block (the first 10,000 blocks; then it doubles every 10,000 blocks). */
  public int blockSize() {
    return blockSize;
  }

  /** Blocks staged, or ranges read, at once per stream. */
  public int parallelism() {
    return parallelism;
  }

  /** The size of a ranged read. */
  public int rangeSize() {
    return rangeSize;
  }

  /** Attempts per request, the first included, before a transient failure is reported. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The first retry's delay; later ones back off exponentially. */
  public Duration retryDelay() {
    return retryDelay;
  }

  /** The longest delay between retries. */
  public Duration maxRetryDelay() {
    return maxRetryDelay;
  }

  /** Whether a missing container is created when the sink opens. */
  public boolean createContainer() {
    return createContainer;
  }

  /**
   * Whether committed blobs get a legal hold (needs version-level immutability on the container).
   */
  public boolean legalHold() {
    return legalHold;
  }

  /**
   * How long committed blobs are immutable (an unlocked time-based policy); needs version-level
   * immutability.
   */
  public Optional<Duration> immutabilityPeriod() {
    return immutabilityPeriod;
  }

  /** Whether every block and single-request upload carries a Content-MD5 the service verifies. */
  public boolean md5() {
    return md5;
  }

  /**
   * Whether data blobs over 128 KiB get the index tag {@code biowerk-archivable=true}, which the
   * archive rule of an {@link AzureLifecyclePolicy} matches (needs the tag permission).
   */
  public boolean archiveTag() {
    return archiveTag;
  }

  /**
   * Whether reading an archived blob starts its rehydration to Cold, at this priority (the read
   * still fails with a {@link BlobArchivedException}: the blob is readable hours later).
   */
  public Optional<RehydratePriority> rehydrate() {
    return rehydrate;
  }

  /** Blobs per listing page (Azure's maximum is 5,000). */
  public int listPageSize() {
    return listPageSize;
  }

  /** The repository URI without credentials, then the kind of credential and where it came from. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("azure://").append(account).append('/').append(container);
    if (!prefix.isEmpty()) {
      s.append('/').append(prefix);
    }
    StringBuilder q = new StringBuilder();
    endpoint.ifPresent(e -> q.append("&endpoint=").append(e));
    if (!endpointSuffix.equals("core.windows.net")) {
      q.append("&endpoint-suffix=").append(endpointSuffix);
    }
    tiers.forEach((tier, access) -> q.append("&tier-").append(tier).append('=').append(access));
    defaultTier.ifPresent(t -> q.append("&tier=").append(t));
    if (archiveTag) {
      q.append("&archive-tag=true");
    }
    rehydrate.ifPresent(p -> q.append("&rehydrate=").append(p.toString().toLowerCase(Locale.ROOT)));
    if (legalHold) {
      q.append("&legal-hold=true");
    }
    immutabilityPeriod.ifPresent(p -> q.append("&immutability-days=").append(p.toDays()));
    if (q.length() > 0) {
      s.append('?').append(q.substring(1));
    }
    return s.append(" (").append(credentialSource).append(')').toString();
  }

  /** Builds {@link AzureOptions}. */
  public static final class Builder {
    private final String account;
    private final String container;
    private String prefix = "";
    private URI endpoint;
    private String endpointSuffix = "core.windows.net";
    private Auth auth = Auth.AUTO;
    private String connectionString;
    private String accountKey;
    private String sasToken;
    private String credentialSource;
    private AccessTier defaultTier;
    private final Map<String, AccessTier> tiers =
        new TreeMap<>(
            Map.of(
                BackupLayout.DAILY,
                AccessTier.COOL,
                BackupLayout.WEEKLY,
                AccessTier.COOL,
                BackupLayout.MONTHLY,
                AccessTier.COLD));
    private int blockSize = 8 << 20;
    private int parallelism = 4;
    private int rangeSize;
    private int maxAttempts = 4;
    private Duration retryDelay = Duration.ofSeconds(4);
    private Duration maxRetryDelay = Duration.ofMinutes(2);
    private boolean createContainer;
    private boolean legalHold;
    private Duration immutabilityPeriod;
    private boolean md5 = true;
    private boolean archiveTag;
    private RehydratePriority rehydrate;
    private int listPageSize = 5000;

    private Builder(String account, String container) {
      checkArgument(
          account != null && ACCOUNT.matcher(account).matches(),
          "azure sink: storage account name (%s) must be 3-24 lower-case letters and digits",
          account);
      checkArgument(
          container != null && CONTAINER.matcher(container).matches(),
          "azure sink: container name (%s) must be 3-63 lower-case letters, digits and single hyphens, starting and"
              + " ending with a letter or digit",
          container);
      this.account = account;
      this.container = container;
    }

    /** The blob name prefix; leading and trailing {@code /} are dropped. */
    public Builder prefix(String prefix) {
      String p = requireNonNull(prefix, "prefix").replaceAll("^/+|/+$", "");
      if (!p.isEmpty()) {
        ObjectKeys.checkPrefix(p);
      }
      this.prefix = p;
      return this;
    }

    /** The Blob service endpoint ({@code http://127.0.0.1:10000/devstoreaccount1} for Azurite). */
    public Builder endpoint(URI endpoint) {
      requireNonNull(endpoint, "endpoint");
      checkArgument(
          "http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()),
          "azure sink: endpoint (%s) must be an http:// or https:// URL",
          endpoint);
      checkArgument(
          endpoint.getRawUserInfo() == null && endpoint.getRawQuery() == null,
          "azure sink: endpoint may not carry credentials or a query (a SAS token belongs in %s)",
          ENV_SAS);
      this.endpoint = endpoint;
      return this;
    }

    /** The cloud's DNS suffix ({@code core.usgovcloudapi.net}, {@code core.chinacloudapi.cn}). */
    public Builder endpointSuffix(String suffix) {
      checkArgument(
          suffix != null && suffix.matches("[a-z0-9.-]+"),
          "azure sink: endpoint-suffix (%s) must be a DNS" + " suffix such as core.windows.net",
          suffix);
      this.endpointSuffix = suffix;
      return this;
    }

    /** Which credential to use; {@link Auth#AUTO} picks the first one found. */
    public Builder auth(Auth auth) {
      this.auth = requireNonNull(auth, "auth");
      return this;
    }

    /** Authenticates with a connection string (it may name the endpoint too). */
    public Builder connectionString(String connectionString) {
      this.connectionString = requireNonNull(connectionString, "connectionString");
      this.auth = Auth.CONNECTION_STRING;
      this.credentialSource = "connection string";
      return this;
    }

    /** Authenticates with the account's shared key. */
    public Builder accountKey(String key) {
      this.accountKey = requireNonNull(key, "key");
      this.auth = Auth.KEY;
      this.credentialSource = "account key";
      return this;
    }

    /** Authenticates with a shared access signature (with or without the leading {@code ?}). */
    public Builder sasToken(String sasToken) {
      this.sasToken = requireNonNull(sasToken, "sasToken").replaceFirst("^\\?", "");
      this.auth = Auth.SAS;
      this.credentialSource = "SAS token";
      return this;
    }

    /** The access tier of blobs under {@code <source>/<backupTier>/}. */
    public Builder tier(String backupTier, AccessTier tier) {
      checkArgument(
          BackupLayout.BACKUP_TIERS.contains(backupTier),
          "azure sink: backup tier (%s) must be one of %s",
          backupTier,
          BackupLayout.BACKUP_TIERS);
      tiers.put(backupTier, requireNonNull(tier, "tier"));
      return this;
    }

    /** The access tier of other blobs (WAL, oplog, markers); unset for the account's default. */
    public Builder defaultTier(AccessTier tier) {
      this.defaultTier = requireNonNull(tier, "tier");
      return this;
    }

    public Builder blockSize(int bytes) {
      checkArgument(
          bytes >= 64 << 10 && bytes <= MAX_BLOCK_SIZE,
          "azure sink: block-size (%s) must be between 64KiB and 1GiB",
          bytes);
      this.blockSize = bytes;
      return this;
    }

    public Builder parallelism(int parallelism) {
      checkArgument(
          parallelism >= 1 && parallelism <= 64,
          "azure sink: parallelism (%s) must be between 1 and 64",
          parallelism);
      this.parallelism = parallelism;
      return this;
    }

    public Builder rangeSize(int bytes) {
      checkArgument(
          bytes >= 64 << 10 && bytes <= MAX_BLOCK_SIZE,
          "azure sink: range-size (%s) must be between 64KiB and 1GiB",
          bytes);
      this.rangeSize = bytes;
      return this;
    }

    public Builder maxAttempts(int attempts) {
      checkArgument(
          attempts >= 1 && attempts <= 20,
          "azure sink: max-attempts (%s) must be between 1 and 20",
          attempts);
      this.maxAttempts = attempts;
      return this;
    }

    /** The first retry delay and the longest one (exponential backoff in between). */
    public Builder retryDelay(Duration first, Duration max) {
      checkArgument(
          !first.isNegative() && !first.isZero() && max.compareTo(first) >= 0,
          "azure sink: retry delays (%s, %s) must be positive, the first no larger than the longest",
          first,
          max);
      this.retryDelay = first;
      this.maxRetryDelay = max;
      return this;
    }

    public Builder createContainer(boolean create) {
      this.createContainer = create;
      return this;
    }

    public Builder legalHold(boolean legalHold) {
      this.legalHold = legalHold;
      return this;
    }

    public Builder immutabilityPeriod(Duration period) {
      checkArgument(
          !period.isNegative() && !period.isZero() && period.toDays() >= 1,
          "azure sink: immutability-days (%s) must be at least 1",
          period.toDays());
      this.immutabilityPeriod = period;
      return this;
    }

    /** Whether blocks carry a Content-MD5 the service verifies (default true). */
    public Builder md5(boolean md5) {
      this.md5 = md5;
      return this;
    }

    /** Starts the rehydration of an archived blob when a read finds it, at {@code priority}. */
    public Builder rehydrate(RehydratePriority priority) {
      this.rehydrate = requireNonNull(priority, "priority");
      return this;
    }

    /**
     * Tags data blobs over 128 KiB {@code biowerk-archivable=true} for the lifecycle policy's
     * archive rule.
     */
    public Builder archiveTag(boolean tag) {
      this.archiveTag = tag;
      return this;
    }

    /** Blobs per listing page, 1 to 5,000; smaller pages only in tests of paging. */
    public Builder listPageSize(int size) {
      checkArgument(
          size >= 1 && size <= 5000,
          "azure sink: list page size (%s) must be between 1 and 5000",
          size);
      this.listPageSize = size;
      return this;
    }

    /**
     * Picks the credential from {@code env} as {@link AzureOptions} describes, unless one was set
     * explicitly.
     *
     * @throws IllegalArgumentException if {@code auth} asks for a variable that is not set, or the
     *     connection string is for another account
     */
    Builder credentialsFrom(Map<String, String> env) {
      if (credentialSource != null) {
        return this;
      }
      String cs = nonBlank(env.get(ENV_CONNECTION_STRING));
      String key = nonBlank(env.get(ENV_KEY));
      String sas = nonBlank(env.get(ENV_SAS));
      switch (auth) {
        case AUTO -> {
          if (cs != null) {
            connectionString(cs);
          } else if (key != null) {
            accountKey(key);
          } else if (sas != null) {
            sasToken(sas);
          } else {
            auth = Auth.DEFAULT;
          }
        }
        case CONNECTION_STRING ->
            connectionString(require(cs, ENV_CONNECTION_STRING, "connection-string"));
        case KEY -> accountKey(require(key, ENV_KEY, "key"));
        case SAS -> sasToken(require(sas, ENV_SAS, "sas"));
        case DEFAULT -> {}
      }
      if (connectionString != null) {
        credentialSource = "connection string from " + ENV_CONNECTION_STRING;
      } else if (accountKey != null) {
        credentialSource = "account key from " + ENV_KEY;
      } else if (sasToken != null) {
        credentialSource = "SAS token from " + ENV_SAS;
      }
      return this;
    }

    private static String nonBlank(String value) {
      return value == null || value.isBlank() ? null : value.trim();
    }

    private static String require(String value, String variable, String auth) {
      checkArgument(value != null, "azure sink: auth=%s needs %s to be set", auth, variable);
      return value;
    }

    public AzureOptions build() {
      if (connectionString != null) {
        Matcher name =
            Pattern.compile("(?i)(?:^|;)\\s*AccountName\\s*=\\s*([^;]+)").matcher(connectionString);
        checkArgument(
            !name.find() || name.group(1).trim().equals(account),
            "azure sink: the connection string is for another storage account than '%s' (the repository URI's); use"
                + " the connection string of that account, or the account its AccountName names in the URI",
            account);
      }
      if (auth == Auth.AUTO) {
        auth = Auth.DEFAULT;
      }
      if (credentialSource == null) {
        credentialSource = auth == Auth.DEFAULT ? "DefaultAzureCredential" : auth.name();
      }
      return new AzureOptions(this);
    }
  }
}
