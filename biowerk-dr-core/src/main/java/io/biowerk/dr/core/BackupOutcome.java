package io.biowerk.dr.core;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one backup into several sinks left: the manifest, the sinks in which the backup is complete
 * (data object, {@code .sha256} side file and manifest, so it is listed and restorable there), and
 * the sinks in which it failed with the failure (nothing of the backup is listed there; whatever
 * was written was aborted or removed).
 *
 * @param manifest the backup's manifest, as committed in every sink of {@code succeeded}
 * @param succeeded the sinks holding the complete backup, in the order the job was given them;
 *     never empty
 * @param failed each sink in which the backup failed, with the reason, in the job's order
 */
public record BackupOutcome(
    BackupManifest manifest, List<Sink> succeeded, Map<Sink, IOException> failed) {

  /** Copies the lists. */
  public BackupOutcome {
    requireNonNull(manifest, "manifest");
    succeeded = List.copyOf(succeeded);
    if (succeeded.isEmpty()) {
      throw new IllegalArgumentException("a backup outcome needs at least one sink that succeeded");
    }
    failed = Collections.unmodifiableMap(new LinkedHashMap<>(failed));
  }

  /** Whether the backup is complete in every sink. */
  public boolean complete() {
    return failed.isEmpty();
  }
}
