package io.biowerk.dr.mongo;

import static com.google.common.base.Preconditions.checkArgument;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.NativeVerifier;
import io.biowerk.dr.core.VerificationLevel;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.ReadableByteChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The native check of a MongoDB backup, the plan's {@code mongorestore --dryRun} and more: at
 * {@link VerificationLevel#NATIVE} it parses the whole archive, checks every document's BSON
 * structure, every namespace's CRC-64, prelude and body consistency, and the per-collection counts
 * and oplog entries against the manifest. At {@link VerificationLevel#RESTORE} it also restores the
 * archive into scratch databases ({@code bwverify_<random>_<db>}) on the server named by the {@code
 * scratch-uri} option, without oplog replay, compares every collection's count with the archive's,
 * and drops the scratch databases.
 *
 * <p>Stateless and thread-safe.
 */
public final class MongoArchiveVerifier implements NativeVerifier {

  static final String COMPONENT = "mongodb verify";

  @Override
  public Set<String> sourceKinds() {
    return Set.of(MongoSource.KIND);
  }

  @Override
  public String verify(
      BackupManifest manifest,
      VerificationLevel level,
      ReadableByteChannel decoded,
      Map<String, String> options)
      throws IOException {
    checkArgument(
        level == VerificationLevel.NATIVE || level == VerificationLevel.RESTORE,
        "%s: level %s is not a native level",
        COMPONENT,
        level);
    if (level == VerificationLevel.NATIVE) {
      ArchiveSummary summary = new ArchiveReader(decoded, true).read(new ArchiveVisitor() {});
      checkAgainstManifest(summary.counts(), manifest, "archive");
      return "mongodb archive: " + summary.describe() + ", counts matching the manifest";
    }
    String scratch = options.get("scratch-uri");
    if (scratch == null) {
      throw new IllegalArgumentException(
          COMPONENT
              + ": restore verification needs the option "
              + "scratch-uri=mongodb://host:port of a server where it may create and drop databases named "
              + "bwverify_*");
    }
    Optional<RollForward> rollForward = RollForward.of(manifest, options);
    return restore(manifest, decoded, URI.create(scratch), rollForward);
  }

  private String restore(
      BackupManifest manifest,
      ReadableByteChannel decoded,
      URI scratch,
      Optional<RollForward> rollForward)
      throws IOException {
    MongoUri uri = MongoUri.parse(scratch, COMPONENT);
    String prefix = "bwverify_" + HexFormat.of().formatHex(randomBytes()) + "_";
    ArchiveRestorer.Options options =
        new ArchiveRestorer.Options(
            NamespaceFilter.of(Optional.empty(), Optional.empty()),
            NamespaceRenamer.of(Optional.of("*"), Optional.of(prefix + "*"), COMPONENT),
            false,
            4,
            rollForward.isPresent(),
            false);
    long started = System.nanoTime();
    try (MongoClient client = Clients.open(uri, false)) {
      ArchiveRestorer restorer = new ArchiveRestorer(client, uri, COMPONENT, options);
      try {
        ArchiveSummary summary = new ArchiveReader(decoded, true).read(restorer);
        restorer.finish();
        if (rollForward.isPresent()) {
          String replayed = rollForward.get().replay(client, uri, options);
          return "mongodb point-in-time restore into scratch server: "
              + replayed
              + "; "
              + counts(client, restorer, summary, options.renamer())
              + ", in "
              + Duration.ofNanos(System.nanoTime() - started).toMillis()
              + " ms";
        }
        Map<Namespace, Long> found = new TreeMap<>();
        for (Map.Entry<Namespace, Long> e : summary.counts().entrySet()) {
          Namespace ns = e.getKey();
          if (ns.isOplog() || !restorer.inserted().containsKey(options.renamer().rename(ns))) {
            continue;
          }
          Namespace to = options.renamer().rename(ns);
          long count = client.getDatabase(to.db()).getCollection(to.collection()).countDocuments();
          found.put(ns, count);
          if (count != e.getValue()) {
            throw new IntegrityException(
                COMPONENT
                    + ": restoring "
                    + ns
                    + " into the scratch server gave "
                    + count
                    + " documents, the archive holds "
                    + e.getValue()
                    + "; the backup does not restore as taken",
                manifest.id(),
                Long.toString(e.getValue()),
                Long.toString(count));
          }
        }
        checkAgainstManifest(summary.counts(), manifest, "archive");
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        long documents = found.values().stream().mapToLong(Long::longValue).sum();
        return "mongodb restore into scratch server: "
            + found.size()
            + " collections, "
            + documents
            + " documents, counts matching, in "
            + took.toMillis()
            + " ms";
      } finally {
        restorer.abort(); // drops every scratch collection it created
        for (String db : client.listDatabaseNames()) {
          if (db.startsWith(prefix)) {
            client.getDatabase(db).drop();
          }
        }
      }
    } catch (MongoException e) {
      throw new IOException(
          MongoErrors.describe(COMPONENT, uri, "restoring into the scratch server", e),
          MongoErrors.isConnection(e) ? null : e);
    }
  }

  /** {@code 3 collections, 250 documents (db.a=100, ...)} as found in the scratch databases. */
  private static String counts(
      MongoClient client,
      ArchiveRestorer restorer,
      ArchiveSummary summary,
      NamespaceRenamer renamer) {
    Map<String, Long> found = new TreeMap<>();
    for (Namespace ns : summary.counts().keySet()) {
      Namespace to = renamer.rename(ns);
      if (ns.isOplog() || !restorer.inserted().containsKey(to)) {
        continue;
      }
      found.put(
          ns.toString(),
          client.getDatabase(to.db()).getCollection(to.collection()).countDocuments());
    }
    long documents = found.values().stream().mapToLong(Long::longValue).sum();
    return found.size() + " collections, " + documents + " documents after the replay " + found;
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[4];
    new SecureRandom().nextBytes(b);
    return b;
  }

  /**
   * Compares the archive's counts with the manifest's facts, where the manifest has them (ours do).
   */
  static void checkAgainstManifest(
      Map<Namespace, Long> counts, BackupManifest manifest, String what) throws IntegrityException {
    if (manifest.facts().get("collections") instanceof Map<?, ?> expected) {
      Map<String, Long> actual = new TreeMap<>();
      counts.forEach(
          (ns, n) -> {
            if (!ns.isOplog()) {
              actual.put(ns.toString(), n);
            }
          });
      Map<String, Long> wanted = new TreeMap<>();
      expected.forEach((k, v) -> wanted.put(k.toString(), ((Number) v).longValue()));
      if (!wanted.equals(actual)) {
        throw new IntegrityException(
            COMPONENT
                + ": the "
                + what
                + "'s collections and counts "
                + actual
                + " differ from the manifest's "
                + wanted
                + "; the backup is not the one the manifest describes",
            manifest.id(),
            wanted.toString(),
            actual.toString());
      }
    }
    if (manifest.facts().get("oplogEntries") instanceof Number entries) {
      long actual = counts.getOrDefault(Namespace.OPLOG, 0L);
      if (actual != entries.longValue()) {
        throw new IntegrityException(
            COMPONENT
                + ": the "
                + what
                + "'s oplog slice holds "
                + actual
                + " entries, the manifest says "
                + entries
                + "; the backup is not the one the manifest describes",
            manifest.id(),
            entries.toString(),
            Long.toString(actual));
      }
    }
  }

  @Override
  public String artifact() {
    return "biowerk-dr-mongo";
  }

  /** Its dump files can be imported: {@code biowerk-dr import FILE --kind mongodb}. */
  @Override
  public List<ImportFormat> importFormats() {
    return List.of(
        new ImportFormat(
            MongoSource.KIND,
            "archive",
            "mongodb",
            "a mongodump --archive file (every BSON document and CRC parsed)"));
  }
}
