package io.biowerk.dr.redis;

import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * What a full parse of an RDB stream found.
 *
 * @param version the RDB version ({@code 10} for Redis 7.0)
 * @param keys keys per database, databases in order
 * @param expires keys with an expiry per database
 * @param functions function libraries ({@code FUNCTION2} records)
 * @param modules names of the modules whose data types or aux data the stream holds
 * @param types keys per value type name ({@code hash-listpack}: {@code 12})
 * @param aux the auxiliary fields, as text
 * @param checksum the CRC-64 trailer, or 0 when the writer had {@code rdbchecksum no}
 * @param bytes the stream's length
 */
public record RdbSummary(
    int version,
    SortedMap<Integer, Long> keys,
    SortedMap<Integer, Long> expires,
    int functions,
    Set<String> modules,
    Map<String, Long> types,
    Map<String, String> aux,
    long checksum,
    long bytes) {

  /** Keys in every database. */
  public long totalKeys() {
    return keys.values().stream().mapToLong(Long::longValue).sum();
  }
}
