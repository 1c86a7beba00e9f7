package io.biowerk.dr.keys.aws;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyServiceException;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.WrappingKey;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.keys.ServiceRotation;
import io.biowerk.dr.core.keys.ServiceStanzas;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.EncryptResponse;
import software.amazon.awssdk.services.kms.model.KmsException;

/**
 * Master keys in AWS KMS: each backup's data key is sent to KMS {@code Encrypt} with the KMS key
 * and an encryption context naming the BIOwerk key id ({@value #CONTEXT_KEY}), and the ciphertext
 * blob KMS returns is the stanza {@code aws-kms:<base64 of the blob>}; restore sends it to {@code
 * Decrypt} with the same key id and context. The KMS key never leaves KMS; KMS's automatic key
 * rotation keeps the key id, so it needs no rewrap. (Our data key is made by the codec and may be
 * wrapped to several recipients at once, which is why this uses {@code Encrypt} of our data key
 * rather than {@code GenerateDataKey}.)
 *
 * <p>Key ids: the BIOwerk key id of a KMS key is its key id ({@code 1234abcd-...}, {@code mrk-...})
 * or its alias name without {@code alias/}; a key ARN or alias ARN in {@value #KEY_ID} is reduced
 * to those, and used in full (cross-account keys) whenever that key is used. An alias must keep
 * pointing at the key that wrapped the backups: to move to another KMS key, point the setting at a
 * new alias or key and run {@code keys rewrap}.
 *
 * <p>Settings: {@value #KEY_ID} (the KMS key new backups wrap to: key id, key ARN, {@code
 * alias/<name>} or alias ARN), {@value #REGION} (else the region of a key ARN, else the AWS SDK's
 * default chain: {@code AWS_REGION}, the profile), {@value #ENDPOINT} (optional: a VPC endpoint,
 * FIPS endpoint or a local test server). Credentials come from the AWS SDK's default chain
 * (environment, system properties, web identity, profile, container and instance roles). The caller
 * needs {@code kms:Encrypt} (backups) and {@code kms:Decrypt} (restore, verify, rewrap) on the key.
 *
 * <p>Thread-safe. No data key or credential appears in any message or {@link #toString()}; the HTTP
 * client is the JDK's {@code HttpURLConnection}, which logs no request bodies.
 */
public final class AwsKmsKeys implements KeyProvider, ServiceRotation, Closeable {

  /** The stanza type and the service id. */
  public static final String TYPE = "aws-kms";

  /** Setting: the KMS key new backups are wrapped to. */
  public static final String KEY_ID = "BIOWERK_DR_AWS_KMS_KEY_ID";

  /** Setting: the AWS region of the KMS keys. */
  public static final String REGION = "BIOWERK_DR_AWS_KMS_REGION";

  /** Setting: the KMS endpoint URL, overriding the region's. */
  public static final String ENDPOINT = "BIOWERK_DR_AWS_KMS_ENDPOINT";

  /** The encryption-context entry that binds a wrapped data key to its BIOwerk key id. */
  public static final String CONTEXT_KEY = "biowerk-dr-key-id";

  private static final Pattern ARN =
      Pattern.compile("arn:([a-z-]+):kms:([a-z0-9-]+):([0-9]{12}):(key|alias)/(.+)");
  private static final Pattern KEY_UUID =
      Pattern.compile(
          "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}");

  private final KmsClient kms;
  private final Region region;
  private final String active;
  private final String activeKmsKey;

  private AwsKmsKeys(KmsClient kms, Region region, String active, String activeKmsKey) {
    this.kms = kms;
    this.region = region;
    this.active = active;
    this.activeKmsKey = activeKmsKey;
  }

  /**
   * A provider using the KMS named by {@code settings} and credentials from the AWS SDK's default
   * chain; nothing is sent until a key is used.
   *
   * @throws KeyServiceException if a setting is invalid or no region is found
   */
  public static AwsKmsKeys open(Function<String, String> settings) throws IOException {
    return open(settings, DefaultCredentialsProvider.builder().build());
  }

