package io.biowerk.dr.core.catalog;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupNotFoundException;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.RunMarker;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.internal.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backups in a repository, as their manifests describe them. A catalog lists the sink once per
 * call and reads only the small documents (manifests, verification records, in-progress markers),
 * never a data object: a backup exists when its manifest does, since the manifest is written last.
 *
 * <p>What a listing tolerates, so that one bad object never hides the others:
 *
 * <ul>
 *   <li>A manifest that does not parse, or whose data object is missing, is skipped with a WARN log
 *       and reported by {@link #corrupt()}; its objects are never reported as orphans (an operator
 *       should look at them before anything deletes them).
 *   <li>Data objects with no manifest (a crashed run), manifests superseded by a copy of the same
 *       backup in a higher tier (an interrupted promotion), stale in-progress markers and, on a
 *       local sink, temp files of writes that never committed are {@link #orphans()}, cleaned by
 *       {@link #cleanOrphans}. Only files named after a backup id ({@code
 *       <source>_<YYYYMMDD>_<HHMMSS>.*}) can be orphans: anything else an operator keeps in the
 *       repository is left alone.
 *   <li>An in-progress marker older than {@link #staleAfter(Duration) the staleness limit} (24
 *       hours by default) is the leftover of a crashed run: reported (WARN, orphans, {@link
 *       #markers}) but not honoured.
 * </ul>
 *
 * <p>Only folders of the backup layout are read: {@code <source>/<tier>/<file>}; {@code wal/} and
 * {@code oplog/} folders hold archived segments, which have their own lifecycle, and are left
 * alone.
 *
 * <p>Immutable and thread-safe; every call reads the sink afresh.
 */
public final class Catalog {

  /** How old an in-progress marker may get before it is taken for a crash leftover. */
  public static final Duration DEFAULT_STALE_AFTER = Duration.ofHours(24);

  /**
   * How long {@link #record} waits for another run's lock on the same backup's record, by default.
   */
  public static final Duration RECORD_LOCK_WAIT = Duration.ofSeconds(30);

  /** How old a verification lock must be to be taken for a crashed run's leftover and broken. */
  public static final Duration RECORD_LOCK_STALE = Duration.ofMinutes(2);

  private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);
  private static final Pattern ID = Pattern.compile("(.+)_\\d{8}_\\d{6}(-\\d+)?");

  /** A file named after a backup id: only such files can be a crashed run's leftovers. */
  private static final Pattern BACKUP_FILE =
      Pattern.compile("[a-z0-9][a-z0-9_-]*_\\d{8}_\\d{6}(-\\d+)?\\..+");

  private static final Set<String> NOT_BACKUP_FOLDERS =
      Set.of(BackupLayout.WAL, BackupLayout.OPLOG, BackupLayout.IN_PROGRESS);

  /**
   * Newest first: by start time, then by id (both descending). Written out: retention sorts
   * 100,000s.
   */
  public static final Comparator<BackupRecord> NEWEST_FIRST =
      (a, b) -> {
        int byTime = b.time().compareTo(a.time());
        return byTime != 0 ? byTime : b.id().compareTo(a.id());
      };

  /**
   * How many small documents are read at once by default: a remote sink answers each get in a round
   * trip.
   */
  public static final int DEFAULT_READ_PARALLELISM = 8;

  /**
   * Below this many documents, reading them one after the other is cheaper than starting threads.
   */
  private static final int PARALLEL_THRESHOLD = 32;

  private final Sink sink;
  private final Clock clock;
  private final Duration staleAfter;
  private final int readParallelism;
  private final Duration lockWait;

  private Catalog(
      Sink sink, Clock clock, Duration staleAfter, int readParallelism, Duration lockWait) {
    this.sink = requireNonNull(sink, "sink");
    this.clock = requireNonNull(clock, "clock");
    this.staleAfter = requireNonNull(staleAfter, "staleAfter");
    this.readParallelism = readParallelism;
    this.lockWait = requireNonNull(lockWait, "lockWait");
  }

  /** A catalog over the repository in {@code sink}. */
  public static Catalog of(Sink sink) {
    return new Catalog(
        sink, Clock.systemUTC(), DEFAULT_STALE_AFTER, DEFAULT_READ_PARALLELISM, RECORD_LOCK_WAIT);
  }

  /** The same catalog reading the time from {@code clock} (for marker staleness). */
  public Catalog withClock(Clock clock) {
    return new Catalog(sink, clock, staleAfter, readParallelism, lockWait);
  }

  /** The same catalog taking in-progress markers older than {@code limit} for crash leftovers. */
  public Catalog staleAfter(Duration limit) {
    checkArgument(
        limit != null && !limit.isNegative() && !limit.isZero(),
        "staleness limit (%s) must be positive",
        limit);
    return new Catalog(sink, clock, limit, readParallelism, lockWait);
  }

  /**
   * The same catalog reading up to {@code threads} manifests and verification records at once (8 by
   * default; 1 reads them one after the other on the calling thread). Listing a remote repository
   * costs one round trip per backup, so this is what keeps listing 10,000 backups in S3 in seconds.
   */
  public Catalog readParallelism(int threads) {
    checkArgument(threads >= 1, "read parallelism (%s) must be at least 1", threads);
    return new Catalog(sink, clock, staleAfter, threads, lockWait);
  }

  /**
   * The same catalog waiting up to {@code wait} for another run's lock when it records a
   * verification ({@link #RECORD_LOCK_WAIT} by default).
   */
  public Catalog recordLockWait(Duration wait) {
    checkArgument(wait != null && !wait.isNegative(), "lock wait (%s) must not be negative", wait);
    return new Catalog(sink, clock, staleAfter, readParallelism, wait);
  }

  /** The sink this catalog reads. */
  public Sink sink() {
    return sink;
  }

  /** The clock this catalog reads the time from. */
  public Clock clock() {
    return clock;
  }

  /** The staleness limit of in-progress markers. */
  public Duration staleAfter() {
    return staleAfter;
  }

  /**
   * A marker that says a backup is being written: {@code <source>/.in-progress/<id>}.
   *
   * @param source the source being backed up
   * @param id the id of the backup being written
   * @param key the marker's key
   * @param startedAt when the backup started (from the marker, else the marker's modification time)
   * @param stale whether it is older than the staleness limit, so taken for a crash leftover
   * @param deletes for a prune's marker (see {@link io.biowerk.dr.core.RunMarker#pruneBody}), the
   *     ids of the backups the prune deletes; empty for a backup's marker
   * @param prune whether this is a prune's marker: it never holds the source busy, and once its
   *     owner is dead, what is left of the backups it names is removed at once
   * @param written when the repository last wrote the marker (its own clock): a prune's marker is
   *     written once, before it deletes anything
   */
  public record Marker(
      String source,
      String id,
      String key,
      Instant startedAt,
      boolean stale,
      boolean prune,
      List<String> deletes,
      Instant written) {
    public Marker {
      deletes = List.copyOf(deletes);
    }

    /** A backup's marker (not a prune's), written at {@code startedAt}. */
    public Marker(String source, String id, String key, Instant startedAt, boolean stale) {
      this(source, id, key, startedAt, stale, false, List.of(), startedAt);
    }
  }

  /**
   * Everything one listing of the repository found.
   *
   * @param backups the backups, newest first
   * @param corrupt keys of manifests that cannot be used (do not parse, or their data object is
   *     missing)
   * @param orphans objects that belong to no backup, oldest first
   * @param markers in-progress markers, stale or not
   */
  public record Listing(
      List<BackupRecord> backups,
      List<String> corrupt,
      List<StoredObject> orphans,
      List<Marker> markers) {
    public Listing {
      backups = List.copyOf(backups);
      corrupt = List.copyOf(corrupt);
      orphans = List.copyOf(orphans);
      markers = List.copyOf(markers);
    }
  }

  /**
   * Lists the whole repository once.
   *
   * @throws IOException if the sink cannot be listed or read
   */
  public Listing scan() throws IOException {
    return scan("", clock.instant(), true);
  }

  /**
   * Lists one source's folder once.
   *
   * @throws IOException if the sink cannot be listed or read
   */
  public Listing scan(String source) throws IOException {
    return scan(BackupLayout.checkSourceName(source) + "/", clock.instant(), true);
  }

  /**
   * Every backup of every source, newest first.
   *
   * @throws IOException if the sink cannot be listed or read
   */
  public List<BackupRecord> list() throws IOException {
    return scan("", clock.instant(), false).backups();
  }

  /**
   * The backups of one source, newest first.
   *
   * @throws IOException if the sink cannot be listed or read
   */
  public List<BackupRecord> list(String sourceName) throws IOException {
    return scan(BackupLayout.checkSourceName(sourceName) + "/", clock.instant(), false)
        .backups()
        .stream()
        .filter(b -> b.manifest().sourceName().equals(sourceName))
        .toList();
  }

  /**
   * The newest backup of {@code source} (whatever its verification says), if there is any.
   *
   * @throws IOException if the sink cannot be listed or read
   */
  public Optional<BackupRecord> latest(String source) throws IOException {
    return list(source).stream().findFirst();
  }

  /**
   * The newest backup of {@code source} that had finished by {@code t}: the closest backup before a
   * point in time, the one to restore when data went bad at {@code t}. The finish time is used, not
   * the start, because a backup still running at {@code t} may hold what happened after it.
   *
   * @throws IOException if the sink cannot be listed or read
   */
  public Optional<BackupRecord> latestBefore(String source, Instant t) throws IOException {
    requireNonNull(t, "t");
    return list(source).stream().filter(b -> !b.manifest().finishedAt().isAfter(t)).findFirst();
  }

  /**
   * The backup with id {@code id}.
   *
   * @throws BackupNotFoundException if there is none; the message says how to list the ids
   * @throws IOException if the sink cannot be listed or read
   */
  public BackupRecord get(String id) throws IOException {
    checkArgument(id != null && !id.isBlank(), "backup id may not be empty");
    // An id starts with its source's name, so usually one folder is enough to look in.
    Matcher matcher = ID.matcher(id);
    if (matcher.matches() && isSourceName(matcher.group(1))) {
      Optional<BackupRecord> found =
          find(scan(matcher.group(1) + "/", clock.instant(), false).backups(), id);
      if (found.isPresent()) {
        return found.get();
      }
    }
    return find(list(), id)
        .orElseThrow(
            () ->
                new BackupNotFoundException(
                    "catalog: no backup with id '"
                        + id
                        + "' in "
                        + sink
                        + "; run 'biowerk-dr list' (or Catalog.list()) to see the backup ids",
                    id));
  }

  /**
   * The backup a user named: an id, {@code latest} (when the repository holds a single source) or
   * {@code latest:<source>}.
   *
   * @throws BackupNotFoundException if there is no such backup, or {@code latest} is ambiguous
   *     because the repository holds several sources; the message says what to write instead
   * @throws IOException if the sink cannot be listed or read
   */
  public BackupRecord resolve(String spec) throws IOException {
    checkArgument(
        spec != null && !spec.isBlank(),
        "backup (an id, 'latest' or 'latest:<source>') may not be empty");
    if (spec.equals("latest")) {
      List<BackupRecord> all = list();
      Set<String> sources = new TreeSet<>();
      all.forEach(b -> sources.add(b.manifest().sourceName()));
      if (sources.isEmpty()) {
        throw new BackupNotFoundException(
            "catalog: the repository "
                + sink
                + " holds no backups; run a backup"
                + " first, or check the repository URI",
            spec);
      }
      if (sources.size() > 1) {
        throw new BackupNotFoundException(
            "catalog: 'latest' is ambiguous: the repository "
                + sink
                + " holds backups of "
                + sources.size()
                + " sources ("
                + String.join(", ", sources)
                + "); name one, e.g. latest:"
                + sources.iterator().next(),
            spec);
      }
      return all.get(0);
    }
    if (spec.startsWith("latest:")) {
      String source = spec.substring("latest:".length());
      checkArgument(
          isSourceName(source),
          "'%s' does not name a source; write latest:<source>, e.g. latest:orders (a source"
              + " name is lower-case letters, digits, '-' and '_')",
          spec);
      Optional<BackupRecord> latest = latest(source);
      if (latest.isEmpty()) {
        List<String> sources = sources();
        throw new BackupNotFoundException(
            "catalog: no backup of source '"
                + source
                + "' in "
                + sink
                + "; sources with backups: "
                + (sources.isEmpty() ? "none" : String.join(", ", sources)),
            spec);
      }
      return latest.get();
    }
    return get(spec);
  }

  /**
   * The names of the sources that have backups, sorted.
   *
   * @throws IOException if the sink cannot be listed or read
   */
  public List<String> sources() throws IOException {
    Set<String> sources = new TreeSet<>();
    for (BackupRecord backup : list()) {
      sources.add(backup.manifest().sourceName());
    }
    return List.copyOf(sources);
  }

  /**
   * Keys of manifests that cannot be used: they do not parse, or their data object is missing.
   * Listing skips them.
   *
   * @throws IOException if the sink cannot be listed or read
   */
  public List<String> corrupt() throws IOException {
    return scan("", clock.instant(), false).corrupt();
  }

  /**
   * Objects that belong to no backup, oldest first: data and side files without a manifest (a
   * crashed run), manifests superseded by a promoted copy, stale in-progress markers, and temp
   * files of writes that never committed (local sink).
   *
   * @throws IOException if the sink cannot be listed or read
   */
  public List<StoredObject> orphans() throws IOException {
    return scan().orphans();
  }

  /**
   * Deletes the {@link #orphans()} last modified more than {@code grace} before {@code now}. The
   * grace period protects a backup between its data and its manifest being committed; a source with
   * a backup in progress is skipped altogether.
   *
   * @return how many objects were deleted
   * @throws IOException if the sink cannot be listed, or an orphan cannot be deleted
   */
  public int cleanOrphans(Duration grace, Instant now) throws IOException {
    return new OrphanSweeper(sink).delete(removableOrphans(grace, now));
  }

  /**
   * The {@link #orphans()} that {@link #cleanOrphans} would delete now, without deleting anything
   * (what {@code prune --dry-run} reports): those of a run known to be dead (its marker is stale by
   * the dead-run rule, see {@link io.biowerk.dr.core.RunMarker}) at once, any other only once last
   * modified more than {@code grace} before {@code now}; none of a source with a live backup.
   *
   * @throws IOException if the sink cannot be listed
   */
  public List<StoredObject> removableOrphans(Duration grace, Instant now) throws IOException {
    checkArgument(
        grace != null && !grace.isNegative(), "grace period (%s) may not be negative", grace);
    requireNonNull(now, "now");
    return new OrphanSweeper(sink).removable(scan("", now, true), grace, now);
  }

  /**
   * Records a verification result beside its backup, in {@code <dataKey>.verify.json} (a JSON list,
   * see {@link Verifications}), rewritten whole through {@link Sink#put}, which commits atomically.
   * The rewrite holds the lock {@code <dataKey>.verify.lock}, created with {@link
   * Sink#putIfAbsent}, so two verifications of one backup recorded at the same moment (a scheduled
   * one and a drill) both keep their entries: the second waits for the first up to {@link
   * #recordLockWait} (30 s by default). A lock older than {@link #RECORD_LOCK_STALE} is the
   * leftover of a crashed run and is broken.
   *
   * @throws BackupNotFoundException if the backup is not in the repository
   * @throws IOException if the sink cannot be read or written, or another run held the lock too
   *     long (the message names the lock and what to do)
   */
  public BackupRecord record(VerificationResult result) throws IOException {
    requireNonNull(result, "result");
    BackupRecord backup = get(result.backupId());
    return new VerificationLog(sink, clock, lockWait).record(backup, result);
  }

  /**
   * When the oldest backup of {@code source} still being written started, if one is; markers older
   * than the staleness limit are not honoured.
   *
   * @throws IOException if the sink cannot be listed or read
   */
  public Optional<Instant> inProgress(String source) throws IOException {
    return inProgress(source, clock.instant());
  }

  /**
   * When the oldest backup of {@code source} still being written at {@code now} started, if one is.
   *
   * @throws IOException if the sink cannot be listed or read
   */
  public Optional<Instant> inProgress(String source, Instant now) throws IOException {
    return markers(source, now).stream()
        .filter(m -> !m.stale() && !m.prune())
        .map(Marker::startedAt)
        .min(Comparator.naturalOrder());
  }

  /**
   * The in-progress markers of {@code source}, stale or not, oldest first.
   *
   * @throws IOException if the sink cannot be listed or read
   */
  public List<Marker> markers(String source) throws IOException {
    return markers(source, clock.instant());
  }

  private List<Marker> markers(String source, Instant now) throws IOException {
    String prefix = BackupLayout.checkSourceName(source) + "/" + BackupLayout.IN_PROGRESS + "/";
    List<Marker> markers = new ArrayList<>();
    for (StoredObject object : sink.list(prefix)) {
      marker(object, now).ifPresent(markers::add);
    }
    markers.sort(Comparator.comparing(Marker::startedAt));
    return markers;
  }

  /**
   * One listing; {@code temps}: also walk a local sink for temp files (a second walk of the tree).
   */
  Listing scan(String prefix, Instant now, boolean temps) throws IOException {
    List<StoredObject> objects = sink.list(prefix);
    Map<String, StoredObject> byKey = new HashMap<>(objects.size() * 2);
    List<StoredObject> manifests = new ArrayList<>();
    List<Marker> markers = new ArrayList<>();
    for (StoredObject object : objects) {
      String[] parts = object.key().split("/", -1);
      if (parts.length != 3) {
        continue;
      }
      if (parts[1].equals(BackupLayout.IN_PROGRESS)) {
        marker(object, now).ifPresent(markers::add);
      } else if (isBackupFolder(parts[1])) {
        byKey.put(object.key(), object);
        if (object.key().endsWith(BackupManifest.MANIFEST_SUFFIX)) {
          manifests.add(object);
        }
      }
    }

    List<String> corrupt = new ArrayList<>();
    Map<String, BackupManifest> winners = new LinkedHashMap<>();
    List<String> manifestKeys = manifests.stream().map(StoredObject::key).toList();
    Map<String, Read<BackupManifest>> parsed = read(manifestKeys, Manifests::parse);
    for (String key : manifestKeys) {
      Read<BackupManifest> read = parsed.get(key);
      if (read.missing()) {
        continue; // deleted since the listing (a prune running beside us)
      }
      if (read.failure() != null) {
        LOG.warn("catalog: skipping {}: {}", key, read.failure().getMessage());
        corrupt.add(key);
        continue;
      }
      String expectedDataKey =
          key.substring(0, key.length() - BackupManifest.MANIFEST_SUFFIX.length());
      BackupManifest manifest = read.value();
      if (!manifest.dataKey().equals(expectedDataKey) && byKey.containsKey(expectedDataKey)) {
        // Moved by hand together with its data: the data beside the manifest is the one it
        // describes.
        manifest = manifest.withDataKey(expectedDataKey);
      }
      if (!byKey.containsKey(manifest.dataKey())) {
        LOG.warn(
            "catalog: skipping {}: its data object {} is missing; the backup cannot be restored from"
                + " this repository",
            key,
            manifest.dataKey());
        corrupt.add(key);
        continue;
      }
      BackupManifest other = winners.get(manifest.id());
      if (other == null || prefer(manifest, other)) {
        winners.put(manifest.id(), manifest);
      }
    }

    Set<String> owned = new HashSet<>(winners.size() * 6);
    List<String> verifyKeys = new ArrayList<>();
    for (BackupManifest manifest : winners.values()) {
      String verifyKey = manifest.dataKey() + Verifications.SUFFIX;
      if (byKey.containsKey(verifyKey)) {
        verifyKeys.add(verifyKey);
      }
    }
    Map<String, Read<List<VerificationResult>>> histories = read(verifyKeys, Verifications::parse);
    List<BackupRecord> backups = new ArrayList<>(winners.size());
    for (BackupManifest manifest : winners.values()) {
      String dataKey = manifest.dataKey();
      owned.add(dataKey);
      owned.add(manifest.manifestKey());
      owned.add(manifest.sha256Key());
      String verifyKey = dataKey + Verifications.SUFFIX;
      owned.add(verifyKey);
      owned.add(dataKey + Verifications.LOCK_SUFFIX);
      List<VerificationResult> verifications = List.of();
      Read<List<VerificationResult>> history = histories.get(verifyKey);
      if (history != null && history.failure() != null) {
        LOG.warn("{}", history.failure().getMessage());
      } else if (history != null && !history.missing()) {
        verifications = history.value();
      }
      backups.add(new BackupRecord(manifest, verifications));
    }
    backups.sort(NEWEST_FIRST);

    List<String> corruptPrefixes =
        corrupt.stream()
            .map(k -> k.substring(0, k.length() - BackupManifest.MANIFEST_SUFFIX.length()))
            .toList();
    List<StoredObject> orphans = new ArrayList<>();
    for (StoredObject object : byKey.values()) {
      String name = object.key().substring(object.key().lastIndexOf('/') + 1);
      if (!owned.contains(object.key())
          && !underCorrupt(object.key(), corruptPrefixes)
          && BACKUP_FILE.matcher(name).matches()) {
        orphans.add(object);
      }
    }
    for (Marker marker : markers) {
      if (marker.stale()) {
        LOG.warn(
            "catalog: in-progress marker {} (started {}) is the leftover of a crashed run (its owner"
                + " is dead, or it is older than {}) and not honoured",
            marker.key(),
            marker.startedAt(),
            staleAfter);
        orphans.add(new StoredObject(marker.key(), 0, marker.startedAt()));
      }
    }
    if (temps) {
      for (StoredObject temp : sink.abandonedWrites()) {
        if (temp.key().startsWith(prefix)) {
          orphans.add(temp);
        }
      }
    }
    orphans.sort(Comparator.comparing(StoredObject::lastModified).thenComparing(StoredObject::key));
    corrupt.sort(Comparator.naturalOrder());
    markers.sort(Comparator.comparing(Marker::startedAt));
    return new Listing(backups, corrupt, orphans, markers);
  }

  /**
   * A small document read from the sink: parsed, missing (deleted since the listing), or
   * unparseable.
   */
  private record Read<T>(T value, boolean missing, IOException failure) {}

  /** Parses a small document; {@code location} names it in messages. */
  private interface Parser<T> {
    T parse(byte[] bytes, String location) throws IOException;
  }

  /**
   * Reads and parses {@code keys}, several at once when there are many. A document that does not
   * parse is a {@link Read#failure()}; a sink that cannot be read fails the whole call.
   */
  private <T> Map<String, Read<T>> read(List<String> keys, Parser<T> parser) throws IOException {
    Map<String, Read<T>> results = new HashMap<>(keys.size() * 2);
    String where = sink.toString(); // a URI for some sinks: made once, not per document
    if (keys.size() < PARALLEL_THRESHOLD || readParallelism == 1) {
      for (String key : keys) {
        results.put(key, readOne(key, parser, where));
      }
      return results;
    }
    int threads = Math.min(readParallelism, keys.size() / (PARALLEL_THRESHOLD / 2));
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.max(threads, 1),
            runnable -> {
              Thread thread = new Thread(runnable, "biowerk-dr-catalog-read");
              thread.setDaemon(true);
              return thread;
            });
    try {
      List<Future<Read<T>>> futures = new ArrayList<>(keys.size());
      for (String key : keys) {
        futures.add(pool.submit(() -> readOne(key, parser, where)));
      }
      for (int i = 0; i < keys.size(); i++) {
        results.put(keys.get(i), futures.get(i).get());
      }
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("catalog: interrupted while reading manifests of " + sink);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IOException("catalog: reading manifests of " + sink + " failed: " + cause, cause);
    } finally {
      pool.shutdownNow();
    }
  }

  private <T> Read<T> readOne(String key, Parser<T> parser, String where) throws IOException {
    byte[] bytes;
    try {
      bytes = sink.get(key);
    } catch (ObjectNotFoundException e) {
      return new Read<>(null, true, null);
    }
    try {
      return new Read<>(parser.parse(bytes, where + " " + key), false, null);
    } catch (IOException e) {
      return new Read<>(null, false, e);
    }
  }

  private Optional<Marker> marker(StoredObject object, Instant now) throws IOException {
    String[] parts = object.key().split("/", -1);
    if (parts.length != 3) {
      return Optional.empty();
    }
    Instant started = object.lastModified();
    Optional<String> dead = Optional.empty();
    boolean prune = false;
    List<String> deletes = new ArrayList<>();
    try {
      JsonNode body = Json.read(sink.get(object.key()));
      if (body != null && body.hasNonNull("startedAt")) {
        started = Instant.parse(body.get("startedAt").asText());
      }
      if (body != null && body.path(RunMarker.DELETES).isArray()) {
        prune = true;
        for (JsonNode id : body.get(RunMarker.DELETES)) {
          if (id.isTextual() && BACKUP_FILE.matcher(id.asText() + ".x").matches()) {
            deletes.add(id.asText());
          }
        }
      }
      // A run on this host whose process is gone, or whose lease ran out, is dead now.
      dead = RunMarker.deadOwner(body, now);
    } catch (ObjectNotFoundException e) {
      return Optional.empty(); // the backup finished since the listing
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "catalog: in-progress marker {} is unreadable ({}); using its modification time",
          object.key(),
          e.toString());
    }
    boolean stale = dead.isPresent() || started.plus(staleAfter).isBefore(now);
    dead.ifPresent(
        why -> LOG.info("catalog: in-progress marker {} is a dead run's: {}", object.key(), why));
    return Optional.of(
        new Marker(
            parts[0],
            parts[2],
            object.key(),
            started,
            stale,
            prune,
            deletes,
            object.lastModified()));
  }

  /**
   * Of two manifests of the same backup (an interrupted promotion), the one in the higher tier
   * wins.
   */
  private static boolean prefer(BackupManifest candidate, BackupManifest current) {
    int byTier = Integer.compare(tierRank(candidate.tier()), tierRank(current.tier()));
    return byTier != 0 ? byTier > 0 : candidate.dataKey().compareTo(current.dataKey()) > 0;
  }

  /** Rank of a tier folder for promotion: monthly over weekly over daily over anything else. */
  public static int tierRank(String tier) {
    return switch (tier) {
      case BackupLayout.MONTHLY -> 3;
      case BackupLayout.WEEKLY -> 2;
      case BackupLayout.DAILY -> 1;
      default -> 0;
    };
  }

  private static boolean underCorrupt(String key, List<String> corruptPrefixes) {
    for (String prefix : corruptPrefixes) {
      if (key.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isBackupFolder(String folder) {
    return !folder.isEmpty() && !folder.startsWith(".") && !NOT_BACKUP_FOLDERS.contains(folder);
  }

  private static boolean isSourceName(String name) {
    try {
      BackupLayout.checkSourceName(name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Optional<BackupRecord> find(List<BackupRecord> backups, String id) {
    return backups.stream().filter(b -> b.id().equals(id)).findFirst();
  }

  @Override
  public String toString() {
    return "Catalog[" + sink + "]";
  }
}
