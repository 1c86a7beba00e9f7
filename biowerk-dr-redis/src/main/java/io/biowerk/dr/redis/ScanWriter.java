package io.biowerk.dr.redis;

import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.SourceFailedException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The SCAN mode: builds an RDB stream from {@code SCAN}, {@code DUMP} and {@code PTTL}, for servers
 * that refuse replication. A DUMP payload is the RDB value bytes plus a footer (RDB version,
 * CRC-64), so the RDB is the payloads' bodies behind type byte and key name. Each batch is one
 * pipeline round trip: the DUMP and PTTL of every key of a SCAN page, plus the next SCAN. Not
 * thread-safe.
 */
final class ScanWriter {

  private final RespConnection c;
  private final String where;
  private final int count;

  ScanWriter(RespConnection c, String where, int count) {
    this.c = c;
    this.where = where;
    this.count = count;
  }

  RdbSummary write(
      OutputStream out, String redisVersion, Map<Integer, Long> keyspace, List<Integer> only)
      throws IOException {
    Map<Integer, Long> dbs = new TreeMap<>(keyspace);
    if (!only.isEmpty()) {
      dbs.keySet().retainAll(only);
    }
    byte[] functions = null;
    Object dumped = c.call("FUNCTION", "DUMP");
    if (dumped instanceof byte[] payload) {
      functions = payload;
    }
    int version = -1;
    if (functions != null) {
      version = footerVersion(functions, "FUNCTION DUMP");
    }
    if (version < 0) {
      version = probeVersion(dbs);
    }
    if (version < 0) {
      version = Rdb.versionOf(redisVersion);
    }
    if (version < Rdb.MIN_VERSION || version > Rdb.MAX_VERSION) {
      throw new UnsupportedRdbException(
          "redis: "
              + where
              + " (Redis "
              + redisVersion
              + ") writes RDB version "
              + version
              + ", which this reader does not support ("
              + Rdb.MIN_VERSION
              + " to "
              + Rdb.MAX_VERSION
              + ")");
    }
    RdbWriter rdb = new RdbWriter(out);
    rdb.header(version);
    rdb.aux("redis-ver", redisVersion);
    rdb.aux("redis-bits", "64");
    rdb.aux("ctime", Long.toString(System.currentTimeMillis() / 1000));
    rdb.aux("biowerk-mode", "scan");
    int libraries = 0;
    if (functions != null && functions.length > 10) {
      check(functions, version, "FUNCTION DUMP");
      libraries = countFunctions(functions, functions.length - 10);
      rdb.records(functions, 0, functions.length - 10);
    }
    SortedMap<Integer, Long> keys = new TreeMap<>();
    SortedMap<Integer, Long> expires = new TreeMap<>();
    Map<String, Long> types = new TreeMap<>();
    for (Map.Entry<Integer, Long> db : dbs.entrySet()) {
      c.callOk("SELECT", db.getKey());
      rdb.selectDb(db.getKey());
      // A hint for the loader's table sizes, from INFO keyspace; the scan may find a few more or
      // less.
      rdb.resizeDb(db.getValue(), 0);
      long n = 0;
      long withExpiry = 0;
      Object page = c.callOk("SCAN", "0", "COUNT", count);
      while (true) {
        List<?> parts = (List<?>) page;
        String next = RespConnection.text(parts.get(0));
        List<?> names = (List<?>) parts.get(1);
        for (Object name : names) {
          c.send("DUMP", name);
          c.send("PTTL", name);
        }
        if (!next.equals("0")) {
          c.send("SCAN", next, "COUNT", count);
        }
        c.flush();
        long now = System.currentTimeMillis();
        for (Object name : names) {
          Object payload = c.read();
          Object ttl = c.read();
          if (payload instanceof RespConnection.ErrorReply error) {
            throw new RedisCommandException(
                "redis: " + where + " refused DUMP: " + error.text(), error.text());
          }
          if (payload == null || !(ttl instanceof Long pttl) || pttl == -2) {
            continue; // deleted or expired since SCAN saw it
          }
          byte[] bytes = (byte[]) payload;
          check(bytes, version, "DUMP of a key in db " + db.getKey());
          if (pttl >= 0) {
            rdb.expireAt(now + pttl);
            withExpiry++;
          }
          rdb.key((byte[]) name, bytes, bytes.length - 10);
          types.merge(Rdb.typeName(bytes[0] & 0xff), 1L, Long::sum);
          n++;
        }
        if (next.equals("0")) {
          break;
        }
        page = c.read();
        if (page instanceof RespConnection.ErrorReply error) {
          throw new RedisCommandException(
              "redis: " + where + " refused SCAN: " + error.text(), error.text());
        }
      }
      if (n > 0) {
        keys.put(db.getKey(), n);
      }
      if (withExpiry > 0) {
        expires.put(db.getKey(), withExpiry);
      }
    }
    rdb.end();
    Map<String, String> aux = new LinkedHashMap<>();
    aux.put("redis-ver", redisVersion);
    aux.put("biowerk-mode", "scan");
    return new RdbSummary(
        version,
        Collections.unmodifiableSortedMap(keys),
        Collections.unmodifiableSortedMap(expires),
        libraries,
        Set.of(),
        Collections.unmodifiableMap(types),
        aux,
        rdb.checksum(),
        rdb.written());
  }

