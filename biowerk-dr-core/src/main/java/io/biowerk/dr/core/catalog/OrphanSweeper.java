package io.biowerk.dr.core.catalog;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.StoredObject;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses and deletes what a {@link Catalog.Listing} found to be orphans: the half of {@link
 * Catalog#cleanOrphans} and {@link Catalog#removableOrphans} that is not listing. An orphan of a
 * source with a live backup's in-progress marker is kept; what a run known to be dead (a stale
 * marker) left is deleted at once, and so is what a dead prune left of the backups its marker names
 * (only objects the repository wrote before that marker); anything else only once it is older than
 * the grace period, which protects a backup between its data and its manifest being committed.
 *
 * <p>Stateless apart from the sink; safe to use from several threads.
 */
final class OrphanSweeper {

  private static final Logger LOG = LoggerFactory.getLogger(OrphanSweeper.class);

  private final Sink sink;

  OrphanSweeper(Sink sink) {
    this.sink = requireNonNull(sink, "sink");
  }

  /**
   * The orphans of {@code listing} (made at {@code now}) that the rules above allow to delete, in
   * listing order.
   */
  List<StoredObject> removable(Catalog.Listing listing, Duration grace, Instant now) {
    Set<String> busy = new HashSet<>();
    Set<String> deadRuns = new HashSet<>();
    // <source>/<backup id> -> when the dead prune that named the backup wrote its marker.
    Map<String, Instant> deadPrunes = new HashMap<>();
    for (Catalog.Marker marker : listing.markers()) {
      if (!marker.stale()) {
        // A live prune deletes; it does not write, so it holds nothing busy.
        if (!marker.prune()) {
          busy.add(marker.source());
        }
      } else {
        deadRuns.add(marker.source() + "/" + marker.id());
        for (String id : marker.deletes()) {
          deadPrunes.merge(marker.source() + "/" + id, marker.written(), OrphanSweeper::earlier);
        }
      }
    }
    List<StoredObject> removable = new ArrayList<>();
    for (StoredObject orphan : listing.orphans()) {
      String source = orphan.key().substring(0, Math.max(0, orphan.key().indexOf('/')));
      if (busy.contains(source)) {
        LOG.info("catalog: keeping orphan {}: a backup of {} is in progress", orphan.key(), source);
        continue;
      }
      // What a run known to be dead left is removed at once; anything else only after the grace.
      if (!ofDeadRun(orphan.key(), deadRuns)
          && !ofDeadPrune(orphan, deadPrunes)
          && orphan.lastModified().plus(grace).isAfter(now)) {
        continue;
      }
      removable.add(orphan);
    }
    return removable;
  }

  /**
   * Deletes {@code orphans} (as chosen by {@link #removable}), logging each.
   *
   * @return how many objects were deleted
   * @throws IOException if an orphan cannot be deleted
   */
  int delete(List<StoredObject> orphans) throws IOException {
    int deleted = 0;
    for (StoredObject orphan : orphans) {
      sink.delete(orphan.key());
      LOG.info(
          "catalog: deleted orphan {} ({} bytes, last modified {})",
          orphan.key(),
          orphan.size(),
          orphan.lastModified());
      deleted++;
    }
    return deleted;
  }

  /**
   * Whether {@code orphan} is what a dead prune left of a backup it was deleting: its name is that
   * of a backup the prune's marker names, and the repository wrote it before it wrote that marker.
   * A later object of the same name (a {@code sync} copying the backup again, which writes data
   * before the manifest and keeps no marker) is not the prune's: it waits for the grace.
   */
  private static boolean ofDeadPrune(StoredObject orphan, Map<String, Instant> deadPrunes) {
    if (deadPrunes.isEmpty()) {
      return false;
    }
    String[] parts = orphan.key().split("/", -1);
    if (parts.length != 3 || parts[1].equals(BackupLayout.IN_PROGRESS)) {
      return false;
    }
    String name = parts[2].startsWith(".") ? parts[2].substring(1) : parts[2];
    int dot = name.indexOf('.');
    if (dot <= 0) {
      return false;
    }
    Instant markerWritten = deadPrunes.get(parts[0] + "/" + name.substring(0, dot));
    if (markerWritten == null || !orphan.lastModified().isBefore(markerWritten)) {
      return false;
    }
    LOG.info(
        "catalog: {} is what a dead prune left of a backup it was deleting: removable at once",
        orphan.key());
    return true;
  }

  private static Instant earlier(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  /**
   * Whether {@code key} is the marker, data, side or temp file of a run in {@code deadRuns} ({@code
   * <source>/<id>}).
   */
  private static boolean ofDeadRun(String key, Set<String> deadRuns) {
    if (deadRuns.isEmpty()) {
      return false;
    }
    String[] parts = key.split("/", -1);
    if (parts.length != 3) {
      return false;
    }
    String name = parts[2].startsWith(".") ? parts[2].substring(1) : parts[2];
    for (String run : deadRuns) {
      int slash = run.indexOf('/');
      String id = run.substring(slash + 1);
      if (parts[0].equals(run.substring(0, slash))
          && (name.equals(id) || name.startsWith(id + "."))) {
        return true;
      }
    }
    return false;
  }
}
