package io.biowerk.dr.cli;

import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.keys.KeyRecords;
import io.biowerk.dr.core.keys.Rewrap;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The facts {@code keys list} adds per key: age, backups that need it, offline copy. */
final class KeyPolicy {
  private KeyPolicy() {}

  /** When key {@code id} was created: recorded, else the date in a generated id. */
  static Optional<Instant> created(String id, KeyRecords records) throws IOException {
    Optional<Instant> recorded = records.created(id);
    return recorded.isPresent() ? recorded : KeysCommand.created(id);
  }

  /**
   * How many backups of the repositories each key id is needed by (wrapped to, or format 1 made
   * with); empty when no repository exists yet.
   */
  static Map<String, Integer> backupsPerKey(RepositoryOptions repositories, Environment env)
      throws IOException {
    Map<String, Integer> counts = new HashMap<>();
    java.util.List<Sink> sinks;
    try {
      sinks = repositories.openAllExisting(env);
    } catch (StorageException e) {
      return counts;
    }
    for (Sink sink : sinks) {
      for (Rewrap.Stored stored : Rewrap.everything(sink)) {
        for (String id : Rewrap.keysOf(stored.manifest())) {
          counts.merge(id, 1, Integer::sum);
        }
      }
    }
    return counts;
  }

  /** Adds {@code ageDays}, {@code backups} and {@code offlineCopy} to a {@code keys list} row. */
  static void annotate(
      Map<String, Object> row,
      String id,
      KeyRecords records,
      Map<String, Integer> backups,
      Instant now)
      throws IOException {
    row.put(
        "ageDays", created(id, records).map(c -> Duration.between(c, now).toDays()).orElse(null));
    row.put("backups", backups.getOrDefault(id, 0));
    row.put("offlineCopy", records.offlineCopy(id).map(Instant::toString).orElse(null));
  }
}
