package io.biowerk.dr.core.repository;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.CorruptManifestException;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.codec.Sha256;
import io.biowerk.dr.core.internal.ByteChannels;
import io.biowerk.dr.core.log.LogPrefetch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Copies the backups and log segments one repository holds and another lacks, byte for byte: the
 * one copy routine of {@code biowerk-dr sync} and of the orchestrator's log mirror. Nothing is
 * decoded or re-encrypted, so no key is needed.
 *
 * <p>Per item (a manifest and what it describes): the data object is streamed with its size and
 * SHA-256 checked against the manifest and committed only when they match; then the {@code .sha256}
 * side file (backups), checked against the manifest too; the manifest last, so the other repository
 * never lists a half-copied item and a pass interrupted at any point is completed by the next one.
 * A data object an interrupted pass left without its manifest is hashed and used if it is the same
 * bytes.
 *
 * <p>What is not copied is reported, never hidden: a damaged item in the source repository (a
 * manifest that does not parse, a missing data object, a data object or side file that disagrees
 * with its manifest) is a {@code DAMAGED} problem, and an object the other repository holds under
 * the same name with different bytes a {@code CONFLICT} (never overwritten). Two exceptions are not
 * conflicts: a manifest that differs only outside the data it describes (a {@code keys rewrap} or a
 * retention tier move in one repository) is left alone with a note, and a receiver's growing {@code
 * .partial} log segment is replaced by its newer state (its data checked as above). A backup
 * present in another tier of the other repository counts as present.
 *
 * <p>In-progress markers, verification logs and temp files (keys with a {@code /.} part) are not
 * copied. Not thread-safe: one pass at a time per instance; the sinks are the caller's to close.
 */
public final class RepositorySync {

  /** One backup or log segment copied, or that a dry run would copy. */
  // The manifest's bytes are copied as they are; nothing mutates the array once read.
  @SuppressWarnings("ArrayRecordComponent")
  public record Item(String manifestKey, byte[] manifestBytes, BackupManifest manifest) {

    /** Checks that every part is given. */
    public Item {
      requireNonNull(manifestKey, "manifestKey");
      requireNonNull(manifestBytes, "manifestBytes");
      requireNonNull(manifest, "manifest");
    }

    /** Whether this is a backup (in a retention tier) rather than a log segment. */
    public boolean isBackup() {
      return BackupLayout.BACKUP_TIERS.contains(BackupLayout.tierOf(manifest.dataKey()));
    }

    /** Whether this is a receiver's partial log segment, which is stored again as it grows. */
    boolean isPartialSegment() {
      return !isBackup() && manifest.id().endsWith(LogPrefetch.PARTIAL);
    }
  }

