package io.biowerk.dr.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one backup is: the small JSON document written after its data object, as the commit point.
 * The catalog lists manifests, never bare data objects. See {@link Manifests} for the JSON form.
 *
 * @param id the backup id, {@code <source>_<YYYYMMDD>_<HHMMSS>} in UTC (a suffix keeps ids unique)
 * @param sourceKind the source's kind ({@code postgresql}, {@code redis}, {@code files})
 * @param sourceName the source's name in the repository layout ({@code postgres})
 * @param sourceUri the source URI with any password removed
 * @param format the native format ({@code dump}, {@code rdb}, {@code tar})
 * @param startedAt when the backup started
 * @param finishedAt when its data was committed
 * @param codecs the encode chain, first applied first
 * @param keyId the id of the master key it was encrypted with, if encrypted
 * @param rawSize bytes the source produced
 * @param storedSize bytes stored
 * @param rawSha256 SHA-256 of the source's bytes, lower-case hex
 * @param storedSha256 SHA-256 of the stored bytes, lower-case hex
 * @param dataKey the key of the data object in the sink
 * @param facts what the source recorded (server version, positions, counts), JSON-compatible values
 * @param mac the manifest's authentication code ({@code hmac-sha256:<hex>}) when the backup is
 *     encrypted; see {@code docs/format/manifest-authentication.md} and {@link
 *     io.biowerk.dr.core.codec.ManifestAuthentication}
 */
public record BackupManifest(
    String id,
    String sourceKind,
    String sourceName,
    String sourceUri,
    String format,
    Instant startedAt,
    Instant finishedAt,
    List<CodecSpec> codecs,
    Optional<String> keyId,
    long rawSize,
    long storedSize,
    String rawSha256,
    String storedSha256,
    String dataKey,
    Map<String, Object> facts,
    Optional<String> mac) {

  /** The manifest schema version this code writes, and the newest it reads. */
  public static final int SCHEMA_VERSION = 1;

  /** Suffix of a manifest's key: {@code <dataKey>.manifest.json}. */
  public static final String MANIFEST_SUFFIX = ".manifest.json";

  /** Suffix of the {@code sha256sum}-format side file: {@code <dataKey>.sha256}. */
  public static final String SHA256_SUFFIX = ".sha256";

  public BackupManifest {
    requireNonNull(id, "id");
    requireNonNull(sourceKind, "sourceKind");
    requireNonNull(sourceName, "sourceName");
    requireNonNull(sourceUri, "sourceUri");
    requireNonNull(format, "format");
    requireNonNull(startedAt, "startedAt");
    requireNonNull(finishedAt, "finishedAt");
    codecs = List.copyOf(codecs);
    requireNonNull(keyId, "keyId");
    checkArgument(rawSize >= 0, "rawSize (%s) may not be negative", rawSize);
    checkArgument(storedSize >= 0, "storedSize (%s) may not be negative", storedSize);
    requireNonNull(rawSha256, "rawSha256");
    requireNonNull(storedSha256, "storedSha256");
    requireNonNull(dataKey, "dataKey");
    facts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(facts));
    requireNonNull(mac, "mac");
  }

  /** A manifest without an authentication code (unencrypted, or not signed yet). */
  public BackupManifest(
      String id,
      String sourceKind,
      String sourceName,
      String sourceUri,
      String format,
      Instant startedAt,
      Instant finishedAt,
      List<CodecSpec> codecs,
      Optional<String> keyId,
      long rawSize,
      long storedSize,
      String rawSha256,
      String storedSha256,
      String dataKey,
      Map<String, Object> facts) {
    this(
        id,
        sourceKind,
        sourceName,
        sourceUri,
        format,
        startedAt,
        finishedAt,
        codecs,
        keyId,
        rawSize,
        storedSize,
        rawSha256,
        storedSha256,
        dataKey,
        facts,
        Optional.empty());
  }

  /** A copy carrying the authentication code {@code mac}, or none. */
  public BackupManifest withMac(Optional<String> mac) {
    return new BackupManifest(
        id,
        sourceKind,
        sourceName,
        sourceUri,
        format,
        startedAt,
        finishedAt,
        codecs,
        keyId,
        rawSize,
        storedSize,
        rawSha256,
        storedSha256,
        dataKey,
        facts,
        mac);
  }

  /** The manifest's own key in the sink. */
  public String manifestKey() {
    return dataKey + MANIFEST_SUFFIX;
  }

  /** The key of the {@code sha256sum}-format side file. */
  public String sha256Key() {
    return dataKey + SHA256_SUFFIX;
  }

  /** The data object's file name, the last segment of {@link #dataKey()}. */
  public String fileName() {
    return dataKey.substring(dataKey.lastIndexOf('/') + 1);
  }

  /** The layout folder the data object is in ({@code daily}, {@code weekly}, {@code monthly}). */
  public String tier() {
    return BackupLayout.tierOf(dataKey);
  }

  /** How long the backup took. */
  public Duration duration() {
    return Duration.between(startedAt, finishedAt);
  }

  /** Whether the chain encrypts. */
  public boolean encrypted() {
    return keyId.isPresent();
  }

  /**
   * A copy that says its data object lives at {@code newDataKey} (after promotion to another tier).
   * The authentication code stays valid: it does not cover the data key (the stored SHA-256 binds
   * the data object).
   */
  public BackupManifest withDataKey(String newDataKey) {
    return new BackupManifest(
        id,
        sourceKind,
        sourceName,
        sourceUri,
        format,
        startedAt,
        finishedAt,
        codecs,
        keyId,
        rawSize,
        storedSize,
        rawSha256,
        storedSha256,
        newDataKey,
        facts,
        mac);
  }

  @Override
  public String toString() {
    return "Backup["
        + id
        + " "
        + sourceUri
        + " -> "
        + dataKey
        + ", "
        + rawSize
        + " -> "
        + storedSize
        + " bytes, "
        + codecs
        + "]";
  }
}
