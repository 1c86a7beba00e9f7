package io.biowerk.dr.testkit;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.codec.Sha256;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A backup's decoded native bytes with a manifest describing them, as a restore target or a native
 * verifier receives them from the pipeline: the input of {@link RestoreTargetContractTest} and
 * {@link NativeVerifierContractTest}. The bytes are the caller's; {@link #bytes()} returns them
 * unchanged.
 *
 * @param manifest a manifest whose kind, name, format, size, SHA-256 and facts fit the bytes
 * @param bytes the native bytes ({@code pg_dump} output, an RDB file, a tar)
 */
// ArrayRecordComponent: the bytes are handed over as they are (documented above); no caller
// compares backups with equals.
@SuppressWarnings("ArrayRecordComponent")
public record NativeBackup(BackupManifest manifest, byte[] bytes) {

  /** When {@link #of} backups start. */
  public static final Instant STARTED = Instant.parse("2024-01-15T02:00:00Z");

  /**
   * A backup of {@code bytes} made by a source of {@code kind} named {@code name}, in {@code
   * format}, with {@code facts} (what the source recorded: row counts, key counts).
   */
  public static NativeBackup of(
      String kind, String name, String format, byte[] bytes, Map<String, Object> facts) {
    String id = BackupLayout.backupId(name, STARTED);
    String sha = Sha256.hex(Sha256.newDigest().digest(bytes));
    BackupManifest manifest =
        new BackupManifest(
            id,
            kind,
            name,
            kind + "://contract-test",
            format,
            STARTED,
            STARTED.plusSeconds(1),
            List.of(),
            Optional.empty(),
            bytes.length,
            bytes.length,
            sha,
            sha,
            BackupLayout.dataKey(name, BackupLayout.DAILY, id, format, List.of()),
            facts);
    return new NativeBackup(manifest, bytes);
  }

  /** The same manifest over other bytes (a damaged copy): size and SHA-256 stay the intact ones. */
  public NativeBackup withBytes(byte[] other) {
    return new NativeBackup(manifest, other);
  }
}
