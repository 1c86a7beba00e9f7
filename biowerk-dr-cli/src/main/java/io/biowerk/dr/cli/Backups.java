package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupNotFoundException;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.StoredObject;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * TEMPORARY stand-in for core's Catalog (issue 3), with the same shape, until it lands on main: the backups
 * of a repository read from their manifests, newest first. Replaced by {@code Catalog} on the next rebase.
 */
final class Backups {

  private final Sink sink;

  private Backups(Sink sink) {
    this.sink = sink;
  }

  static Backups of(Sink sink) {
    return new Backups(sink);
  }

  List<BackupRecord> list() throws IOException {
    List<BackupRecord> records = new ArrayList<>();
    for (StoredObject object : sink.list("")) {
      if (object.key().endsWith(BackupManifest.MANIFEST_SUFFIX)) {
        records.add(BackupRecord.of(Manifests.parse(sink.get(object.key()), sink + "/" + object.key())));
      }
    }
    records.sort(Comparator.comparing(BackupRecord::time).thenComparing(BackupRecord::id).reversed());
    return records;
  }

  List<BackupRecord> list(String source) throws IOException {
    return list().stream().filter(r -> r.manifest().sourceName().equals(source)).toList();
  }

  List<String> sources() throws IOException {
    TreeSet<String> sources = new TreeSet<>();
    list().forEach(r -> sources.add(r.manifest().sourceName()));
    return List.copyOf(sources);
  }

  Optional<BackupRecord> latest(String source) throws IOException {
    return list(source).stream().findFirst();
  }

  Optional<BackupRecord> latestBefore(String source, Instant instant) throws IOException {
    return list(source).stream().filter(r -> !r.time().isAfter(instant)).findFirst();
  }

  BackupRecord get(String id) throws IOException {
    return list().stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow(() ->
        new BackupNotFoundException("catalog: no backup '" + id + "' in " + sink + "; see `biowerk-dr list`", id));
  }

  BackupRecord resolve(String ref) throws IOException {
    if (ref.equals("latest")) {
      return list().stream().findFirst().orElseThrow(() ->
          new BackupNotFoundException("catalog: no backups in " + sink, ref));
    }
    if (ref.startsWith("latest:")) {
      String source = ref.substring("latest:".length());
      return latest(source).orElseThrow(() ->
          new BackupNotFoundException("catalog: no backups of '" + source + "' in " + sink, ref));
    }
    return get(ref);
  }
}
