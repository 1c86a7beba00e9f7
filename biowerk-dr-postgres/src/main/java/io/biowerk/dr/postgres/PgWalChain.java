package io.biowerk.dr.postgres;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.log.LogChain;
import io.biowerk.dr.core.log.LogSpan;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;

/**
 * How PostgreSQL's archived WAL hangs together, for retention: a physical base backup needs the
 * segments from its {@code startWal} to its {@code stopWal}; a kept segment on timeline {@code T}
 * needs the history files of timelines 2 to {@code T} (recovery reads them to follow the switches)
 * and its own backup history files ({@code <segment>.<offset>.backup}). Stateless.
 */
final class PgWalChain implements LogChain {

  @Override
  public Optional<LogSpan> span(BackupManifest base) {
    String startWal = String.valueOf(base.facts().get("startWal"));
    String stopWal = String.valueOf(base.facts().get("stopWal"));
    if (!PgWal.isSegment(startWal) || !PgWal.isSegment(stopWal)) {
      return Optional.empty();
    }
    return Optional.of(new LogSpan(startWal, stopWal));
  }

  @Override
  public Set<String> companions(String name, SortedSet<String> names) {
    Set<String> needed = new LinkedHashSet<>();
    if (name.length() < 24 || !PgWal.isSegment(name.substring(0, 24))) {
      return needed;
    }
    String segment = name.substring(0, 24);
    int timeline = PgWal.timeline(segment);
    for (int t = 2; t <= timeline; t++) {
      String history = PgWal.timelineHex(t) + ".history";
      if (names.contains(history)) {
        needed.add(history);
      }
    }
    for (String backup : names.tailSet(segment + ".")) {
      if (!backup.startsWith(segment + ".")) {
        break;
      }
      if (backup.endsWith(".backup")) {
        needed.add(backup);
      }
    }
    return needed;
  }
}
