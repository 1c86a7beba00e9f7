package io.biowerk.dr.storage.s3;

import io.biowerk.dr.core.internal.ByteChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Deterministic pseudo-random bytes generated on the fly, so tests can stream gigabytes without
 * holding them.
 */
final class TestData {

  private TestData() {}

  /**
   * Writes {@code size} bytes of seed {@code seed} to {@code out} in chunks of {@code chunk};
   * returns their SHA-256.
   */
  static String write(WritableByteChannel out, long size, long seed, int chunk) throws IOException {
    MessageDigest sha = sha256();
    SplittableRandom random = new SplittableRandom(seed);
    ByteBuffer buffer = ByteBuffer.allocate(chunk);
    long left = size;
    while (left > 0) {
      buffer.clear();
      int n = (int) Math.min(chunk, left);
      fill(buffer, n, random);
      buffer.flip();
      sha.update(buffer.duplicate());
      ByteChannels.writeFully(out, buffer);
      left -= n;
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** {@code size} bytes of seed {@code seed}, in memory. */
  static byte[] bytes(int size, long seed) {
    ByteBuffer buffer = ByteBuffer.allocate(size);
    fill(buffer, size, new SplittableRandom(seed));
    return buffer.array();
  }

  private static void fill(ByteBuffer buffer, int n, SplittableRandom random) {
    int longs = n / 8;
    for (int i = 0; i < longs; i++) {
      buffer.putLong(random.nextLong());
    }
    for (int i = longs * 8; i < n; i++) {
      buffer.put((byte) random.nextInt());
    }
  }

  /**
   * Reads {@code in} to the end with reads of at most {@code chunk} bytes; returns SHA-256 and
   * length.
   */
  static Digest read(ReadableByteChannel in, int chunk) throws IOException {
    MessageDigest sha = sha256();
    ByteBuffer buffer = ByteBuffer.allocate(chunk);
    long total = 0;
    int n;
    while ((n = in.read(buffer)) >= 0) {
      buffer.flip();
      sha.update(buffer);
      buffer.clear();
      total += n;
    }
    return new Digest(HexFormat.of().formatHex(sha.digest()), total);
  }

  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  record Digest(String sha256, long size) {}
}
