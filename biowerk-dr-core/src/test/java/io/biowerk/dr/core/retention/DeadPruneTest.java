package io.biowerk.dr.core.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Backups;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.RetentionPlan;
import io.biowerk.dr.core.RunMarker;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.internal.Json;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prune killed between deleting a backup's manifest and its data (the crash campaign's finding):
 * its marker names the backups it was deleting, so once its owner is dead the next prune, or the
 * next backup's clean-up of dead runs, removes the data and side file at once instead of keeping
 * them for the 24 h grace; a live prune's marker, and an object written after the marker (a {@code
 * sync} copying the backup again), are left alone.
 */
class DeadPruneTest {

  static final Duration GRACE = Duration.ofHours(24);

  /**
   * What the backup command passes: a grace no orphan outlives, so only dead runs' leftovers go.
   */
  static final Duration DEAD_RUNS_ONLY = Duration.ofDays(365L * 1000);

  @TempDir Path dir;

  static long deadPid() throws Exception {
    Process process = new ProcessBuilder("true").start();
    process.waitFor();
    return process.pid();
  }

  static byte[] pruneMarker(long pid, Instant startedAt, List<String> deletes) throws Exception {
    Map<String, Object> body = new TreeMap<>();
    body.put(RunMarker.DELETES, deletes);
    body.put("host", RunMarker.localHost());
    body.put("id", "prune-1");
    body.put("leaseUntil", startedAt.plus(RunMarker.LEASE).toString());
    body.put("pid", pid);
    body.put("startedAt", startedAt.toString());
    return Json.compact(body);
  }

  /** Two backups of {@code db}, a day apart, written (by file time) an hour before now. */
  List<BackupManifest> twoBackups(LocalSink sink, Instant now) throws Exception {
    BackupManifest old = Backups.write(sink, "db", now.minus(Duration.ofDays(2)), "daily");
    BackupManifest newest = Backups.write(sink, "db", now.minus(Duration.ofDays(1)), "daily");
    try (var files = Files.walk(dir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.setLastModifiedTime(file, FileTime.from(now.minus(Duration.ofHours(1))));
      }
    }
    return List.of(old, newest);
  }

  /** The state a kill -9 leaves after the manifest of {@code victim} went and before its data. */
  void killedAfterManifest(BackupManifest victim, long pid, Instant now) throws Exception {
    Files.delete(dir.resolve(victim.manifestKey()));
    Path marker = dir.resolve("db/.in-progress/prune-1");
    Files.createDirectories(marker.getParent());
    Files.write(marker, pruneMarker(pid, now.minusSeconds(30), List.of(victim.id())));
    Files.setLastModifiedTime(marker, FileTime.from(now.minusSeconds(30)));
  }

  boolean exists(String key) {
    return Files.exists(dir.resolve(key));
  }

  @Test
  void theNextPruneRemovesWhatADeadPruneLeftAtOnce() throws Exception {
    LocalSink sink = LocalSink.open(dir);
    Instant now = Instant.now();
    List<BackupManifest> backups = twoBackups(sink, now);
    BackupManifest victim = backups.get(0);
    killedAfterManifest(victim, deadPid(), now);
    Catalog catalog = Catalog.of(sink);

    // The dead prune's marker neither freezes retention nor holds the source busy.
    assertThat(catalog.markers("db")).singleElement().matches(m -> m.prune() && m.stale());
    assertThat(catalog.inProgress("db")).isEmpty();
    assertThat(catalog.removableOrphans(GRACE, now))
        .extracting(StoredObject::key)
        .containsExactlyInAnyOrder(victim.dataKey(), victim.sha256Key(), "db/.in-progress/prune-1");

    // The next prune: nothing left to delete by the policy, the leftovers go, and it says how many.
    RetentionPlan plan =
        Retention.plan(catalog, "db", GfsPolicy.builder().keepLast(1).build(), now);
    assertThat(Retention.apply(catalog, sink, plan).deleted()).isEmpty();
    assertThat(catalog.cleanOrphans(GRACE, now)).isEqualTo(3);
    assertThat(exists(victim.dataKey())).isFalse();
    assertThat(exists(victim.sha256Key())).isFalse();
    assertThat(exists("db/.in-progress/prune-1")).isFalse();
    assertThat(catalog.list("db")).extracting(r -> r.id()).containsExactly(backups.get(1).id());
    assertThat(catalog.orphans()).isEmpty();
  }

