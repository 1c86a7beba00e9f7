package io.biowerk.dr.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.IntegrityException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The parser over RDB streams built here record by record (the server-made ones are in
 * RedisBackupIT).
 */
class RdbParserTest {

  /** A DUMP-style payload: type byte, value bytes, version, CRC. */
  static byte[] payload(int type, byte[] value, int version) {
    byte[] p = new byte[1 + value.length + 10];
    p[0] = (byte) type;
    System.arraycopy(value, 0, p, 1, value.length);
    p[value.length + 1] = (byte) version;
    long crc = Crc64.update(0, p, 0, value.length + 3);
    for (int i = 0; i < 8; i++) {
      p[value.length + 3 + i] = (byte) (crc >>> (8 * i));
    }
    return p;
  }

  static byte[] listpack(String... entries) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (String e : entries) {
      byte[] b = e.getBytes(StandardCharsets.US_ASCII);
      body.write(0x80 | b.length); // 6-bit string
      body.writeBytes(b);
      body.write(1 + b.length); // backlen
    }
    body.write(0xff);
    byte[] content = body.toByteArray();
    byte[] lp = new byte[6 + content.length];
    int total = lp.length;
    lp[0] = (byte) total;
    lp[1] = (byte) (total >>> 8);
    lp[4] = (byte) entries.length;
    System.arraycopy(content, 0, lp, 6, content.length);
    return lp;
  }

  static byte[] rdbString(byte[] s) {
    RdbBytes b = new RdbBytes();
    b.string(s);
    return b.toByteArray();
  }

  static byte[] rdb(int version, byte[]... keysAndPayloads) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RdbWriter w = new RdbWriter(out);
    w.header(version);
    w.aux("redis-ver", "7.0.15");
    w.selectDb(3);
    w.resizeDb(keysAndPayloads.length / 2, 1);
    for (int i = 0; i < keysAndPayloads.length; i += 2) {
      if (i == 0) {
        w.expireAt(4_000_000_000_000L);
      }
      w.key(keysAndPayloads[i], keysAndPayloads[i + 1], keysAndPayloads[i + 1].length - 10);
    }
    w.end();
    return out.toByteArray();
  }

  @Test
  void parsesRecordsAndRebuildsDumpPayloadsByteForByte() throws IOException {
    byte[] string = payload(0, rdbString("hello".getBytes(StandardCharsets.UTF_8)), 10);
    byte[] hash = payload(16, rdbString(listpack("f", "v", "g", "w")), 10);
    byte[] rdb =
        rdb(
            10,
            "s".getBytes(StandardCharsets.UTF_8),
            string,
            "h".getBytes(StandardCharsets.UTF_8),
            hash);
    List<RdbKey> keys = new ArrayList<>();
    List<byte[]> payloads = new ArrayList<>();
    RdbSummary summary =
        RdbParser.over(new ByteArrayInputStream(rdb))
            .parse(
                new RdbVisitor() {
                  @Override
                  public boolean wantsPayloads() {
                    return true;
                  }

                  @Override
                  public void key(RdbKey key) {
                    keys.add(key);
                    payloads.add(java.util.Arrays.copyOf(key.payload(), key.payloadLength()));
                  }
                });
    assertThat(summary.version()).isEqualTo(10);
    assertThat(summary.keys()).containsExactly(java.util.Map.entry(3, 2L));
    assertThat(summary.expires()).containsExactly(java.util.Map.entry(3, 1L));
    assertThat(summary.types()).containsEntry("string", 1L).containsEntry("hash-listpack", 1L);
    assertThat(summary.aux()).containsEntry("redis-ver", "7.0.15");
    assertThat(keys.get(0).expireAtMs()).isEqualTo(4_000_000_000_000L);
    assertThat(keys.get(1).expireAtMs()).isEqualTo(-1);
    assertThat(payloads.get(0)).isEqualTo(string);
    assertThat(payloads.get(1)).isEqualTo(hash);
  }

  @Test
  void damagedListpackIsCaughtEvenWithoutAChecksum() throws IOException {
    byte[] lp = listpack("f", "v");
    lp[6] = (byte) (0x80 | 30); // first entry claims 30 bytes
    byte[] rdb = rdb(10, "h".getBytes(StandardCharsets.UTF_8), payload(16, rdbString(lp), 10));
    java.util.Arrays.fill(rdb, rdb.length - 8, rdb.length, (byte) 0); // rdbchecksum no
    assertThatThrownBy(
            () -> RdbParser.over(new ByteArrayInputStream(rdb)).parse(new RdbVisitor() {}))
        .isInstanceOf(IntegrityException.class)
        .hasMessageStartingWith("redis: RDB damaged at byte")
        .hasMessageContaining("key 'h' (hash-listpack) in db 3")
        .hasMessageContaining("listpack entry at offset 6 runs past the end");
  }

  @Test
  void unknownValueTypeIsNamed() throws IOException {
    byte[] rdb = rdb(10, "x".getBytes(StandardCharsets.UTF_8), payload(42, new byte[] {1}, 10));
    assertThatThrownBy(
            () -> RdbParser.over(new ByteArrayInputStream(rdb)).parse(new RdbVisitor() {}))
        .isInstanceOf(UnsupportedRdbException.class)
        .hasMessageContaining("key 'x' (type-42) in db 3: value type 42 is not known");
  }

  /** A ziplist of short strings (the pre-7.0 encoding of small lists, hashes and sorted sets). */
  static byte[] ziplist(String... entries) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int prev = 0;
    for (String e : entries) {
      byte[] b = e.getBytes(StandardCharsets.US_ASCII);
      body.write(prev); // previous entry length, 1 byte
      body.write(b.length); // 00pppppp: 6-bit string length
      body.writeBytes(b);
      prev = 2 + b.length;
    }
    body.write(0xff);
    byte[] content = body.toByteArray();
    byte[] zl = new byte[10 + content.length];
    zl[0] = (byte) zl.length;
    zl[8] = (byte) entries.length;
    System.arraycopy(content, 0, zl, 10, content.length);
    return zl;
  }

  static byte[] intset16(int... values) {
    byte[] b = new byte[8 + 2 * values.length];
    b[0] = 2;
    b[4] = (byte) values.length;
    for (int i = 0; i < values.length; i++) {
      b[8 + 2 * i] = (byte) values[i];
      b[9 + 2 * i] = (byte) (values[i] >>> 8);
    }
    return b;
  }

  static byte[] zipmap(String key, String value) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(1);
    b.write(key.length());
    b.writeBytes(key.getBytes(StandardCharsets.US_ASCII));
    b.write(value.length());
    b.write(0); // free bytes
    b.writeBytes(value.getBytes(StandardCharsets.US_ASCII));
    b.write(0xff);
    return b.toByteArray();
  }

  @Test
  void legacyEncodingsOfOlderRedisParse() throws IOException {
    byte[] rdb =
        rdb(
            7,
            "l".getBytes(StandardCharsets.UTF_8),
            payload(10, rdbString(ziplist("a", "bb", "ccc")), 7),
            "h".getBytes(StandardCharsets.UTF_8),
            payload(13, rdbString(ziplist("f", "v")), 7),
            "i".getBytes(StandardCharsets.UTF_8),
            payload(11, rdbString(intset16(1, 2, 300)), 7),
            "m".getBytes(StandardCharsets.UTF_8),
            payload(9, rdbString(zipmap("k", "val")), 7),
            "q".getBytes(StandardCharsets.UTF_8),
            payload(14, concat(new byte[] {1}, rdbString(ziplist("x", "y"))), 7));
    RdbSummary summary = RdbParser.over(new ByteArrayInputStream(rdb)).parse(new RdbVisitor() {});
    assertThat(summary.version()).isEqualTo(7);
    assertThat(summary.types())
        .containsOnlyKeys(
            "list-ziplist", "hash-ziplist", "set-intset", "hash-zipmap", "list-quicklist");
  }

  @Test
  void damagedLegacyEncodingsAreNamed() throws IOException {
    byte[] odd =
        rdb(
            7,
            "h".getBytes(StandardCharsets.UTF_8),
            payload(13, rdbString(ziplist("f", "v", "w")), 7));
    assertThatThrownBy(
            () -> RdbParser.over(new ByteArrayInputStream(odd)).parse(new RdbVisitor() {}))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("odd number of entries (3)");
    byte[] intset = intset16(1, 2);
    intset[4] = 3; // claims three elements
    byte[] short3 = rdb(7, "i".getBytes(StandardCharsets.UTF_8), payload(11, rdbString(intset), 7));
    assertThatThrownBy(
            () -> RdbParser.over(new ByteArrayInputStream(short3)).parse(new RdbVisitor() {}))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("intset of 3 elements of 2 bytes cannot be 12 bytes long");
  }

  @Test
  void moduleValuesAndAuxDataAreReportedByModuleName() throws IOException {
    long id = Rdb.moduleIdForTest("ReJSON-RL", 3);
    RdbBytes value = new RdbBytes();
    value.length(id);
    value.length(5); // STRING opcode
    value.string("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
    value.length(2); // UINT opcode
    value.length(42);
    value.length(4); // DOUBLE opcode
    value.write(new byte[8], 0, 8);
    value.length(0); // EOF
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RdbWriter w = new RdbWriter(out);
    w.header(10);
    RdbBytes aux = new RdbBytes();
    aux.u8(0xF7); // MODULE_AUX
    aux.length(Rdb.moduleIdForTest("graphdata", 1));
    aux.length(2); // when opcode: UINT
    aux.length(2); // after keys
    aux.length(0); // EOF
    w.records(aux.toByteArray(), 0, aux.size());
    w.selectDb(0);
    byte[] payload = payload(7, value.toByteArray(), 10);
    w.key("doc".getBytes(StandardCharsets.UTF_8), payload, payload.length - 10);
    w.end();
    RdbSummary summary =
        RdbParser.over(new ByteArrayInputStream(out.toByteArray())).parse(new RdbVisitor() {});
    assertThat(summary.modules()).containsExactly("graphdata", "ReJSON-RL");
    assertThat(summary.types()).containsEntry("module", 1L);

    byte[] broken = out.toByteArray().clone();
    int at = RdbSamples.indexOf(broken, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
    broken[at + 7 + 2] = 9; // the DOUBLE opcode becomes an unknown one
    assertThatThrownBy(
            () -> RdbParser.over(new ByteArrayInputStream(broken)).parse(new RdbVisitor() {}))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining(
            "key 'doc' (module) in db 0: module ReJSON-RL data has an unknown opcode");
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void notAnRdbAtAll() {
    byte[] text = "hello world, not redis".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(
            () -> RdbParser.over(new ByteArrayInputStream(text)).parse(new RdbVisitor() {}))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("does not start with an RDB header");
  }

  @Test
  void lzfRoundTripsThroughTheDecoder() throws IOException {
    // "aaaaaaaaaa" as LZF: literal 'a', then a back reference of length 9 at distance 1.
    byte[] compressed = {0x00, 'a', (byte) (7 << 5), 0x00, 0x00};
    RdbParser parser = RdbParser.over(new ByteArrayInputStream(new byte[0]));
    assertThat(new String(Blobs.lzf(compressed, 10, parser), StandardCharsets.UTF_8))
        .isEqualTo("aaaaaaaaaa");
    assertThatThrownBy(() -> Blobs.lzf(compressed, 11, parser))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("LZF data yields 10 bytes, not the declared 11");
  }
}