  /** The RDB version of a key's DUMP payload in the first database with keys, or -1. */
  private int probeVersion(Map<Integer, Long> dbs) throws IOException {
    for (int db : dbs.keySet()) {
      c.callOk("SELECT", db);
      for (int attempt = 0; attempt < 5; attempt++) {
        Object key = c.callOk("RANDOMKEY");
        if (key == null) {
          break;
        }
        Object payload = c.callOk("DUMP", key);
        if (payload instanceof byte[] bytes) {
          return footerVersion(bytes, "DUMP");
        }
      }
    }
    return -1;
  }

  private int footerVersion(byte[] payload, String what) throws IOException {
    if (payload.length < 10) {
      throw new SourceFailedException(
          "redis: "
              + where
              + " returned a "
              + what
              + " payload of "
              + payload.length
              + " bytes, too short for its footer",
          where,
          "");
    }
    int n = payload.length;
    return (payload[n - 10] & 0xff) | (payload[n - 9] & 0xff) << 8;
  }

  /**
   * Checks a payload's footer: the RDB version the stream has, and the CRC-64 of everything before
   * it.
   */
  private void check(byte[] payload, int version, String what) throws IOException {
    int found = footerVersion(payload, what);
    if (found != version) {
      throw new SourceFailedException(
          "redis: "
              + where
              + " returned a "
              + what
              + " payload of RDB version "
              + found
              + " in a stream of version "
              + version
              + "; the server changed during the backup",
          where,
          "");
    }
    int n = payload.length;
    long stored = 0;
    for (int i = 0; i < 8; i++) {
      stored |= (long) (payload[n - 8 + i] & 0xff) << (8 * i);
    }
    long computed = Crc64.update(0, payload, 0, n - 8);
    if (stored != computed) {
      throw new IntegrityException(
          "redis: "
              + where
              + " returned a "
              + what
              + " payload whose CRC-64 does not "
              + "match ("
              + Crc64.hex(stored)
              + " vs "
              + Crc64.hex(computed)
              + "); the transfer was damaged, retry",
          null,
          Crc64.hex(stored),
          Crc64.hex(computed));
    }
  }

  /**
   * Counts the FUNCTION2 records in the body of a FUNCTION DUMP payload (and checks that is all it
   * holds).
   */
  private int countFunctions(byte[] payload, int length) throws IOException {
    byte[] rdb = new byte[9 + length + 1];
    System.arraycopy(
        "REDIS0010".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, rdb, 0, 9);
    System.arraycopy(payload, 0, rdb, 9, length);
    rdb[rdb.length - 1] = (byte) Rdb.OPCODE_EOF;
    int[] libraries = {0};
    // Version 10 without a trailer: parse the records as an RDB of their own (version 10 expects a
    // trailer,
    // so give one that says "no checksum").
    byte[] withTrailer = java.util.Arrays.copyOf(rdb, rdb.length + 8);
    RdbParser.over(new ByteArrayInputStream(withTrailer))
        .parse(
            new RdbVisitor() {
              @Override
              public void function(byte[] code) {
                libraries[0]++;
              }

              @Override
              public void key(RdbKey key) throws IOException {
                throw new SourceFailedException(
                    "redis: " + where + " returned a FUNCTION DUMP payload holding keys",
                    where,
                    "");
              }
            });
    return libraries[0];
  }
}
