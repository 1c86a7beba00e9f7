package io.biowerk.dr.redis;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.NativeVerifier;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.VerificationLevel;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The Redis native check of a backup (source kind {@code redis}): a full {@link RdbParser} pass
 * (CRC-64 and every record and encoding), with the keys per database compared to those the manifest
 * recorded at backup time. At {@link VerificationLevel#RESTORE} it also restores the backup into
 * the scratch server named by the {@code scratch-uri} option (which it flushes first: never point
 * it at a server with data you want) and compares the server's key counts with those restored.
 */
public final class RdbVerifier implements NativeVerifier {

  @Override
  public Set<String> sourceKinds() {
    return Set.of("redis");
  }

  /**
   * {@inheritDoc}
   *
   * @throws IntegrityException if the RDB is damaged or truncated, its CRC-64 does not match, or
   *     its key counts differ from the manifest's
   * @throws UnsupportedRdbException if the RDB version or a value type is newer than this reader
   */
  @Override
  public String verify(
      BackupManifest manifest,
      VerificationLevel level,
      ReadableByteChannel decoded,
      Map<String, String> options)
      throws IOException {
    if (level == VerificationLevel.RESTORE) {
      return verifyByRestore(manifest, decoded, options);
    }
    RdbSummary summary = RdbParser.over(decoded).parse(new RdbVisitor() {});
    compare(manifest, summary);
    return describe(summary);
  }

  private String verifyByRestore(
      BackupManifest manifest, ReadableByteChannel decoded, Map<String, String> options)
      throws IOException {
    String scratch = options.get("scratch-uri");
    if (scratch == null) {
      throw new IllegalArgumentException(
          "redis: restore verification needs the option scratch-uri=redis://host:port "
              + "of a scratch server it may flush");
    }
    URI uri = URI.create(scratch + (scratch.contains("?") ? "&" : "?") + "flush=true");
    RedisRestoreTarget target = RedisRestoreTarget.of(uri, true);
    PendingWrite write = target.open(manifest);
    ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    try {
      while (decoded.read(buffer) >= 0) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          write.write(buffer);
        }
        buffer.clear();
      }
      write.commit();
    } finally {
      write.close();
    }
    Map<Integer, Long> expected = new TreeMap<>();
    manifestKeys(manifest).forEach((db, n) -> expected.put(Integer.parseInt(db), n));
    Map<Integer, Long> found;
    try (RespConnection c =
        RespConnection.open(RedisEndpoint.parse(URI.create(scratch), RedisRestoreTarget.OPTIONS))) {
      found = c.keyspace();
    }
    // Keys with an expiry may have lapsed since the backup; only more keys than backed up is a
    // failure.
    for (Map.Entry<Integer, Long> db : found.entrySet()) {
      long want = expected.getOrDefault(db.getKey(), 0L);
      if (db.getValue() > want) {
        throw new IntegrityException(
            "redis: restore of backup "
                + manifest.id()
                + " into the scratch server gave "
                + db.getValue()
                + " keys in db"
                + db.getKey()
                + " but the backup holds "
                + want,
            manifest.id(),
            Long.toString(want),
            Long.toString(db.getValue()));
      }
    }
    long total = found.values().stream().mapToLong(Long::longValue).sum();
    return "redis restore into scratch server: " + total + " keys (" + format(found) + ")";
  }

  private static Map<String, Long> manifestKeys(BackupManifest manifest) {
    Map<String, Long> keys = new TreeMap<>();
    if (manifest.facts().get("keys") instanceof Map<?, ?> map) {
      map.forEach((db, n) -> keys.put(String.valueOf(db), ((Number) n).longValue()));
    }
    return keys;
  }

  private static void compare(BackupManifest manifest, RdbSummary summary)
      throws IntegrityException {
    if (!(manifest.facts().get("keys") instanceof Map<?, ?>)) {
      return; // an RDB backed up by other means: nothing recorded to compare with
    }
    Map<String, Long> recorded = manifestKeys(manifest);
    Map<String, Long> found = new TreeMap<>();
    summary.keys().forEach((db, n) -> found.put(Integer.toString(db), n));
    if (!recorded.equals(found)) {
      throw new IntegrityException(
          "redis: backup "
              + manifest.id()
              + " holds keys per database "
              + found
              + " but its manifest recorded "
              + recorded
              + "; the backup does not match what was taken",
          manifest.id(),
          recorded.toString(),
          found.toString());
    }
  }

  static String describe(RdbSummary summary) {
    return "RDB v"
        + summary.version()
        + ": "
        + summary.totalKeys()
        + " keys in "
        + summary.keys().size()
        + " databases ("
        + format(summary.keys())
        + "), "
        + summary.functions()
        + " function libraries"
        + (summary.modules().isEmpty() ? "" : ", modules " + summary.modules())
        + (summary.checksum() == 0
            ? ", no checksum (rdbchecksum no)"
            : ", CRC-64 " + Crc64.hex(summary.checksum()) + " ok");
  }

  private static String format(Map<Integer, Long> counts) {
    return counts.entrySet().stream()
        .map(e -> "db" + e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", "));
  }

  @Override
  public String artifact() {
    return "biowerk-dr-redis";
  }

  /** Its dump files can be imported: {@code biowerk-dr import FILE --kind redis}. */
  @Override
  public List<ImportFormat> importFormats() {
    return List.of(
        new ImportFormat(
            "redis", "rdb", "redis", "an RDB file such as dump.rdb (parsed, with its CRC-64)"));
  }
}
