package io.biowerk.dr.core;

import io.biowerk.dr.core.codec.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Writes backups into a sink the way {@link BackupJob} lays them out (data, {@code .sha256},
 * manifest last) without running a source, so tests can build repositories with histories of any
 * shape and time.
 */
public final class Backups {

  private Backups() {}

  /** Writes a small unencoded backup of {@code source} started at {@code at} into {@code tier}. */
  public static BackupManifest write(Sink sink, String source, Instant at, String tier)
      throws IOException {
    return write(
        sink,
        source,
        "test",
        at,
        tier,
        ("backup of " + source + " at " + at).getBytes(StandardCharsets.UTF_8));
  }

  /** Writes an unencoded backup with {@code data} as its bytes. */
  public static BackupManifest write(
      Sink sink, String source, String kind, Instant at, String tier, byte[] data)
      throws IOException {
    String id = BackupLayout.backupId(source, at);
    String dataKey = BackupLayout.dataKey(source, tier, id, "bin", List.of());
    String sha = Sha256.hex(Sha256.newDigest().digest(data));
    BackupManifest manifest =
        new BackupManifest(
            id,
            kind,
            source,
            kind + ":" + source,
            "bin",
            at,
            at.plus(Duration.ofMinutes(5)),
            List.of(),
            java.util.Optional.empty(),
            data.length,
            data.length,
            sha,
            sha,
            dataKey,
            Map.of());
    sink.put(dataKey, data);
    sink.put(
        manifest.sha256Key(),
        (sha + "  " + manifest.fileName() + "\n").getBytes(StandardCharsets.UTF_8));
    sink.put(manifest.manifestKey(), Manifests.toJson(manifest));
    return manifest;
  }
}
