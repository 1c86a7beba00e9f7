package io.biowerk.dr.core.log;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupManifest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Retention of an archived log that understands chains: which segments {@code prune} keeps and why.
 * The same rules serve every log (PostgreSQL's WAL, MongoDB's oplog); what is specific to a log
 * comes from its {@link LogChain}.
 *
 * <p>Kept, in this order of reasons:
 *
 * <ol>
 *   <li>the point-in-time window: every segment from the first one read by the newest kept base
 *       backup that had finished before {@code now - window} (if none had, the oldest kept base
 *       backup) onwards, so any time in the window can be recovered;
 *   <li>every segment an older kept base backup needs to become consistent ({@link LogChain#span});
 *   <li>every object a kept segment needs ({@link LogChain#companions}: timeline history files);
 *   <li>everything, when no base backup is kept (the log may still be wanted once one is taken) or
 *       a kept base backup records no range (nothing tells what it needs).
 * </ol>
 *
 * Everything else is deleted. Stateless; a final facade.
 */
public final class LogRetention {

  /** The plan's point-in-time window by default: 7 days. */
  public static final Duration DEFAULT_WINDOW = Duration.ofDays(7);

  private LogRetention() {}

  /**
   * A run of consecutive stored names (in sorted order) with the same decision.
   *
   * @param first the first name
   * @param last the last name
   * @param count how many objects
   * @param keep whether they are kept
   * @param reason why
   */
  public record Range(String first, String last, int count, boolean keep, String reason) {
    public Range {
      requireNonNull(first, "first");
      requireNonNull(last, "last");
      requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
      return (keep ? "keep    " : "delete  ")
          + (count == 1 ? first : first + " .. " + last)
          + " ("
          + count
          + ")  "
          + reason;
    }
  }

  /**
   * What retention does to one archive.
   *
   * @param archive the archive planned
   * @param ranges every stored name, in runs of the same decision, sorted
   * @param deleted the names to delete, sorted
   */
  public record Plan(LogArchive archive, List<Range> ranges, List<String> deleted) {
    public Plan {
      requireNonNull(archive, "archive");
      ranges = List.copyOf(ranges);
      deleted = List.copyOf(deleted);
    }

    /** How many stored objects are kept. */
    public int keptCount() {
      return ranges.stream().filter(Range::keep).mapToInt(Range::count).sum();
    }
  }

  /**
   * Plans retention of {@code archive}.
   *
   * @param keptBases the base backups of this log's source that stay in the repository (those of
   *     them that are not base backups of this log, like logical dumps, are ignored by the caller)
   * @param window how far back any point in time stays recoverable
   * @throws IOException if the archive cannot be listed
   */
  public static Plan plan(
      LogArchive archive,
      List<BackupManifest> keptBases,
      LogChain chain,
      Duration window,
      Instant now)
      throws IOException {
    requireNonNull(archive, "archive");
    requireNonNull(chain, "chain");
    requireNonNull(now, "now");
    checkArgument(
        window != null && !window.isNegative(), "window (%s) may not be negative", window);
    SortedSet<String> names = new TreeSet<>(archive.names());
    Map<String, String> keep = new LinkedHashMap<>();
    String everything = null;
    if (keptBases.isEmpty()) {
      everything =
          "no base backup of "
              + archive.source()
              + " is kept; the "
              + archive.log()
              + " is kept until one is";
    }
    List<Map.Entry<BackupManifest, LogSpan>> spans = new ArrayList<>();
    for (BackupManifest base : keptBases) {
      Optional<LogSpan> span = chain.span(base);
      if (span.isEmpty()) {
        everything = "base backup " + base.id() + " records no " + archive.log() + " range";
        break;
      }
      spans.add(Map.entry(base, holding(span.get(), names)));
    }
    if (everything != null) {
      for (String name : names) {
        keep.put(name, everything);
      }
      return toPlan(archive, names, keep);
    }
    spans.sort(Comparator.comparing(e -> e.getKey().finishedAt()));
    Instant cutoff = now.minus(window);
    Map.Entry<BackupManifest, LogSpan> anchor = spans.get(0);
    for (Map.Entry<BackupManifest, LogSpan> e : spans) {
      if (!e.getKey().finishedAt().isAfter(cutoff)) {
        anchor = e;
      }
    }
    String windowReason =
        anchor.getKey().finishedAt().isAfter(cutoff)
            ? "point-in-time window "
                + window
                + " reaches before the oldest kept base backup "
                + anchor.getKey().id()
                + ": replay from it"
            : "point-in-time window "
                + window
                + ": replay from base backup "
                + anchor.getKey().id()
                + ", the newest that ended before "
                + cutoff;
    String from = anchor.getValue().first();
    for (String name : names) {
      if (name.compareTo(from) >= 0) {
        keep.put(name, windowReason);
        continue;
      }
      for (Map.Entry<BackupManifest, LogSpan> e : spans) {
        if (e.getValue().contains(name)) {
          keep.put(name, "base backup " + e.getKey().id() + " needs it to become consistent");
          break;
        }
      }
    }
    for (String name : List.copyOf(keep.keySet())) {
      for (String companion : chain.companions(name, names)) {
        keep.putIfAbsent(companion, "kept segment " + name + " needs it");
      }
    }
    return toPlan(archive, names, keep);
  }

  /**
   * The span widened to the stored segment holding its first position: a span may name a position
   * inside a segment rather than a stored name (an oplog's timestamp), and the segment holding it
   * is then the last stored name that sorts before it; if the archive has a gap there, that is the
   * segment before the gap, which is kept rather than deleted.
   */
  private static LogSpan holding(LogSpan span, SortedSet<String> names) {
    if (names.contains(span.first())) {
      return span;
    }
    SortedSet<String> before = names.headSet(span.first());
    return before.isEmpty() ? span : new LogSpan(before.last(), span.last());
  }

  private static Plan toPlan(
      LogArchive archive, SortedSet<String> names, Map<String, String> keep) {
    List<Range> ranges = new ArrayList<>();
    List<String> deleted = new ArrayList<>();
    String deleteReason = "older than the point-in-time window, and no kept base backup needs it";
    String first = null;
    String last = null;
    String reason = null;
    boolean kept = false;
    int count = 0;
    for (String name : names) {
      String why = keep.get(name);
      boolean k = why != null;
      if (!k) {
        why = deleteReason;
        deleted.add(name);
      }
      if (first != null && k == kept && why.equals(reason)) {
        last = name;
        count++;
        continue;
      }
      if (first != null) {
        ranges.add(new Range(first, last, count, kept, reason));
      }
      first = name;
      last = name;
      reason = why;
      kept = k;
      count = 1;
    }
    if (first != null) {
      ranges.add(new Range(first, last, count, kept, reason));
    }
    return new Plan(archive, ranges, deleted);
  }

  /**
   * The retention of every archived log of {@code source} in {@code sink} whose provider has a
   * chain, given the base backups a retention plan keeps ({@code kept}, all kinds: those no log
   * recovers from are left out here). Reads names and manifests only, so no key is needed. What
   * {@code prune} and the service's scheduled prune both apply.
   *
   * @throws IOException if the repository cannot be listed
   */
  public static List<Plan> plans(
      io.biowerk.dr.core.Sink sink,
      String source,
      List<BackupManifest> kept,
      Duration window,
      Instant now)
      throws IOException {
    List<Plan> plans = new ArrayList<>();
    for (LogProvider provider : Logs.all()) {
      Optional<LogChain> chain = provider.chain();
      if (chain.isEmpty()) {
        continue;
      }
      LogArchive archive =
          LogArchive.of(
              sink, source, provider.log(), List.of(), io.biowerk.dr.core.KeyRing.empty());
      if (archive.names().isEmpty()) {
        continue;
      }
      List<BackupManifest> bases =
          kept.stream().filter(m -> provider.recovery(m).isPresent()).toList();
      plans.add(plan(archive, bases, chain.get(), window, now));
    }
    return plans;
  }

  /**
   * Carries a plan out: deletes its names, each manifest before its data.
   *
   * @return how many objects were deleted
   * @throws IOException if the sink refuses; what was deleted before stays deleted, and running
   *     prune again finishes the job
   */
  public static int apply(Plan plan) throws IOException {
    for (String name : plan.deleted()) {
      plan.archive().delete(name);
    }
    return plan.deleted().size();
  }
}
