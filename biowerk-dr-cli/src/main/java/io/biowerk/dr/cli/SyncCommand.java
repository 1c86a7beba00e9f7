package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.CorruptManifestException;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.codec.Sha256;
import io.biowerk.dr.core.internal.ByteChannels;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code biowerk-dr sync}: copies the backups and log segments one repository holds and another
 * lacks, byte for byte, so a copy that missed backups (a cloud repository during an outage) catches
 * up. See docs/nothing-silent.md, "Fan-out and sync".
 */
@Command(
    name = "sync",
    sortOptions = false,
    header = "Copy the backups and log segments another repository lacks.",
    description = {
      "Copies every backup (data object, .sha256 side file, manifest) and every archived log"
          + " segment (data object, manifest) that --from holds and --to lacks, byte for byte: nothing is"
          + " decoded or re-encrypted, so no key is needed. Each data object's SHA-256 and size are"
          + " checked against its manifest while it is copied, and the manifest is written last, so"
          + " an interrupted sync never makes a half-copied backup visible; running it again copies"
          + " only what is still missing.",
      "An object that --to already holds under the same name with different bytes is never"
          + " overwritten: that is damage or two histories under one name, reported with exit 3."
          + " A damaged backup in --from is not copied and exits 3 too; everything else is still"
          + " copied. In-progress markers, verification logs and temp files are not copied.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  biowerk-dr sync --from /var/backups/bw --to /mnt/offsite/bw",
      "  biowerk-dr sync --from /var/backups/bw --to REPOSITORY-URI --source orders --dry-run"
    })
final class SyncCommand extends CliCommand {