  /**
   * As {@link #open(Function)}, with the credentials of {@code credentials}.
   *
   * @throws KeyServiceException if a setting is invalid or no region is found
   */
  public static AwsKmsKeys open(
      Function<String, String> settings, AwsCredentialsProvider credentials) throws IOException {
    requireNonNull(settings, "settings");
    requireNonNull(credentials, "credentials");
    String keyId = get(settings, KEY_ID);
    String active = null;
    String activeKmsKey = null;
    String arnRegion = null;
    if (keyId != null) {
      Matcher arn = ARN.matcher(keyId);
      String name;
      if (arn.matches()) {
        arnRegion = arn.group(2);
        name = arn.group(5);
      } else {
        name = keyId.startsWith("alias/") ? keyId.substring("alias/".length()) : keyId;
      }
      try {
        active = MasterKey.checkId(name);
      } catch (IllegalArgumentException e) {
        throw new KeyServiceException(
            "aws-kms: "
                + KEY_ID
                + " ("
                + keyId
                + ") is not a KMS key id, key ARN, alias/<name> or alias ARN whose name is 1-64"
                + " letters, digits, '.', '_' or '-'; correct it",
            TYPE);
      }
      activeKmsKey = keyId;
    }
    String regionName = get(settings, REGION);
    if (regionName == null) {
      regionName = arnRegion;
    }
    Region region;
    if (regionName != null) {
      region = Region.of(regionName);
    } else {
      try {
        region = DefaultAwsRegionProviderChain.builder().build().getRegion();
      } catch (SdkClientException e) {
        throw new KeyServiceException(
            "aws-kms: no AWS region is set; set "
                + REGION
                + " (or AWS_REGION, or a region in the AWS profile), or name the key by its ARN",
            TYPE,
            e);
      }
    }
    KmsClientBuilder builder =
        KmsClient.builder()
            .region(region)
            .credentialsProvider(credentials)
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(10))
                    .socketTimeout(Duration.ofSeconds(30)));
    String endpoint = get(settings, ENDPOINT);
    if (endpoint != null) {
      URI uri;
      try {
        uri = URI.create(endpoint);
      } catch (IllegalArgumentException e) {
        uri = null;
      }
      if (uri == null
          || uri.getHost() == null
          || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
        throw new KeyServiceException(
            "aws-kms: " + ENDPOINT + " (" + endpoint + ") is not an http(s) URL; correct it", TYPE);
      }
      builder.endpointOverride(uri);
    }
    return new AwsKmsKeys(builder.build(), region, active, activeKmsKey);
  }

  private static String get(Function<String, String> settings, String name) {
    String value = settings.apply(name);
    return value == null || value.isBlank() ? null : value.strip();
  }

  @Override
  public Optional<MasterKey> key(String id) {
    return Optional.empty(); // the key stays in KMS: see wrappingKey
  }

  @Override
  public Optional<String> activeKeyId() {
    return Optional.ofNullable(active);
  }

  /** The active key only: listing KMS keys would need {@code kms:ListAliases}, not granted. */
  @Override
  public Set<String> keyIds() {
    Set<String> ids = new TreeSet<>();
    if (active != null) {
      ids.add(active);
    }
    return ids;
  }

  @Override
  public Optional<WrappingKey> wrappingKey(String id) {
    MasterKey.checkId(id);
    return Optional.of(new KmsKey(id, kmsKeyOf(id)));
  }

  /** The KMS {@code KeyId} for BIOwerk key id {@code id}. */
  String kmsKeyOf(String id) {
    if (id.equals(active)) {
      return activeKmsKey;
    }
    return KEY_UUID.matcher(id).matches() ? id : "alias/" + id;
  }

  @Override
  public String activeKeySetting() {
    return KEY_ID;
  }

  /**
   * The {@code aws kms} commands that make a new KMS key with alias {@code id}: creating KMS keys
   * needs {@code kms:CreateKey}, an administrator's permission a backup role should not hold, and
   * the new key's policy is the account owner's decision.
   */
  @Override
  public Optional<String> createKey(String id) {
    MasterKey.checkId(id);
    return Optional.of(
        "create a new KMS key and alias with an administrator's credentials: `aws kms create-key"
            + " --region "
            + region
            + " --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT --description 'BIOwerk"
            + " DR backups'`, then `aws kms create-alias --region "
            + region
            + " --alias-name alias/"
            + id
            + " --target-key-id <KeyId from its answer>`; grant the backup role kms:Encrypt and"
            + " kms:Decrypt on it and set "
            + KEY_ID
            + "=alias/"
            + id);
  }

  /**
   * The {@code aws kms} commands that disable the KMS key of {@code id} at once (reversible) and
   * schedule its deletion: deleting a KMS key is an administrator's decision, with a waiting
   * period.
   */
  @Override
  public Optional<String> removeKey(String id) {
    MasterKey.checkId(id);
    String kmsKey = kmsKeyOf(id);
    boolean alias = kmsKey.startsWith("alias/") || kmsKey.contains(":alias/");
    String keyRef = alias ? "<its key id>" : kmsKey;
    return Optional.of(
        (alias
                ? "find the key behind "
                    + kmsKey
                    + ": `aws kms describe-key --region "
                    + region
                    + " --key-id "
                    + kmsKey
                    + " --query KeyMetadata.KeyId --output text`; "
                : "")
            + "disable it now (reversible, and every use of it stops): `aws kms disable-key"
            + " --region "
            + region
            + " --key-id "
            + keyRef
            + "`; once no copy of any repository needs it, schedule its deletion: `aws kms"
            + " schedule-key-deletion --region "
            + region
            + " --key-id "
            + keyRef
            + " --pending-window-in-days 30`"
            + (alias
                ? " and `aws kms delete-alias --region "
                    + region
                    + " --alias-name alias/"
                    + id
                    + "`"
                : ""));
  }

  /** Closes the HTTP client. */
  @Override
  public void close() {
    kms.close();
  }

  @Override
  public String toString() {
    return "AwsKmsKeys[region " + region + ", active " + activeKmsKey + "]";
  }

  /** One KMS key. */
  private final class KmsKey implements WrappingKey {
    private final String id;
    private final String kmsKey;

    KmsKey(String id, String kmsKey) {
      this.id = id;
      this.kmsKey = kmsKey;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public String wrap(byte[] dataKey) throws IOException {
      EncryptResponse response;
      try {
        response =
            kms.encrypt(
                request ->
                    request
                        .keyId(kmsKey)
                        .plaintext(SdkBytes.fromByteArray(dataKey))
                        .encryptionContext(Map.of(CONTEXT_KEY, id)));
      } catch (SdkException e) {
        throw failure("Encrypt", "kms:Encrypt", e);
      }
      SdkBytes blob = response.ciphertextBlob();
      if (blob == null || blob.asByteArrayUnsafe().length == 0) {
        throw new KeyServiceException(
            "aws-kms: KMS in "
                + region
                + " answered Encrypt with key "
                + kmsKey
                + " without a ciphertext blob; is "
                + ENDPOINT
                + " a KMS endpoint?",
            TYPE);
      }
      return ServiceStanzas.of(TYPE, blob.asByteArrayUnsafe());
    }

    @Override
    public byte[] unwrap(String stanza) throws IOException {
      byte[] blob =
          ServiceStanzas.body(
              TYPE, id, stanza, "the base64 of a KMS ciphertext blob", bytes -> bytes.length > 0);
      DecryptResponse response;
      try {
        byte[] ciphertext = blob;
        response =
            kms.decrypt(
                request ->
                    request
                        .keyId(kmsKey)
                        .ciphertextBlob(SdkBytes.fromByteArray(ciphertext))
                        .encryptionContext(Map.of(CONTEXT_KEY, id)));
      } catch (KmsException e) {
        String code = code(e);
        if ("InvalidCiphertextException".equals(code) || "IncorrectKeyException".equals(code)) {
          throw new WrongKeyException(
              "aws-kms: KMS in "
                  + region
                  + " could not decrypt the wrapped data key for '"
                  + id
                  + "' with key "
                  + kmsKey
                  + " ("
                  + code
                  + "): it was wrapped by another KMS key (was the alias pointed at a new key?"
                  + " point it back, or set "
                  + KEY_ID
                  + " to the key id), or the manifest was damaged; restore the manifest from"
                  + " another copy",
              id);
        }
        throw failure("Decrypt", "kms:Decrypt", e);
      } catch (SdkException e) {
        throw failure("Decrypt", "kms:Decrypt", e);
      }
      byte[] dataKey =
          response.plaintext() == null ? new byte[0] : response.plaintext().asByteArray();
      ServiceStanzas.checkDataKey(TYPE, "KMS", id, dataKey);
      return dataKey;
    }

    private KeyServiceException failure(String operation, String permission, SdkException e) {
      String did = "KMS in " + region + " refused " + operation + " with key " + kmsKey;
      if (!(e instanceof KmsException kmsException)) {
        String text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (text.contains("credentials")) {
          return new KeyServiceException(
              "aws-kms: no AWS credentials for "
                  + operation
                  + " with key "
                  + kmsKey
                  + ": the AWS SDK's default chain found none (set AWS_ACCESS_KEY_ID and"
                  + " AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with an instance or task role)",
              TYPE,
              e);
        }
        return new KeyServiceException(
            "aws-kms: cannot reach KMS in "
                + region
                + " for "
                + operation
                + " with key "
                + kmsKey
                + " ("
                + shorten(text)
                + "); check the network, "
                + REGION
                + " and "
                + ENDPOINT,
            TYPE,
            e);
      }
      String code = code(kmsException);
      String detail =
          kmsException.awsErrorDetails() == null
                  || kmsException.awsErrorDetails().errorMessage() == null
              ? ""
              : ": " + shorten(kmsException.awsErrorDetails().errorMessage());
      String advice =
          switch (code) {
            case "AccessDeniedException" ->
                "the caller lacks "
                    + permission
                    + " on "
                    + kmsKey
                    + "; grant "
                    + permission
                    + " in the key policy or the caller's IAM policy (for an encryption context"
                    + " condition: "
                    + CONTEXT_KEY
                    + "="
                    + id
                    + ")";
            case "NotFoundException" ->
                "there is no KMS key or alias "
                    + kmsKey
                    + " in "
                    + region
                    + "; check "
                    + KEY_ID
                    + " and "
                    + REGION;
            case "DisabledException" ->
                "the KMS key "
                    + kmsKey
                    + " is disabled; enable it (aws kms enable-key --key-id ...) to use it";
            case "KMSInvalidStateException" ->
                "the KMS key "
                    + kmsKey
                    + " is pending deletion or not usable in its state; cancel the deletion"
                    + " (aws kms cancel-key-deletion) or use another key";
            case "InvalidKeyUsageException" ->
                "the KMS key "
                    + kmsKey
                    + " is not a symmetric ENCRYPT_DECRYPT key; use one that is";
            case "ThrottlingException", "LimitExceededException" ->
                "KMS throttled the request after the SDK's retries; run fewer backups at once or"
                    + " raise the account's KMS request quota";
            case "UnrecognizedClientException",
                "InvalidSignatureException",
                "ExpiredTokenException",
                "InvalidClientTokenId" ->
                "the AWS credentials are not valid or have expired; renew them";
            case "KeyUnavailableException",
                "DependencyTimeoutException",
                "KMSInternalException",
                "InternalFailureException",
                "ServiceUnavailableException" ->
                "KMS is unavailable for now; try again later";
            default -> "see the AWS error code";
          };
      return new KeyServiceException(
          "aws-kms: " + did + " (" + code + detail + "): " + advice, TYPE, e);
    }
  }

  private static String code(KmsException e) {
    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    return code == null ? "HTTP " + e.statusCode() : code;
  }

  private static String shorten(String text) {
    return text.length() > 300 ? text.substring(0, 300) + "..." : text;
  }
}