  @Test
  void theNextBackupsCleanUpOfDeadRunsRemovesThemToo() throws Exception {
    LocalSink sink = LocalSink.open(dir);
    Instant now = Instant.now();
    BackupManifest victim = twoBackups(sink, now).get(0);
    killedAfterManifest(victim, deadPid(), now);

    assertThat(Catalog.of(sink).cleanOrphans(DEAD_RUNS_ONLY, now)).isEqualTo(3);
    assertThat(exists(victim.dataKey())).isFalse();
  }

  @Test
  void withoutAPruneMarkerTheSameLeftoversWaitForTheGrace() throws Exception {
    // The behaviour before the fix, and still the rule for an orphan nobody claims.
    LocalSink sink = LocalSink.open(dir);
    Instant now = Instant.now();
    BackupManifest victim = twoBackups(sink, now).get(0);
    Files.delete(dir.resolve(victim.manifestKey()));

    assertThat(Catalog.of(sink).cleanOrphans(GRACE, now)).isZero();
    assertThat(exists(victim.dataKey())).isTrue();
    assertThat(Catalog.of(sink).cleanOrphans(GRACE, now.plus(GRACE))).isEqualTo(2);
  }

  @Test
  void aLivePrunesMarkerAndTheBackupsItIsDeletingAreNotTouched() throws Exception {
    LocalSink sink = LocalSink.open(dir);
    Instant now = Instant.now();
    List<BackupManifest> backups = twoBackups(sink, now);
    BackupManifest victim = backups.get(0);
    killedAfterManifest(victim, ProcessHandle.current().pid(), now);
    Catalog catalog = Catalog.of(sink);

    assertThat(catalog.markers("db")).singleElement().matches(m -> m.prune() && !m.stale());
    // A live prune does not freeze retention of the source either: it only deletes.
    assertThat(catalog.inProgress("db")).isEmpty();
    assertThat(catalog.cleanOrphans(GRACE, now)).isZero();
    assertThat(catalog.cleanOrphans(DEAD_RUNS_ONLY, now)).isZero();
    assertThat(exists(victim.dataKey())).isTrue();
    assertThat(exists(victim.sha256Key())).isTrue();
    assertThat(exists("db/.in-progress/prune-1")).isTrue();
  }

  @Test
  void anObjectWrittenAfterTheDeadPrunesMarkerIsASyncsInFlightCopyAndIsKept() throws Exception {
    LocalSink sink = LocalSink.open(dir);
    Instant now = Instant.now();
    BackupManifest victim = twoBackups(sink, now).get(0);
    killedAfterManifest(victim, deadPid(), now);
    // A sync copies the backup again after the prune died: data and side file first, no marker,
    // the manifest not yet written.
    Files.setLastModifiedTime(dir.resolve(victim.dataKey()), FileTime.from(now.minusSeconds(5)));
    Files.setLastModifiedTime(dir.resolve(victim.sha256Key()), FileTime.from(now.minusSeconds(5)));

    Catalog catalog = Catalog.of(sink);
    assertThat(catalog.removableOrphans(GRACE, now))
        .extracting(StoredObject::key)
        .containsExactly("db/.in-progress/prune-1");
    assertThat(catalog.cleanOrphans(DEAD_RUNS_ONLY, now)).isEqualTo(1);
    assertThat(exists(victim.dataKey())).isTrue();
    assertThat(exists(victim.sha256Key())).isTrue();
  }