  @Option(
      names = "--from",
      required = true,
      paramLabel = "URI",
      description = "The repository to copy from (read only; it must exist).")
  String from;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "URI",
      description = "The repository to copy into (a local directory is created if missing).")
  String to;

  @Option(
      names = "--source",
      paramLabel = "NAME",
      description = "Copy only the backups and log segments of this source.")
  String source;

  @Option(names = "--dry-run", description = "Only report what would be copied; write nothing.")
  boolean dryRun;

  /** One thing found in --from: a backup or a log segment, by its manifest. */
  // The manifest's bytes are copied as they are; nothing mutates the array once read.
  @SuppressWarnings("ArrayRecordComponent")
  private record Item(String manifestKey, byte[] manifestBytes, BackupManifest manifest) {
    boolean isBackup() {
      String tier = BackupLayout.tierOf(manifest.dataKey());
      return BackupLayout.BACKUP_TIERS.contains(tier);
    }
  }

  private final List<String> problems = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    URI fromUri = Uris.parse(from, "--from repository", env);
    URI toUri = Uris.parse(to, "--to repository", env);
    if (fromUri.equals(toUri)) {
      throw new UsageException(
          "sync: --from and --to are the same repository (" + Uris.redact(fromUri) + ")");
    }
    if (source != null) {
      BackupLayout.checkSourceName(source);
    }
    try (Sink fromSink = openExisting(fromUri);
        Sink toSink = dryRun && isMissingLocal(toUri) ? null : Sinks.forUri(toUri)) {
      return sync(env, fromUri, toUri, fromSink, toSink);
    }
  }

  private static boolean isMissingLocal(URI uri) {
    return "file".equalsIgnoreCase(uri.getScheme()) && !Files.isDirectory(Path.of(uri));
  }

  private static Sink openExisting(URI uri) throws IOException {
    if ("file".equalsIgnoreCase(uri.getScheme())) {
      Path root = Path.of(uri);
      if (!Files.isDirectory(root)) {
        throw new StorageException(
            "sync: repository "
                + uri
                + " (--from) does not exist; give the repository to copy from",
            uri.toString(),
            StorageException.Reason.NO_SUCH_CONTAINER,
            null);
      }
      return LocalSink.existing(root);
    }
    return Sinks.forUri(uri);
  }

  private int sync(Environment env, URI fromUri, URI toUri, Sink fromSink, Sink toSink)
      throws IOException {
    String prefix = source == null ? "" : source + "/";
    Map<String, StoredObject> have = new HashMap<>();
    if (toSink != null) {
      for (StoredObject object : toSink.list(prefix)) {
        have.put(object.key(), object);
      }
    }
    // Backups already in --to, by source and id in any tier (retention may have moved them).
    Map<String, String> backupIds = new HashMap<>();
    for (String key : have.keySet()) {
      if (key.endsWith(BackupManifest.MANIFEST_SUFFIX) && !key.contains("/.")) {
        String tier = tierOfKey(key);
        if (BackupLayout.BACKUP_TIERS.contains(tier)) {
          backupIds.put(idOf(key), key);
        }
      }
    }
    List<StoredObject> objects = fromSink.list(prefix);
    Map<String, StoredObject> offered = new HashMap<>();
    for (StoredObject object : objects) {
      offered.put(object.key(), object);
    }
    int backups = 0;
    int segments = 0;
    int present = 0;
    long bytes = 0;
    List<Map<String, Object>> copied = new ArrayList<>();
    var out = out();
    for (StoredObject object : objects) {
      String key = object.key();
      if (!key.endsWith(BackupManifest.MANIFEST_SUFFIX) || key.contains("/.")) {
        continue;
      }
      byte[] json = fromSink.get(key);
      BackupManifest manifest;
      try {
        manifest = Manifests.parse(json, Uris.redact(fromUri) + "/" + key);
      } catch (CorruptManifestException e) {
        problems.add("DAMAGED in --from, not copied: " + key + ": " + e.getMessage());
        continue;
      }
      Item item = new Item(key, json, manifest);
      String existing =
          item.isBackup() ? backupIds.get(idOf(key)) : have.containsKey(key) ? key : null;
      if (existing != null) {
        compareManifests(toSink, existing, item);
        present++;
        continue;
      }
      if (!offered.containsKey(manifest.dataKey())) {
        problems.add(
            "DAMAGED in --from, not copied: "
                + key
                + ": its data object "
                + manifest.dataKey()
                + " is missing");
        continue;
      }
      if (dryRun) {
        out.println("would copy  " + describe(item));
      } else if (!copy(fromSink, toSink, have, item)) {
        continue;
      } else {
        out.println("copied      " + describe(item));
      }
      out.flush();
      if (item.isBackup()) {
        backups++;
      } else {
        segments++;
      }
      bytes += manifest.storedSize();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("manifest", key);
      row.put("kind", item.isBackup() ? "backup" : "log-segment");
      row.put("storedSize", manifest.storedSize());
      copied.add(row);
    }
    int code = problems.isEmpty() ? ExitCodes.OK : ExitCodes.INTEGRITY;
    String verb = dryRun ? "would copy" : "copied";
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", problems.isEmpty());
      result.put("from", Uris.redact(fromUri));
      result.put("to", Uris.redact(toUri));
      result.put("dryRun", dryRun);
      result.put("backups", backups);
      result.put("logSegments", segments);
      result.put("bytes", bytes);
      result.put("alreadyPresent", present);
      result.put("copied", copied);
      result.put("problems", problems);
      result.put("notes", notes);
      printJson(result);
      return code;
    }
    for (String note : notes) {
      out.println("note        " + note);
    }
    out.println(
        "sync "
            + Uris.redact(fromUri)
            + " -> "
            + Uris.redact(toUri)
            + ": "
            + verb
            + " "
            + backups
            + " backup(s) and "
            + segments
            + " log segment(s) ("
            + Format.bytes(bytes)
            + "); "
            + present
            + " already there");
    out.flush();
    for (String problem : problems) {
      env.err().println("biowerk-dr: sync: " + problem);
    }
    if (!problems.isEmpty()) {
      env.err()
          .println(
              "biowerk-dr: sync: "
                  + problems.size()
                  + " problem(s); everything else was "
                  + verb
                  + " (exit 3: damage or a conflicting object; see docs/nothing-silent.md)");
    }
    env.err().flush();
    return code;
  }

  /**
   * The backup or segment is in --to already: the same manifest bytes, or the same data (a {@code
   * keys rewrap} or a retention move changes the manifest, not the data), is fine; anything else is
   * a conflict.
   */
  private void compareManifests(Sink toSink, String existingKey, Item item) throws IOException {
    byte[] theirs = toSink.get(existingKey);
    if (Arrays.equals(theirs, item.manifestBytes())) {
      return;
    }
    BackupManifest other;
    try {
      other = Manifests.parse(theirs, existingKey);
    } catch (CorruptManifestException e) {
      problems.add(
          "CONFLICT: "
              + existingKey
              + " in --to is damaged ("
              + e.getMessage()
              + "); not overwritten. Remove it there by hand if --from's copy is the good one");
      return;
    }
    if (other.storedSha256().equals(item.manifest().storedSha256())
        && other.storedSize() == item.manifest().storedSize()) {
      notes.add(
          existingKey
              + ": the manifest differs from --from's (a keys rewrap or a retention move in one"
              + " repository), the data is the same; left as it is");
      return;
    }
    problems.add(
        "CONFLICT: "
            + existingKey
            + " in --to describes different data (stored sha256 "
            + other.storedSha256()
            + ") than --from's "
            + item.manifestKey()
            + " ("
            + item.manifest().storedSha256()
            + "); not overwritten. Find out which is right (biowerk-dr verify in each) before"
            + " removing either");
  }

  /**
   * Copies one item: data (checked against the manifest while it streams), side file, manifest
   * last.
   *
   * @return false if a problem was recorded and the manifest was not written
   */
  private boolean copy(Sink fromSink, Sink toSink, Map<String, StoredObject> have, Item item)
      throws IOException {
    BackupManifest manifest = item.manifest();
    String dataKey = manifest.dataKey();
    StoredObject there = have.get(dataKey);
    if (there != null) {
      // Left by an interrupted sync (or a failed backup): use it only if it is the same bytes.
      String hash = hashOf(toSink, dataKey);
      if (!hash.equals(manifest.storedSha256()) || there.size() != manifest.storedSize()) {
        problems.add(
            "CONFLICT: "
                + dataKey
                + " in --to holds different bytes (sha256 "
                + hash
                + ") than "
                + item.manifestKey()
                + " describes; not overwritten. It is no listed backup there (no manifest):"
                + " remove it by hand or with `biowerk-dr prune`, then sync again");
        return false;
      }
    } else {
      String problem = copyData(fromSink, toSink, manifest);
      if (problem != null) {
        problems.add(problem);
        return false;
      }
    }
    String sideKey = dataKey + BackupManifest.SHA256_SUFFIX;
    byte[] side = null;
    try {
      side = fromSink.get(sideKey);
    } catch (io.biowerk.dr.core.ObjectNotFoundException e) {
      // log segments have none
    }
    if (side != null) {
      String text = new String(side, StandardCharsets.UTF_8);
      if (!text.startsWith(manifest.storedSha256() + " ")) {
        problems.add(
            "DAMAGED in --from, not copied: "
                + sideKey
                + " disagrees with its manifest "
                + item.manifestKey());
        return false;
      }
      if (have.containsKey(sideKey)) {
        if (!Arrays.equals(toSink.get(sideKey), side)) {
          problems.add("CONFLICT: " + sideKey + " in --to differs from --from's; not overwritten");
          return false;
        }
      } else {
        toSink.put(sideKey, side);
      }
    }
    // The manifest is the commit point in --to too: only now is the backup listed there.
    if (!toSink.putIfAbsent(item.manifestKey(), item.manifestBytes())) {
      compareManifests(toSink, item.manifestKey(), item);
    }
    return true;
  }

  /** Streams the data object, hashing it; commits only when size and SHA-256 match the manifest. */
  private static String copyData(Sink fromSink, Sink toSink, BackupManifest manifest)
      throws IOException {
    String dataKey = manifest.dataKey();
    try (ReadableByteChannel in = fromSink.openRead(dataKey);
        PendingWrite write = toSink.openWrite(dataKey)) {
      Sha256.Writing hashed = Sha256.writing(write);
      ByteBuffer buffer = ByteBuffer.allocateDirect(ByteChannels.BUFFER_SIZE);
      while (in.read(buffer) >= 0) {
        buffer.flip();
        ByteChannels.writeFully(hashed, buffer);
        buffer.clear();
      }
      if (hashed.count() != manifest.storedSize()
          || !hashed.hex().equals(manifest.storedSha256())) {
        write.abort();
        return "DAMAGED in --from, not copied: "
            + dataKey
            + " has "
            + hashed.count()
            + " bytes with sha256 "
            + hashed.hex()
            + ", its manifest says "
            + manifest.storedSize()
            + " bytes with "
            + manifest.storedSha256();
      }
      write.commit();
      return null;
    }
  }

  private static String hashOf(Sink sink, String key) throws IOException {
    try (ReadableByteChannel in = sink.openRead(key)) {
      Sha256.Reading reading = Sha256.reading(in);
      ByteBuffer buffer = ByteBuffer.allocateDirect(ByteChannels.BUFFER_SIZE);
      while (reading.read(buffer) >= 0) {
        buffer.clear();
      }
      return reading.hex();
    }
  }

  private static String describe(Item item) {
    BackupManifest manifest = item.manifest();
    return (item.isBackup() ? "backup " + manifest.id() : "log segment " + manifest.id())
        + " ("
        + Format.bytes(manifest.storedSize())
        + ") "
        + manifest.dataKey();
  }

  /** {@code <tier>} of {@code <source>/<tier>/<name>}, or "" for another shape. */
  private static String tierOfKey(String key) {
    String[] parts = key.split("/", -1);
    return parts.length == 3 ? parts[1] : "";
  }

  /** {@code <source>/<id>}: the file name up to its first dot. */
  private static String idOf(String key) {
    String[] parts = key.split("/", -1);
    String name = parts[parts.length - 1];
    int dot = name.indexOf('.');
    return parts[0] + "/" + (dot < 0 ? name : name.substring(0, dot));
  }
}
