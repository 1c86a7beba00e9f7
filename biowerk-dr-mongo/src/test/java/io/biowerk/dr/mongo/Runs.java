package io.biowerk.dr.mongo;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Test helpers: a backup run into memory, a manifest for it, a restore from bytes. */
final class Runs {

  private Runs() {}

  /** A dump's bytes and facts. */
  // ArrayRecordComponent: a test's dump bytes, handed over as they are; never compared with equals.
  @SuppressWarnings("ArrayRecordComponent")
  record Backup(byte[] bytes, Map<String, Object> facts) {
    BackupManifest manifest() {
      return Runs.manifest(facts);
    }
  }

  static Backup backup(Source source) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SourceStream stream = source.open();
    try (stream) {
      ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
      while (stream.read(buffer) >= 0) {
        buffer.flip();
        out.write(buffer.array(), 0, buffer.limit());
        buffer.clear();
      }
    }
    return new Backup(out.toByteArray(), stream.facts());
  }

  static BackupManifest manifest(Map<String, Object> facts) {
    return new BackupManifest(
        "mongodb_20260101_000000",
        "mongodb",
        "mongodb",
        "mongodb://test",
        "archive",
        Instant.EPOCH,
        Instant.EPOCH,
        List.of(),
        Optional.empty(),
        0,
        0,
        "0".repeat(64),
        "0".repeat(64),
        "mongodb/daily/mongodb_20260101_000000.archive",
        facts);
  }

  /** Restores {@code archive} in 100 KiB writes and commits. */
  static void restore(RestoreTarget target, BackupManifest manifest, byte[] archive)
      throws IOException {
    try (PendingWrite write = target.open(manifest)) {
      for (int at = 0; at < archive.length; at += 100 * 1024) {
        write.write(ByteBuffer.wrap(archive, at, Math.min(100 * 1024, archive.length - at)));
      }
      write.commit();
    }
  }
}
