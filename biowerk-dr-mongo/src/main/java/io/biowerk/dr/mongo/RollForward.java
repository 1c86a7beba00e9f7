package io.biowerk.dr.mongo;

import com.mongodb.client.MongoClient;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.log.RecoveryRangeException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bson.BsonBinaryReader;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;

/**
 * The roll-forward of a restore-level check ({@code biowerk-dr drill}'s point-in-time item): after
 * the backup and its own oplog slice are restored into the scratch databases, every archived oplog
 * segment named in {@code oplog-segments} (comma-separated, in order) is fetched with {@code
 * oplog-fetch-command} (a shell command; the segment's name and a destination path are appended,
 * like PostgreSQL's {@code restore_command %f %p}) and its entries after the backup's end are
 * replayed, to the end of the archive. {@code expect-oplog-through} names the segment the replay
 * must reach ({@code none}: no segment after the backup): a fetch that fails, or a replay that
 * stops short of that segment's newest entry, fails the check. The options mirror PostgreSQL's
 * ({@code recovery-target=end}, {@code wal-fetch-command}, {@code expect-wal-through}).
 */
final class RollForward {

  static final String FETCH_OPTION = "oplog-fetch-command";
  static final String SEGMENTS_OPTION = "oplog-segments";
  static final String THROUGH_OPTION = "expect-oplog-through";
  private static final long FETCH_TIMEOUT_SECONDS = 600;

  private final BackupManifest manifest;
  private final String fetch;
  private final List<String> segments;
  private final Optional<String> through;

  private RollForward(
      BackupManifest manifest, String fetch, List<String> segments, Optional<String> through) {
    this.manifest = manifest;
    this.fetch = fetch;
    this.segments = segments;
    this.through = through;
  }

  /**
   * The roll-forward the options ask for: none without {@code recovery-target=end}.
   *
   * @throws IllegalArgumentException if a needed option is missing or the backup has no oplog slice
   */
  static Optional<RollForward> of(BackupManifest manifest, Map<String, String> options) {
    String target = options.get("recovery-target");
    if (target == null || target.equals("immediate")) {
      return Optional.empty();
    }
    String component = MongoArchiveVerifier.COMPONENT;
    if (!target.equals("end")) {
      throw new IllegalArgumentException(
          component
              + ": recovery-target="
              + target
              + " is not supported by the restore check; give end (replay the archived oplog"
              + " to its newest entry) or immediate");
    }
    if (!(manifest.facts().get("oplogEnd") instanceof Map<?, ?>)) {
      throw new IllegalArgumentException(
          component
              + ": "
              + manifest.id()
              + " has no oplog slice (it was taken without oplog=true), so the archived oplog"
              + " cannot roll it forward; take backups with oplog=true");
    }
    String fetch = options.get(FETCH_OPTION);
    if (fetch == null || fetch.isBlank()) {
      throw new IllegalArgumentException(
          component
              + ": recovery-target=end needs "
              + FETCH_OPTION
              + "=<command> (e.g. 'biowerk-dr oplog-fetch --source S --repo R'), which is"
              + " given a segment's name and a path to write it to");
    }
    List<String> names = new ArrayList<>();
    for (String name : options.getOrDefault(SEGMENTS_OPTION, "").split(",", -1)) {
      if (!name.isBlank()) {
        names.add(name.trim());
      }
    }
    return Optional.of(
        new RollForward(
            manifest,
            fetch,
            List.copyOf(names),
            Optional.ofNullable(options.get(THROUGH_OPTION)).filter(t -> !t.equals("none"))));
  }

  /** Fetches and replays the segments; says how far it got. */
  String replay(MongoClient client, MongoUri uri, ArchiveRestorer.Options options)
      throws IOException {
    BsonTimestamp reached = MongoPointInTime.end(manifest);
    ArchiveRestorer replayer =
        new ArchiveRestorer(client, uri, MongoArchiveVerifier.COMPONENT, options);
    long applied = 0;
    BsonTimestamp newestSeen = reached;
    try {
      for (String name : segments) {
        Path file = Files.createTempFile("biowerk-drill-oplog-", ".archive");
        try {
          fetch(name, file);
          List<BsonDocument> entries = read(file);
          for (BsonDocument entry : entries) {
            BsonTimestamp ts = entry.getTimestamp("ts");
            if (ts.compareTo(newestSeen) > 0) {
              newestSeen = ts;
            }
            if (ts.compareTo(reached) > 0) {
              replayer.replay(entry);
              reached = ts;
              applied++;
            }
          }
        } finally {
          Files.deleteIfExists(file);
        }
      }
    } finally {
      replayer.finish();
    }
    if (through.isPresent()
        && (segments.isEmpty() || !segments.get(segments.size() - 1).equals(through.get()))) {
      throw new RecoveryRangeException(
          MongoArchiveVerifier.COMPONENT
              + ": the replay was to reach oplog segment "
              + through.get()
              + " but ended with "
              + (segments.isEmpty() ? "none" : segments.get(segments.size() - 1))
              + "; the archived oplog does not roll the backup forward to its end",
          through.get());
    }
    if (!reached.equals(newestSeen)) {
      throw new IntegrityException(
          MongoArchiveVerifier.COMPONENT
              + ": the replay stopped at "
              + OplogProvider.position(reached)
              + " before the newest archived entry "
              + OplogProvider.position(newestSeen)
              + "; the archived oplog is out of order",
          manifest.id(),
          OplogProvider.position(newestSeen),
          OplogProvider.position(reached));
    }
    return applied
        + " archived oplog entries replayed from "
        + segments.size()
        + " segment(s) up to "
        + OplogProvider.position(reached);
  }

  private void fetch(String name, Path file) throws IOException {
    String command = fetch + " " + quote(name) + " " + quote(file.toString());
    Process process = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    byte[] output;
    try {
      output = process.getInputStream().readAllBytes();
      if (!process.waitFor(FETCH_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(
            MongoArchiveVerifier.COMPONENT
                + ": fetching oplog segment "
                + name
                + " took longer than "
                + FETCH_TIMEOUT_SECONDS
                + " s; check the repository");
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(MongoArchiveVerifier.COMPONENT + ": interrupted");
    }
    if (process.exitValue() != 0 || Files.size(file) == 0) {
      String text = new String(output, StandardCharsets.UTF_8).strip();
      throw new RecoveryRangeException(
          MongoArchiveVerifier.COMPONENT
              + ": fetching oplog segment "
              + name
              + " with oplog-fetch failed (exit "
              + process.exitValue()
              + (text.isEmpty() ? "" : ": " + text.lines().reduce((a, b) -> b).orElse(""))
              + "); the point-in-time restore cannot reach the end of the archive: check that"
              + " the segment is in the repository and readable with the configured key",
          name);
    }
  }

  private static List<BsonDocument> read(Path file) throws IOException {
    List<BsonDocument> entries = new ArrayList<>();
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      new ArchiveReader(in, true)
          .read(
              new ArchiveVisitor() {
                @Override
                public void document(Namespace namespace, byte[] document) {
                  entries.add(
                      new BsonDocumentCodec()
                          .decode(
                              new BsonBinaryReader(java.nio.ByteBuffer.wrap(document)),
                              DecoderContext.builder().build()));
                }
              });
    }
    return entries;
  }

  private static String quote(String text) {
    return "'" + text.replace("'", "'\\''") + "'";
  }
}
