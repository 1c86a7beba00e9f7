package io.biowerk.dr.postgres;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Watches the tar that {@code pg_basebackup -Ft -D -} writes as it streams past, without copying
 * it, and keeps the two members the manifest needs: {@code backup_label} (the start position,
 * timeline and time) and the end of {@code backup_manifest} (its {@code WAL-Ranges}, which give the
 * stop position). Memory is bounded: the label is small and only the last 64 KiB of the manifest
 * are kept. Not thread-safe; one reader feeds it.
 */
final class BaseBackupTap {

  private static final int KEEP = 64 * 1024;

  private final byte[] header = new byte[512];
  private int headerFill;
  private long remaining; // content bytes of the current member still to come
  private long padding; // padding bytes after it
  private String member = "";
  private final StringBuilder label = new StringBuilder();
  private byte[] manifestTail = new byte[0];
  private boolean sawManifest;
  private boolean ended;
  private int members;

  /** Feeds the bytes between {@code buffer}'s position and limit; leaves the buffer unchanged. */
  void accept(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    while (b.hasRemaining() && !ended) {
      if (remaining > 0) {
        int n = (int) Math.min(remaining, b.remaining());
        content(b, n);
        remaining -= n;
      } else if (padding > 0) {
        int n = (int) Math.min(padding, b.remaining());
        b.position(b.position() + n);
        padding -= n;
      } else {
        int n = Math.min(512 - headerFill, b.remaining());
        b.get(header, headerFill, n);
        headerFill += n;
        if (headerFill == 512) {
          headerFill = 0;
          parseHeader();
        }
      }
    }
  }

  private void content(ByteBuffer b, int n) {
    if (member.equals("backup_label") && label.length() < KEEP) {
      byte[] part = new byte[n];
      b.get(part);
      label.append(new String(part, StandardCharsets.UTF_8));
    } else if (member.equals("backup_manifest")) {
      byte[] part = new byte[n];
      b.get(part);
      int keep = Math.min(KEEP, manifestTail.length + n);
      byte[] joined = new byte[keep];
      int fromOld = keep - n;
      if (fromOld > 0) {
        System.arraycopy(manifestTail, manifestTail.length - fromOld, joined, 0, fromOld);
        System.arraycopy(part, 0, joined, fromOld, n);
      } else {
        System.arraycopy(part, n - keep, joined, 0, keep);
      }
      manifestTail = joined;
    } else {
      b.position(b.position() + n);
    }
  }

  private void parseHeader() {
    boolean zero = true;
    for (byte x : header) {
      if (x != 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      ended = true; // the end-of-archive blocks
      return;
    }
    String name = field(0, 100);
    String magic = field(257, 6);
    if (magic.startsWith("ustar")) {
      String prefix = field(345, 155);
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
    }
    long size = size();
    member = name;
    members++;
    if (member.equals("backup_manifest")) {
      sawManifest = true;
    }
    remaining = size;
    padding = (512 - size % 512) % 512;
  }

  private long size() {
    if ((header[124] & 0x80) != 0) {
      long v = 0;
      for (int i = 125; i < 136; i++) {
        v = (v << 8) | (header[i] & 0xFF);
      }
      return v;
    }
    String text = field(124, 12).trim();
    return text.isEmpty() ? 0 : Long.parseLong(text, 8);
  }

  private String field(int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
  }

  /** The members seen so far. */
  int members() {
    return members;
  }

  /** Whether {@code backup_manifest} was in the tar. */
  boolean sawManifest() {
    return sawManifest;
  }

  /** The text of {@code backup_label}, once seen. */
  Optional<String> label() {
    return label.length() == 0 ? Optional.empty() : Optional.of(label.toString());
  }

  /** The last bytes of {@code backup_manifest} as text. */
  String manifestTail() {
    return new String(manifestTail, StandardCharsets.UTF_8);
  }
}