  /**
   * What one pass did.
   *
   * @param copied the items copied (or, in a dry run, that would be), in the order done
   * @param alreadyPresent items the other repository already held
   * @param problems each damaged or conflicting item, one line each, beginning {@code DAMAGED} or
   *     {@code CONFLICT}; these were not copied
   * @param notes items left alone that are fine (a manifest rewrapped in one repository)
   */
  public record Report(
      List<Item> copied, int alreadyPresent, List<String> problems, List<String> notes) {

    /** Copies the lists, so the report does not change. */
    public Report {
      copied = List.copyOf(copied);
      problems = List.copyOf(problems);
      notes = List.copyOf(notes);
    }

    /** Whether nothing was damaged or conflicting. */
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  private final Sink from;
  private final String fromName;
  private final Sink to;
  private final String toName;
  private boolean dryRun;
  private Consumer<Item> onCopied = item -> {};
  private final List<String> problems = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  private RepositorySync(Sink from, String fromName, Sink to, String toName) {
    this.from = requireNonNull(from, "from");
    this.fromName = requireNonNull(fromName, "fromName");
    this.to = requireNonNull(to, "to");
    this.toName = requireNonNull(toName, "toName");
  }

  /**
   * A copier from one repository to another; the names are how messages call them (the command says
   * {@code --from}/{@code --to}, the orchestrator the repositories' URIs).
   */
  public static RepositorySync of(Sink from, String fromName, Sink to, String toName) {
    return new RepositorySync(from, fromName, to, toName);
  }

  /** Only reports what would be copied; writes nothing. */
  public RepositorySync dryRun(boolean dryRun) {
    this.dryRun = dryRun;
    return this;
  }

  /** Called after each item is copied (or, in a dry run, found missing), for progress output. */
  public RepositorySync onCopied(Consumer<Item> onCopied) {
    this.onCopied = requireNonNull(onCopied, "onCopied");
    return this;
  }

  /**
   * One pass over the objects under {@code prefix} ({@code ""} for all, {@code "orders/"} for one
   * source, {@code "orders/wal/"} for one log).
   *
   * @return what was copied, already there, damaged or conflicting
   * @throws IOException if a repository cannot be listed, read or written; items copied before stay
   *     complete, and the next pass goes on from there
   */
  public Report run(String prefix) throws IOException {
    problems.clear();
    notes.clear();
    Map<String, StoredObject> have = new HashMap<>();
    for (StoredObject object : to.list(prefix)) {
      have.put(object.key(), object);
    }
    // Backups already in the other repository, by source and id in any tier (retention may have
    // moved them).
    Map<String, String> backupIds = new HashMap<>();
    for (String key : have.keySet()) {
      if (key.endsWith(BackupManifest.MANIFEST_SUFFIX) && !key.contains("/.")) {
        if (BackupLayout.BACKUP_TIERS.contains(tierOfKey(key))) {
          backupIds.put(idOf(key), key);
        }
      }
    }
    List<StoredObject> objects = from.list(prefix);
    Map<String, StoredObject> offered = new HashMap<>();
    for (StoredObject object : objects) {
      offered.put(object.key(), object);
    }
    List<Item> copied = new ArrayList<>();
    int present = 0;
    for (StoredObject object : objects) {
      String key = object.key();
      if (!key.endsWith(BackupManifest.MANIFEST_SUFFIX) || key.contains("/.")) {
        continue;
      }
      byte[] json = from.get(key);
      BackupManifest manifest;
      try {
        manifest = Manifests.parse(json, fromName + "/" + key);
      } catch (CorruptManifestException e) {
        problems.add("DAMAGED in " + fromName + ", not copied: " + key + ": " + e.getMessage());
        continue;
      }
      Item item = new Item(key, json, manifest);
      String existing =
          item.isBackup() ? backupIds.get(idOf(key)) : have.containsKey(key) ? key : null;
      boolean replace = false;
      if (existing != null) {
        if (!item.isPartialSegment() || sameData(existing, item)) {
          compareManifests(existing, item);
          present++;
          continue;
        }
        replace = true; // a receiver's partial segment that grew since the last pass
      }
      if (!offered.containsKey(manifest.dataKey())) {
        problems.add(
            "DAMAGED in "
                + fromName
                + ", not copied: "
                + key
                + ": its data object "
                + manifest.dataKey()
                + " is missing");
        continue;
      }
      if (!dryRun && !copy(have, item, replace)) {
        continue;
      }
      copied.add(item);
      onCopied.accept(item);
    }
    return new Report(copied, present, problems, notes);
  }

  private boolean sameData(String existingKey, Item item) throws IOException {
    try {
      BackupManifest theirs = Manifests.parse(to.get(existingKey), existingKey);
      return theirs.storedSha256().equals(item.manifest().storedSha256())
          && theirs.storedSize() == item.manifest().storedSize();
    } catch (CorruptManifestException e) {
      return false; // replaced by the good one from the first repository
    }
  }

  /**
   * The item is in the other repository already: the same manifest bytes, or the same data (a
   * {@code keys rewrap} or a retention move changes the manifest, not the data), is fine; anything
   * else is a conflict.
   */
  private void compareManifests(String existingKey, Item item) throws IOException {
    byte[] theirs = to.get(existingKey);
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
              + " in "
              + toName
              + " is damaged ("
              + e.getMessage()
              + "); not overwritten. Remove it there by hand if "
              + fromName
              + "'s copy is the good one");
      return;
    }
    if (other.storedSha256().equals(item.manifest().storedSha256())
        && other.storedSize() == item.manifest().storedSize()) {
      notes.add(
          existingKey
              + ": the manifest differs from "
              + fromName
              + "'s (a keys rewrap or a retention move in one repository), the data is the same;"
              + " left as it is");
      return;
    }
    problems.add(
        "CONFLICT: "
            + existingKey
            + " in "
            + toName
            + " describes different data (stored sha256 "
            + other.storedSha256()
            + ") than "
            + fromName
            + "'s "
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
   * @param replace whether the item's objects are replaced (a partial segment that grew)
   * @return false if a problem was recorded and the manifest was not written
   */
  private boolean copy(Map<String, StoredObject> have, Item item, boolean replace)
      throws IOException {
    BackupManifest manifest = item.manifest();
    String dataKey = manifest.dataKey();
    StoredObject there = replace ? null : have.get(dataKey);
    if (there != null) {
      // Left by an interrupted pass (or a failed backup): use it only if it is the same bytes.
      String hash = hashOf(to, dataKey);
      if (!hash.equals(manifest.storedSha256()) || there.size() != manifest.storedSize()) {
        problems.add(
            "CONFLICT: "
                + dataKey
                + " in "
                + toName
                + " holds different bytes (sha256 "
                + hash
                + ") than "
                + item.manifestKey()
                + " describes; not overwritten. It is no listed backup there (no manifest):"
                + " remove it by hand or with `biowerk-dr prune`, then sync again");
        return false;
      }
    } else {
      String problem = copyData(manifest);
      if (problem != null) {
        problems.add(problem);
        return false;
      }
    }
    String sideKey = dataKey + BackupManifest.SHA256_SUFFIX;
    byte[] side = null;
    try {
      side = from.get(sideKey);
    } catch (ObjectNotFoundException e) {
      // log segments have none
    }
    if (side != null) {
      String text = new String(side, StandardCharsets.UTF_8);
      if (!text.startsWith(manifest.storedSha256() + " ")) {
        problems.add(
            "DAMAGED in "
                + fromName
                + ", not copied: "
                + sideKey
                + " disagrees with its manifest "
                + item.manifestKey());
        return false;
      }
      if (have.containsKey(sideKey)) {
        if (!Arrays.equals(to.get(sideKey), side)) {
          problems.add(
              "CONFLICT: "
                  + sideKey
                  + " in "
                  + toName
                  + " differs from "
                  + fromName
                  + "'s; not overwritten");
          return false;
        }
      } else {
        to.put(sideKey, side);
      }
    }
    // The manifest is the commit point in the other repository too: only now is the item listed.
    if (replace) {
      to.put(item.manifestKey(), item.manifestBytes());
    } else if (!to.putIfAbsent(item.manifestKey(), item.manifestBytes())) {
      compareManifests(item.manifestKey(), item);
    }
    return true;
  }

  /**
   * Streams the data object, hashing it; commits only when size and SHA-256 match the manifest.
   *
   * @return the problem, or null when the object was copied
   */
  private String copyData(BackupManifest manifest) throws IOException {
    String dataKey = manifest.dataKey();
    try (ReadableByteChannel in = from.openRead(dataKey);
        PendingWrite write = to.openWrite(dataKey)) {
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
        return "DAMAGED in "
            + fromName
            + ", not copied: "
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
