package io.biowerk.dr.postgres;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.TargetNotEmptyException;
import io.biowerk.dr.core.files.FilesRestoreTarget;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogRecovery;
import io.biowerk.dr.core.log.LogSegment;
import io.biowerk.dr.core.log.RecoveryRangeException;
import io.biowerk.dr.core.log.RecoveryTarget;
import io.biowerk.dr.core.log.RecoveryWindow;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Point-in-time recovery of PostgreSQL from a physical base backup and the WAL archive: checks that
 * every segment from the backup's start to the target is archived (following timeline switches
 * through the history files), lays the backup down into a data directory, and writes {@code
 * recovery.signal} and the recovery settings ({@code restore_command} calling {@code wal-fetch} on
 * the same repository and key, {@code recovery_target_*}, {@code recovery_target_action =
 * 'promote'}) into {@code postgresql.auto.conf}. Starting the server is the operator's step.
 * Stateless and thread-safe.
 */
final class PgRecovery implements LogRecovery {

  private static final DateTimeFormatter PG_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSxxx").withZone(ZoneOffset.UTC);

  @Override
  public boolean endsBefore(BackupManifest base, RecoveryTarget target) {
    if (target.time().isPresent()) {
      return !stopTime(base).isAfter(target.time().get());
    }
    if (target.position().isPresent()) {
      return PgWal.lsn(String.valueOf(base.facts().get("stopLsn")))
          <= PgWal.lsn(target.position().get());
    }
    return true;
  }

  @Override
  public RecoveryWindow window(BackupManifest base, LogArchive archive) throws IOException {
    Plan plan = plan(base, RecoveryTarget.end(), archive);
    Instant from = stopTime(base);
    Instant to = plan.lastArchived() == null ? from : plan.lastArchived();
    return new RecoveryWindow(from, to, plan.first(), plan.last(), plan.segments());
  }

  static Instant stopTime(BackupManifest base) {
    Object stop = base.facts().get("stopTime");
    return stop == null ? base.finishedAt() : Instant.parse(stop.toString());
  }

