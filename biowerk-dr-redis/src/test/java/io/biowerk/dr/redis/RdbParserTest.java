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

/** The parser over RDB streams built here record by record (the server-made ones are in RedisBackupIT). */
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
    byte[] string = payload(0, rdbString("hello".getBytes()), 10);
    byte[] hash = payload(16, rdbString(listpack("f", "v", "g", "w")), 10);
    byte[] rdb = rdb(10, "s".getBytes(), string, "h".getBytes(), hash);
    List<RdbKey> keys = new ArrayList<>();
    List<byte[]> payloads = new ArrayList<>();
    RdbSummary summary = RdbParser.over(new ByteArrayInputStream(rdb)).parse(new RdbVisitor() {
      @Override public boolean wantsPayloads() { return true; }
      @Override public void key(RdbKey key) {
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
    byte[] rdb = rdb(10, "h".getBytes(), payload(16, rdbString(lp), 10));
    java.util.Arrays.fill(rdb, rdb.length - 8, rdb.length, (byte) 0); // rdbchecksum no
    assertThatThrownBy(() -> RdbParser.over(new ByteArrayInputStream(rdb)).parse(new RdbVisitor() {}))
        .isInstanceOf(IntegrityException.class)
        .hasMessageStartingWith("redis: RDB damaged at byte")
        .hasMessageContaining("key 'h' (hash-listpack) in db 3")
        .hasMessageContaining("listpack entry at offset 6 runs past the end");
  }

  @Test
  void unknownValueTypeIsNamed() throws IOException {
    byte[] rdb = rdb(10, "x".getBytes(), payload(42, new byte[] {1}, 10));
    assertThatThrownBy(() -> RdbParser.over(new ByteArrayInputStream(rdb)).parse(new RdbVisitor() {}))
        .isInstanceOf(UnsupportedRdbException.class)
        .hasMessageContaining("key 'x' (type-42) in db 3: value type 42 is not known");
  }

  @Test
  void notAnRdbAtAll() {
    byte[] text = "hello world, not redis".getBytes();
    assertThatThrownBy(() -> RdbParser.over(new ByteArrayInputStream(text)).parse(new RdbVisitor() {}))
        .isInstanceOf(IntegrityException.class).hasMessageContaining("does not start with an RDB header");
  }

  @Test
  void lzfRoundTripsThroughTheDecoder() throws IOException {
    // "aaaaaaaaaa" as LZF: literal 'a', then a back reference of length 9 at distance 1.
    byte[] compressed = {0x00, 'a', (byte) (7 << 5), 0x00, 0x00};
    RdbParser parser = RdbParser.over(new ByteArrayInputStream(new byte[0]));
    assertThat(new String(Blobs.lzf(compressed, 10, parser))).isEqualTo("aaaaaaaaaa");
    assertThatThrownBy(() -> Blobs.lzf(compressed, 11, parser)).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("LZF data yields 10 bytes, not the declared 11");
  }
}
