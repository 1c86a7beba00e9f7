package io.biowerk.dr.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Crc64Test {

  /** The textbook bit-at-a-time CRC-64/Jones, as the reference the sliced version must match. */
  static long reference(byte[] b, int off, int len) {
    long crc = 0;
    for (int i = off; i < off + len; i++) {
      crc ^= b[i] & 0xff;
      for (int k = 0; k < 8; k++) {
        crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x95AC9329AC4BC9B5L : crc >>> 1;
      }
    }
    return crc;
  }

  @Test
  void checkValueIsRedisOne() {
    assertThat(Crc64.hex(Crc64.of("123456789".getBytes(StandardCharsets.US_ASCII))))
        .isEqualTo("e9c6d914c4b8d9ca");
    assertThat(Crc64.of(new byte[0])).isZero();
  }

  @Test
  void slicedMatchesBitwiseForEveryLengthAndOffset() {
    byte[] data = new byte[300];
    new Random(3).nextBytes(data);
    for (int off = 0; off < 9; off++) {
      for (int len = 0; len + off <= data.length; len += 7) {
        assertThat(Crc64.update(0, data, off, len))
            .as("off %s len %s", off, len)
            .isEqualTo(reference(data, off, len));
      }
    }
  }

  @Test
  void incrementalEqualsWholeAndDirectBuffersWork() {
    byte[] data = new byte[100_000];
    new Random(4).nextBytes(data);
    long whole = Crc64.of(data);
    long parts = Crc64.update(Crc64.update(0, data, 0, 12_345), data, 12_345, data.length - 12_345);
    assertThat(parts).isEqualTo(whole);
    ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip();
    assertThat(Crc64.update(0, direct)).isEqualTo(whole);
    assertThat(direct.position()).isZero();
  }
}
