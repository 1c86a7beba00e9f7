package io.biowerk.dr.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.IntegrityException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A damaged length in a short RDB stream fails as damage without allocating what it claims (found
 * by {@link RdbParserFuzzTest}: a 7 KB input made the parser allocate a 2 GiB string before reading
 * it, an OutOfMemoryError on a small heap). The allocation is measured with the JVM's per-thread
 * allocation counter.
 */
class RdbDamagedLengthTest {

  /** REDIS0010, then a string key whose name claims {@code claim} bytes, then {@code tail}. */
  static byte[] stringKeyClaiming(byte[] lengthEncoding, byte[] tail) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("REDIS0010".getBytes(StandardCharsets.US_ASCII));
    out.write(0); // type: string
    out.writeBytes(lengthEncoding);
    out.writeBytes(tail);
    return out.toByteArray();
  }

  /**
   * Bytes this thread allocated so far ({@code com.sun.management.ThreadMXBean}), by reflection:
   * the module compiles without reading java.management, and the tests run on the class path.
   */
  static long allocatedBytes() throws ReflectiveOperationException {
    Object bean =
        Class.forName("java.lang.management.ManagementFactory")
            .getMethod("getThreadMXBean")
            .invoke(null);
    return (long)
        Class.forName("com.sun.management.ThreadMXBean")
            .getMethod("getCurrentThreadAllocatedBytes")
            .invoke(bean);
  }

  static RdbVisitor keys() {
    return new RdbVisitor() {
      @Override
      public boolean wantsKeys() {
        return true;
      }
    };
  }

  @Test
  void aStringLengthOfTwoGibInAShortStreamIsTruncationNotAnAllocation() throws Exception {
    // 0x80: a 32-bit big-endian length follows; 0x7fffffe0 bytes claimed, 5 present
    byte[] rdb =
        stringKeyClaiming(
            new byte[] {(byte) 0x80, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xe0},
            "short".getBytes(StandardCharsets.US_ASCII));
    long before = allocatedBytes();
    assertThatThrownBy(() -> RdbParser.over(new ByteArrayInputStream(rdb)).parse(keys()))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("redis: RDB stream truncated")
        .hasMessageContaining("take a new backup");
    assertThat(allocatedBytes() - before).isLessThan(64L << 20);
  }

  @Test
  void anLzfStringClaimingMoreThanLzfCanExpandIsRefusedBeforeItsOutputIsAllocated()
      throws Exception {
    // 0xc3: LZF-encoded; 3 compressed bytes (0x03) said to expand to 1 GiB (0x80 + 0x40000000)
    byte[] rdb =
        stringKeyClaiming(
            new byte[] {(byte) 0xc3, 0x03, (byte) 0x80, 0x40, 0, 0, 0},
            new byte[] {0x00, 0x61, 0x61});
    long before = allocatedBytes();
    assertThatThrownBy(() -> RdbParser.over(new ByteArrayInputStream(rdb)).parse(keys()))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("LZF string of 3 compressed bytes claims 1073741824 bytes")
        .hasMessageContaining("use another backup");
    assertThat(allocatedBytes() - before).isLessThan(64L << 20);
  }

  @Test
  void aLargeStringThatIsThereIsStillRead() throws Exception {
    byte[] value = new byte[3 << 20];
    java.util.Arrays.fill(value, (byte) 'v');
    RdbInput in = new RdbInput(new ByteArrayInputStream(value), 64 << 10);
    assertThat(in.readBytes(value.length)).isEqualTo(value);
  }
}