  @Test
  void applyWritesItsIntentBeforeDeletingAndAKillAfterTheManifestIsCleanedNextTime()
      throws Exception {
    LocalSink local = LocalSink.open(dir);
    Instant now = Instant.now();
    List<BackupManifest> backups = twoBackups(local, now);
    BackupManifest victim = backups.get(0);
    Catalog catalog = Catalog.of(local);
    RetentionPlan plan =
        Retention.plan(catalog, "db", GfsPolicy.builder().keepLast(1).build(), now);
    assertThat(plan.deleted()).extracting(d -> d.backup().id()).containsExactly(victim.id());

    KillPointSink killed = new KillPointSink(local, victim.dataKey());
    assertThatThrownBy(() -> Retention.apply(Catalog.of(killed), killed, plan))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("killed");
    assertThat(exists(victim.manifestKey())).isFalse();
    assertThat(exists(victim.dataKey())).isTrue();
    List<Catalog.Marker> markers = catalog.markers("db");
    assertThat(markers).singleElement().matches(m -> m.prune() && !m.stale());
    Catalog.Marker marker = markers.get(0);
    assertThat(marker.deletes()).containsExactly(victim.id());
    assertThat(marker.id()).startsWith("prune-");
    // Its owner (this test) is alive: nothing of it goes yet.
    assertThat(catalog.cleanOrphans(GRACE, now)).isZero();

    // The owner dies: the marker now names a gone process, as after a real kill -9. Its file
    // time stays the time it was written.
    Path markerFile = dir.resolve(marker.key());
    FileTime written = Files.getLastModifiedTime(markerFile);
    var body =
        (com.fasterxml.jackson.databind.node.ObjectNode) Json.read(Files.readAllBytes(markerFile));
    body.put("pid", deadPid());
    Files.write(markerFile, Json.compact(body));
    Files.setLastModifiedTime(markerFile, written);

    assertThat(catalog.cleanOrphans(GRACE, Instant.now())).isEqualTo(3);
    assertThat(exists(victim.dataKey())).isFalse();
    assertThat(exists(victim.sha256Key())).isFalse();
    assertThat(catalog.markers("db")).isEmpty();
    assertThat(catalog.list("db")).extracting(r -> r.id()).containsExactly(backups.get(1).id());
  }

  @Test
  void aPruneThatFinishesLeavesNoMarker() throws Exception {
    LocalSink sink = LocalSink.open(dir);
    Instant now = Instant.now();
    BackupManifest victim = twoBackups(sink, now).get(0);
    Catalog catalog = Catalog.of(sink);
    RetentionPlan plan =
        Retention.plan(catalog, "db", GfsPolicy.builder().keepLast(1).build(), now);
    assertThat(Retention.apply(catalog, sink, plan).deleted()).containsExactly(victim.id());
    assertThat(catalog.markers("db")).isEmpty();
    assertThat(local(sink).list("db/" + BackupLayout.IN_PROGRESS + "/")).isEmpty();
    assertThat(catalog.orphans()).isEmpty();
  }

  static Sink local(LocalSink sink) {
    return sink;
  }

  /**
   * A real {@link LocalSink} that stops at the deletion of one key, as a {@code kill -9} at that
   * point would: everything before it is done, nothing after it happens (a stand-in for killing the
   * process, which a unit test cannot do to itself).
   */
  static final class KillPointSink implements Sink {
    private final Sink sink;
    private final String killAt;

    KillPointSink(Sink sink, String killAt) {
      this.sink = sink;
      this.killAt = killAt;
    }

    @Override
    public PendingWrite openWrite(String key) throws IOException {
      return sink.openWrite(key);
    }

    @Override
    public ReadableByteChannel openRead(String key) throws IOException {
      return sink.openRead(key);
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
      return sink.list(prefix);
    }

    @Override
    public void delete(String key) throws IOException {
      if (key.equals(killAt)) {
        throw new IOException("killed before deleting " + key);
      }
      sink.delete(key);
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
      sink.put(key, bytes);
    }

    @Override
    public byte[] get(String key) throws IOException {
      return sink.get(key);
    }
  }
}
