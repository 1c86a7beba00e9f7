package io.biowerk.dr.redis;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Helpers over raw RDB bytes for tests: parse, re-version, search, wrap as a source. */
final class RdbSamples {

  private RdbSamples() {}

  static RdbSummary parse(byte[] rdb) throws IOException {
    return RdbParser.over(new ByteArrayInputStream(rdb)).parse(new RdbVisitor() {});
  }

  /** The same RDB under another version number, with its CRC-64 trailer recomputed. */
  static byte[] withVersion(byte[] rdb, int version) {
    byte[] out = rdb.clone();
    System.arraycopy(
        String.format("REDIS%04d", version).getBytes(StandardCharsets.UTF_8), 0, out, 0, 9);
    long crc = Crc64.update(0, out, 0, out.length - 8);
    for (int i = 0; i < 8; i++) {
      out[out.length - 8 + i] = (byte) (crc >>> (8 * i));
    }
    return out;
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("pattern not found");
  }

  /**
   * A source that yields {@code rdb} as a redis backup would (kind redis, format rdb), without a
   * server.
   */
  static Source source(byte[] rdb) {
    return new Source() {
      @Override
      public String kind() {
        return "redis";
      }

      @Override
      public String name() {
        return "redis";
      }

      @Override
      public String format() {
        return "rdb";
      }

      @Override
      public SourceStream open() {
        ReadableByteChannel in = Channels.newChannel(new ByteArrayInputStream(rdb));
        return new SourceStream() {
          @Override
          public Map<String, Object> facts() {
            return Map.of("serverVersion", "7.2.0");
          }

          @Override
          public int read(ByteBuffer dst) throws IOException {
            return in.read(dst);
          }

          @Override
          public boolean isOpen() {
            return in.isOpen();
          }

          @Override
          public void close() throws IOException {
            in.close();
          }
        };
      }
    };
  }
}
