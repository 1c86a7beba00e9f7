package io.biowerk.dr.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.retention.ApplyResult;
import io.biowerk.dr.core.retention.GfsPolicy;
import io.biowerk.dr.core.retention.Retention;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The contract of a prune that meets an object the store holds (S3 object lock, an Azure legal hold
 * or immutability policy, a Cloud Storage object hold or retention policy): retention keeps the
 * held backup, reports it as held with the store's own words on what to do, prunes the rest instead
 * of failing, and removes the backup on a later prune once the hold is gone. A sink module runs it
 * with its own way of holding an object (a real hold where its emulator has one, a fault-injecting
 * proxy where it has not; the module's test says which).
 *
 * <p>Three backups of the source {@code postgres} a day apart; the oldest is held, the policy keeps
 * one.
 */
public final class HeldBackupPrune {

  /** How a sink module holds and releases the objects of one backup. */
  public interface Holds {
    /**
     * The sink the backup to be held is written through: {@code sink} itself where the hold is put
     * on afterwards, or a sink that puts holds on as it writes.
     */
    default Sink writer(Sink sink) {
      return sink;
    }

    /**
     * Holds every object of {@code backup} (or checks that writing put the hold on).
     *
     * @throws Exception if the hold cannot be set (the test fails)
     */
    void hold(BackupManifest backup) throws Exception;

    /**
     * Releases the hold on every object of {@code backup}.
     *
     * @throws Exception if the hold cannot be released (the test fails)
     */
    void release(BackupManifest backup) throws Exception;
  }

  private static final Instant T0 = Instant.parse("2026-11-01T02:00:00Z");
  private static final byte[] DATA = {1, 2, 3, 4};

  private HeldBackupPrune() {}

  /**
   * Runs the scenario on an empty {@code sink}.
   *
   * @param reasonParts texts the held backup's skip reason must contain besides the common {@code
   *     "is held by the store and was kept"}: the store's hold message (naming bucket or container)
   *     and its advice
   * @throws Exception if a backup, the prune or a hold fails unexpectedly
   */
  public static void run(Sink sink, Holds holds, String... reasonParts) throws Exception {
    BackupManifest held = backup(holds.writer(sink), T0);
    BackupManifest old = backup(sink, T0.plus(Duration.ofDays(1)));
    BackupManifest newest = backup(sink, T0.plus(Duration.ofDays(2)));
    holds.hold(held);

    Catalog catalog = Catalog.of(sink);
    ApplyResult result = prune(catalog, sink);
    assertEquals(List.of(old.id()), result.deleted(), "backups the prune deleted");
    assertEquals(1, result.skipped().size(), () -> "backups the prune kept: " + result.skipped());
    ApplyResult.Skip skip = result.skipped().get(0);
    assertEquals(held.id(), skip.id(), "the backup kept as held");
    Checks.assertContains(
        "is held by the store and was kept", skip.reason(), "the held backup's reason");
    for (String part : reasonParts) {
      Checks.assertContains(part, skip.reason(), "the held backup's reason");
    }
    assertEquals(Set.of(newest.id(), held.id()), ids(catalog), "backups left after the prune");
    assertArrayEquals(DATA, sink.get(held.dataKey()), "the held backup's data");

    holds.release(held);
    ApplyResult again = prune(catalog, sink);
    assertEquals(List.of(held.id()), again.deleted(), "backups deleted once the hold was gone");
    assertEquals(Set.of(newest.id()), ids(catalog), "backups left after the second prune");
  }

  private static BackupManifest backup(Sink sink, Instant at) throws Exception {
    return BackupJob.of(InMemorySource.of(DATA).named("postgres", "dump"))
        .sinks(sink)
        .clock(Clock.fixed(at, ZoneOffset.UTC))
        .build()
        .run();
  }

  private static ApplyResult prune(Catalog catalog, Sink sink) throws Exception {
    return Retention.apply(
        catalog,
        sink,
        Retention.plan(
            catalog,
            "postgres",
            GfsPolicy.builder().keepLast(1).build(),
            T0.plus(Duration.ofDays(3))));
  }

  private static Set<String> ids(Catalog catalog) throws Exception {
    return catalog.list("postgres").stream().map(BackupRecord::id).collect(Collectors.toSet());
  }
}