  @Override
  public RestoreTarget prepare(
      BackupManifest base,
      RecoveryTarget target,
      LogArchive archive,
      Path directory,
      boolean force,
      List<String> fetchCommand)
      throws IOException {
    checkEmpty(directory, force);
    Plan plan = plan(base, target, archive);
    FilesRestoreTarget files = FilesRestoreTarget.of(directory, force);
    String settings = settings(base, target, fetchCommand);
    return new RestoreTarget() {
      @Override
      public PendingWrite open(BackupManifest manifest) throws IOException {
        PendingWrite tar = files.open(asTar(manifest));
        return new PendingWrite() {
          @Override
          public int write(ByteBuffer src) throws IOException {
            return tar.write(src);
          }

          @Override
          public boolean isOpen() {
            return tar.isOpen();
          }

          @Override
          public void commit() throws IOException {
            tar.commit();
            Path data = files.path();
            Files.createDirectories(data.resolve("pg_wal/archive_status"));
            Files.writeString(
                data.resolve("postgresql.auto.conf"),
                settings,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
            Files.writeString(data.resolve("recovery.signal"), "", StandardCharsets.UTF_8);
          }

          @Override
          public void abort() {
            tar.abort();
          }
        };
      }

      @Override
      public String toString() {
        return "postgresql data directory "
            + files.path()
            + " (recovery to "
            + target
            + ", "
            + plan
            + ")";
      }
    };
  }

  private static void checkEmpty(Path directory, boolean force) throws IOException {
    if (force || !Files.isDirectory(directory)) {
      if (!force && Files.exists(directory, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new TargetNotEmptyException(
            "postgresql: data directory "
                + directory
                + " exists and is not a directory; choose another path, or use --force to replace it",
            directory.toUri().toString());
      }
      return;
    }
    try (java.util.stream.Stream<Path> entries = Files.list(directory)) {
      long count = entries.count();
      if (count > 0) {
        throw new TargetNotEmptyException(
            "postgresql: data directory "
                + directory
                + " is not empty ("
                + count
                + " entries); stop any server on it and restore into a new or empty directory, or use --force"
                + " to replace its contents",
            directory.toUri().toString());
      }
    }
  }

  private static BackupManifest asTar(BackupManifest m) {
    return new BackupManifest(
        m.id(),
        m.sourceKind(),
        m.sourceName(),
        m.sourceUri(),
        "tar",
        m.startedAt(),
        m.finishedAt(),
        m.codecs(),
        m.keyId(),
        m.rawSize(),
        m.storedSize(),
        m.rawSha256(),
        m.storedSha256(),
        m.dataKey(),
        m.facts());
  }

  /** The recovery settings appended to {@code postgresql.auto.conf}. */
  static String settings(BackupManifest base, RecoveryTarget target, List<String> fetchCommand) {
    StringBuilder command = new StringBuilder();
    for (String part : fetchCommand) {
      command.append(shellQuote(part)).append(' ');
    }
    command.append("%f \"%p\"");
    StringBuilder s = new StringBuilder();
    s.append("\n# biowerk-dr: point-in-time recovery from base backup ")
        .append(base.id())
        .append(" to ")
        .append(target)
        .append('\n');
    s.append("restore_command = ").append(confQuote(command.toString())).append('\n');
    target
        .time()
        .ifPresent(
            t ->
                s.append("recovery_target_time = ")
                    .append(confQuote(PG_TIME.format(t)))
                    .append('\n'));
    target
        .position()
        .ifPresent(p -> s.append("recovery_target_lsn = ").append(confQuote(p)).append('\n'));
    target
        .name()
        .ifPresent(n -> s.append("recovery_target_name = ").append(confQuote(n)).append('\n'));
    if (target.immediate()) {
      s.append("recovery_target = 'immediate'\n");
    }
    target
        .timeline()
        .ifPresent(t -> s.append("recovery_target_timeline = ").append(confQuote(t)).append('\n'));
    if (target.time().isPresent()
        || target.position().isPresent()
        || target.name().isPresent()
        || target.immediate()) {
      s.append("recovery_target_action = 'promote'\n");
    }
    return s.toString();
  }

  static String shellQuote(String text) {
    if (text.matches("[A-Za-z0-9_./:=@+-]+")) {
      return text;
    }
    return "'" + text.replace("'", "'\\''") + "'";
  }

  static String confQuote(String text) {
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'";
  }

  /** What the replay will read: the segments from the backup's start to the target, all present. */
  record Plan(String first, String last, int segments, Instant lastArchived) {
    @Override
    public String toString() {
      return segments + " WAL segments " + first + " .. " + last;
    }
  }

  /** One timeline of the path the replay follows, starting at {@code begin}. */
  private record Timeline(int id, long begin) {}

  /**
   * Checks the archive covers {@code target} from {@code base}.
   *
   * @throws RecoveryRangeException if the target is outside the recoverable window or a segment is
   *     missing
   */
  static Plan plan(BackupManifest base, RecoveryTarget target, LogArchive archive)
      throws IOException {
    long segmentSize =
        ((Number) base.facts().getOrDefault("walSegmentSize", PgWal.DEFAULT_SEGMENT_SIZE))
            .longValue();
    String startWal = String.valueOf(base.facts().get("startWal"));
    String stopWal = String.valueOf(base.facts().get("stopWal"));
    if (!PgWal.isSegment(startWal) || !PgWal.isSegment(stopWal)) {
      throw new IllegalArgumentException(
          "postgresql: backup "
              + base.id()
              + " records no WAL range; it is not a physical base backup");
    }
    Instant stopTime = stopTime(base);
    List<String> names = archive.names();
    Set<String> present = new HashSet<>(names);
    List<Timeline> path = timelines(base, target, archive, names);
    long startSeg = PgWal.segmentNumber(startWal, segmentSize);
    long stopSeg = PgWal.segmentNumber(stopWal, segmentSize);
    long fullSeg = lastSegment(names, path, segmentSize);
    Partial partial = newestPartial(names, path, segmentSize, fullSeg, archive);
    if (partial != null) {
      // stored as pieces, it has no object of its own name; wal-fetch lays the pieces down
      present.add(partial.name());
    }
    // The receiver's partial segment extends what is archived, up to what it received (not beyond).
    long lastSeg = partial == null ? fullSeg : partial.number();
    long coveredUpTo = partial == null ? (fullSeg + 1) * segmentSize : partial.upTo();
    Optional<Long> targetLsn = target.position().map(PgWal::lsn);
    if (targetLsn.isPresent()
        && targetLsn.get() < PgWal.lsn(String.valueOf(base.facts().get("stopLsn")))) {
      throw new RecoveryRangeException(
          "postgresql: recovery target LSN "
              + target.position().get()
              + " is before base backup "
              + base.id()
              + " ended (at "
              + base.facts().get("stopLsn")
              + "); pick an older base backup, or a target at or after its end",
          null);
    }
    Instant lastArchived = null;
    String lastName = null;
    if (partial != null) {
      lastName = partial.name();
      lastArchived = partial.lastTime();
    } else if (lastSeg >= 0) {
      lastName = segment(path, lastSeg, segmentSize);
      lastArchived = archive.segment(lastName).map(LogSegment::lastTime).orElse(null);
    }
    if (lastSeg < stopSeg) {
      String name = segment(path, Math.max(fullSeg + 1, startSeg), segmentSize);
      throw new RecoveryRangeException(
          "postgresql: WAL segment "
              + name
              + " is not in "
              + archive.prefix()
              + " yet, and base backup "
              + base.id()
              + " needs every segment up to "
              + stopWal
              + " to become consistent; check that archive_command (or wal-receive) works, run SELECT"
              + " pg_switch_wal() on the server, and try again",
          name);
    }
    Object stopLsn = base.facts().get("stopLsn");
    if (partial != null
        && partial.number() == stopSeg
        && stopLsn != null
        && coveredUpTo < PgWal.lsn(stopLsn.toString())) {
      throw new RecoveryRangeException(
          "postgresql: WAL segment "
              + segment(path, stopSeg, segmentSize)
              + " is only partly in "
              + archive.prefix()
              + " (as "
              + partial.name()
              + ", received up to "
              + PgWal.lsn(coveredUpTo)
              + "), and base backup "
              + base.id()
              + " needs the WAL up to "
              + base.facts().get("stopLsn")
              + " to become consistent; check that wal-receive is running and connected, wait for its"
              + " next flush (or run SELECT pg_switch_wal() on the server), and try again",
          segment(path, stopSeg, segmentSize));
    }
    if (target.time().isPresent()
        && (target.time().get().isBefore(stopTime)
            || lastArchived == null
            || target.time().get().isAfter(lastArchived))) {
      throw outside(base, target, stopTime, lastArchived, lastName, coveredUpTo);
    }
    if (targetLsn.isPresent() && targetLsn.get() >= coveredUpTo) {
      throw outside(base, target, stopTime, lastArchived, lastName, coveredUpTo);
    }
    String first = segment(path, startSeg, segmentSize);
    String last = first;
    int count = 0;
    for (long seg = startSeg; seg <= lastSeg; seg++) {
      String name = segment(path, seg, segmentSize);
      if (partial != null && seg == partial.number()) {
        name = partial.name();
      }
      if (!present.contains(name)) {
        String why =
            seg <= stopSeg
                ? "the base backup needs it to become consistent"
                : "segments after it are archived";
        throw new RecoveryRangeException(
            "postgresql: WAL segment "
                + name
                + " is missing from "
                + archive.prefix()
                + " ("
                + why
                + "), so recovery from "
                + base.id()
                + " cannot pass it; check archive_command and the server log for why it was not archived,"
                + " push it from the server's pg_wal if it is still there ('biowerk-dr wal-push'), or"
                + " recover to a target before it",
            name);
      }
      count++;
      last = name;
      if (seg < stopSeg) {
        continue;
      }
      if (target.immediate()) {
        break;
      }
      if (targetLsn.isPresent() && (seg + 1) * segmentSize > targetLsn.get()) {
        break;
      }
      if (target.time().isPresent()) {
        Instant segmentEnd = archive.segment(name).map(LogSegment::lastTime).orElse(Instant.MAX);
        if (!segmentEnd.isBefore(target.time().get())) {
          break;
        }
      }
    }
    return new Plan(first, last, count, lastArchived);
  }

  private static RecoveryRangeException outside(
      BackupManifest base,
      RecoveryTarget target,
      Instant stopTime,
      Instant lastArchived,
      String last,
      long coveredUpTo) {
    return new RecoveryRangeException(
        "postgresql: recovery target "
            + target
            + " is outside what base backup "
            + base.id()
            + " and the archived WAL can reach: from "
            + stopTime
            + " (the backup's end) to "
            + (lastArchived == null
                ? "its end"
                : lastArchived
                    + " (WAL archived up to "
                    + last
                    + ", LSN "
                    + PgWal.lsn(coveredUpTo)
                    + ")")
            + "; pick a target in that range, an older base backup for an earlier target, or wait until the"
            + " WAL up to the target is archived (SELECT pg_switch_wal() closes the current segment)",
        null);
  }

  private static String segment(List<Timeline> path, long seg, long segmentSize) {
    long end = (seg + 1) * segmentSize - 1;
    int tli = path.get(0).id();
    for (Timeline t : path) {
      if (t.begin() <= end) {
        tli = t.id();
      }
    }
    return PgWal.segmentName(tli, seg, segmentSize);
  }

  /**
   * The receiver's newest partial segment, when it lies on {@code path} after the newest complete
   * segment {@code fullSeg}, with the position it was received up to and when it was stored. The
   * receiver stores it as pieces ({@code <segment>.partial.<from>-<to>}, covered up to where they
   * join without a gap from the segment's start); an older receiver stored it as one object {@code
   * <segment>.partial}, which {@code wal-fetch} serves first when present.
   */
  private static Partial newestPartial(
      List<String> names, List<Timeline> path, long segmentSize, long fullSeg, LogArchive archive)
      throws IOException {
    String newest = null;
    long number = -1;
    for (String n : names) {
      if (PgWal.isPartial(n) || PgWal.isPartialPiece(n)) {
        String segment = n.substring(0, 24);
        long at = PgWal.segmentNumber(segment, segmentSize);
        // A partial at or before a complete segment is stale (the complete one replaced it).
        if (at > fullSeg && at > number && segment(path, at, segmentSize).equals(segment)) {
          newest = segment + ".partial";
          number = at;
        }
      }
    }
    if (newest == null) {
      return null;
    }
    long segmentEnd = (number + 1) * segmentSize;
    if (!names.contains(newest)) {
      List<String> chain = LogArchive.contiguousPieces(newest, names);
      if (chain.isEmpty()) {
        return null;
      }
      String last = chain.get(chain.size() - 1);
      Optional<LogSegment> stored = archive.segment(last);
      if (stored.isEmpty()) {
        return null;
      }
      long upTo = number * segmentSize + LogArchive.pieceRange(newest, last).orElseThrow()[1];
      return new Partial(newest, number, Math.min(upTo, segmentEnd), stored.get().lastTime());
    }
    Optional<LogSegment> stored = archive.segment(newest);
    if (stored.isEmpty()) {
      return null;
    }
    Object received = stored.get().manifest().facts().get("receivedUpTo");
    long upTo = PgWal.lsn(received == null ? stored.get().lastPosition() : received.toString());
    // Never beyond the segment's own end, whatever the manifest says.
    upTo = Math.min(upTo, segmentEnd);
    return new Partial(newest, number, upTo, stored.get().lastTime());
  }

  /** A partial segment: its object name, segment number, received-up-to LSN and stored time. */
  private record Partial(String name, long number, long upTo, Instant lastTime) {}

  /**
   * The newest archived segment that lies on {@code path} (a segment of a forked-off branch does
   * not).
   */
  private static long lastSegment(List<String> names, List<Timeline> path, long segmentSize) {
    long last = -1;
    for (String n : names) {
      if (PgWal.isSegment(n)) {
        long number = PgWal.segmentNumber(n, segmentSize);
        if (number > last && segment(path, number, segmentSize).equals(n)) {
          last = number;
        }
      }
    }
    return last;
  }

  /** The timelines from the base backup's to the target's, each with the LSN it begins at. */
  private static List<Timeline> timelines(
      BackupManifest base, RecoveryTarget target, LogArchive archive, List<String> names)
      throws IOException {
    int baseTli =
        ((Number) base.facts().getOrDefault("stopTimeline", base.facts().get("timeline")))
            .intValue();
    int wanted = baseTli;
    String asked = target.timeline().orElse("latest");
    if (asked.equals("latest")) {
      for (String n : names) {
        if (PgWal.isHistory(n)) {
          wanted = Math.max(wanted, PgWal.timeline(n));
        }
      }
    } else if (!asked.equals("current")) {
      try {
        wanted = Integer.parseInt(asked);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "postgresql: recovery target timeline '"
                + asked
                + "' must be latest, current or a number");
      }
    }
    List<Timeline> path = new ArrayList<>();
    if (wanted == baseTli) {
      path.add(new Timeline(baseTli, 0));
      return path;
    }
    String history = PgWal.timelineHex(wanted) + ".history";
    Path temp = Files.createTempFile("biowerk-dr-", ".history");
    try {
      if (!archive.fetch(history, temp)) {
        throw new RecoveryRangeException(
            "postgresql: timeline history file "
                + history
                + " is not in "
                + archive.prefix()
                + ", so timeline "
                + wanted
                + " cannot be followed; archive it or recover on the base backup's timeline"
                + " (--target-timeline current)",
            history);
      }
      long begin = 0;
      for (String line : Files.readAllLines(temp, StandardCharsets.UTF_8)) {
        String[] parts = line.strip().split("\\s+", -1);
        if (parts.length < 2 || parts[0].startsWith("#")) {
          continue;
        }
        path.add(new Timeline(Integer.parseInt(parts[0]), begin));
        begin = PgWal.lsn(parts[1]);
      }
      path.add(new Timeline(wanted, begin));
    } finally {
      Files.deleteIfExists(temp);
    }
    int from = -1;
    for (int i = 0; i < path.size(); i++) {
      if (path.get(i).id() == baseTli) {
        from = i;
      }
    }
    if (from < 0) {
      throw new RecoveryRangeException(
          "postgresql: base backup "
              + base.id()
              + " is on timeline "
              + baseTli
              + ", which is not an ancestor of timeline "
              + wanted
              + "; pick a base backup taken on that timeline's history, or --target-timeline current",
          null);
    }
    List<Timeline> tail = new ArrayList<>(path.subList(from, path.size()));
    tail.set(0, new Timeline(baseTli, 0));
    return tail;
  }
}
