package io.biowerk.dr.core.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.Backups;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.RetentionDecision;
import io.biowerk.dr.core.RetentionPlan;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.local.LocalSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionTest {

  static final Instant START = Instant.parse("2023-01-01T02:00:00Z");

  @Test
  void thePlanPresetKeeps30Daily12Weekly12MonthlyOfADailyHistory() throws Exception {
    InMemorySink sink = InMemorySink.named("test");
    for (int day = 0; day < 400; day++) {
      Backups.write(sink, "postgres", START.plus(Duration.ofDays(day)), "daily");
    }
    Instant now = START.plus(Duration.ofDays(399)).plus(Duration.ofHours(6)); // 2024-02-04 08:00
    RetentionPlan plan =
        Retention.plan(Catalog.of(sink), "postgres", GfsPolicy.plan30x12x12(), now);

    assertThat(plan.decisions()).hasSize(400);
    Map<String, RetentionDecision> byId =
        plan.decisions().stream()
            .collect(Collectors.toMap(d -> d.backup().id(), Function.identity()));
    RetentionDecision newest = byId.get("postgres_20240204_020000");
    assertThat(newest.keep()).isTrue();
    assertThat(newest.reasons())
        .containsExactly("newest", "daily 1/30", "weekly 1/12", "monthly 1/12");
    assertThat(newest.tier()).isEqualTo("daily"); // its week and month are not over yet
    // Sunday 2024-01-28 closes ISO week 2024-W04; 2024-01-31 closes January.
    assertThat(byId.get("postgres_20240128_020000").reasons())
        .containsExactly("daily 8/30", "weekly 2/12");
    assertThat(byId.get("postgres_20240128_020000").tier()).isEqualTo("weekly");
    assertThat(byId.get("postgres_20240131_020000").reasons())
        .containsExactly("daily 5/30", "monthly 2/12");
    assertThat(byId.get("postgres_20240131_020000").tier()).isEqualTo("monthly");
    RetentionDecision gone = byId.get("postgres_20231215_020000");
    assertThat(gone.keep()).isFalse();
    assertThat(gone.reasons())
        .containsExactly(
            "daily: 2023-12-15 is older than the 30 kept",
            "weekly: a newer backup is kept for 2023-W50",
            "monthly: a newer backup is kept for 2023-12");
    // 30 daily + 12 weekly + 12 monthly, minus the overlaps: the newest is all three; the last 4
    // weekly Sundays
    // and the 1 month end (Jan 31) inside the 30 days are counted once.
    long kept = plan.kept().size();
    assertThat(kept).isEqualTo(30 + (12 - 5) + (12 - 2) - countWeeklyMonthlyOverlap(plan));
  }

  /** Backups kept both as weekly and monthly outside the daily window, counted twice by the sum. */
  private static long countWeeklyMonthlyOverlap(RetentionPlan plan) {
    return plan.kept().stream()
        .filter(
            d ->
                d.reasons().stream().noneMatch(r -> r.startsWith("daily"))
                    && d.reasons().stream().anyMatch(r -> r.startsWith("weekly"))
                    && d.reasons().stream().anyMatch(r -> r.startsWith("monthly")))
        .count();
  }

  @Test
  void theNewestAndTheLastVerifiedBackupSurviveAnyPolicy() throws Exception {
    InMemorySink sink = InMemorySink.named("test");
    Catalog catalog = Catalog.of(sink);
    BackupManifest verified = Backups.write(sink, "redis", START, "daily");
    BackupManifest failedLater = Backups.write(sink, "redis", START.plusSeconds(3600), "daily");
    BackupManifest newest = Backups.write(sink, "redis", START.plusSeconds(7200), "daily");
    catalog.record(
        new VerificationResult(
            verified.id(),
            VerificationLevel.RESTORE,
            START.plusSeconds(600),
            true,
            Duration.ofMinutes(3),
            "restore: ok"));
    catalog.record(
        new VerificationResult(
            failedLater.id(),
            VerificationLevel.STORED,
            START.plusSeconds(4000),
            true,
            Duration.ofSeconds(1),
            "stored: ok"));
    catalog.record(
        new VerificationResult(
            failedLater.id(),
            VerificationLevel.DECODE,
            START.plusSeconds(5000),
            false,
            Duration.ofSeconds(1),
            "decode: raw SHA-256 differs"));
    // keep-within 1 minute keeps nothing by the rules at this time.
    GfsPolicy policy = GfsPolicy.builder().keepWithin(Duration.ofMinutes(1)).build();

    RetentionPlan plan = Retention.plan(catalog, "redis", policy, START.plus(Duration.ofDays(10)));

    assertThat(plan.decisions())
        .extracting(d -> d.backup().id(), RetentionDecision::keep, RetentionDecision::reasons)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(newest.id(), true, List.of("newest")),
            org.assertj.core.groups.Tuple.tuple(
                failedLater.id(), false, List.of("within: older than 1m")),
            org.assertj.core.groups.Tuple.tuple(verified.id(), true, List.of("last verified")));
    ApplyResult result = Retention.apply(catalog, sink, plan);
    assertThat(result.deleted()).containsExactly(failedLater.id());
    assertThat(sink.list("redis/"))
        .extracting(StoredObject::key)
        .noneMatch(k -> k.contains(failedLater.id()));
    assertThat(catalog.list("redis"))
        .extracting(BackupRecord::id)
        .containsExactly(newest.id(), verified.id());
  }

  @Test
  void nothingOfASourceIsDeletedOrMovedWhileABackupOfItIsInProgress() throws Exception {
    InMemorySink sink = InMemorySink.named("test");
    for (int day = 0; day < 10; day++) {
      Backups.write(sink, "postgres", START.plus(Duration.ofDays(day)), "daily");
    }
    Instant now = START.plus(Duration.ofDays(40));
    Catalog catalog = Catalog.of(sink).withClock(Clock.fixed(now, ZoneOffset.UTC));
    GfsPolicy policy = GfsPolicy.builder().keepLast(2).keepMonthly(1).build();
    RetentionPlan unsafe = Retention.plan(catalog, "postgres", policy, now);
    assertThat(unsafe.deleted()).hasSize(8);

    String marker = BackupLayout.inProgressKey("postgres", "postgres_20230210_010000");
    sink.put(
        marker,
        ("{\"startedAt\":\"" + now.minusSeconds(60) + "\"}").getBytes(StandardCharsets.UTF_8));
    RetentionPlan safe = Retention.plan(catalog, "postgres", policy, now);
    assertThat(safe.deleted()).isEmpty();
    assertThat(safe.decisions())
        .allSatisfy(
            d -> {
              assertThat(d.reasons())
                  .contains("in progress (a backup started 2023-02-10T01:59:00Z)");
              assertThat(d.tier()).isEqualTo("daily");
            });

    // A plan made before the backup started is not carried out while it runs.
    long changes = sink.changes();
    ApplyResult result = Retention.apply(catalog, sink, unsafe);
    assertThat(result.changed()).isFalse();
    assertThat(result.skipped())
        .hasSize(9)
        .allSatisfy(
            s ->
                assertThat(s.reason())
                    .startsWith("retention: a backup of postgres is in progress")
                    .endsWith("run prune again after it finishes"));
    assertThat(sink.changes()).isEqualTo(changes);

    sink.delete(marker);
    assertThat(Retention.apply(catalog, sink, unsafe).deleted()).hasSize(8);
  }

  @Test
  void applyDeletesAndPromotesWithoutReencodingAndIsIdempotent(@TempDir Path dir) throws Exception {
    LocalSink sink = LocalSink.open(dir);
    for (int day = 0; day < 70; day++) {
      Backups.write(
          sink,
          "config",
          "files",
          START.plus(Duration.ofDays(day)),
          "daily",
          ("config of day " + day).getBytes(StandardCharsets.UTF_8));
    }
    Catalog catalog = Catalog.of(sink);
    Instant now = START.plus(Duration.ofDays(70));
    BackupRecord january = catalog.get("config_20230131_020000");
    catalog.record(
        new VerificationResult(
            january.id(),
            VerificationLevel.STORED,
            now.minusSeconds(5),
            true,
            Duration.ofSeconds(1),
            "stored: ok"));
    GfsPolicy policy = GfsPolicy.builder().keepDaily(7).keepMonthly(3).build();

    RetentionPlan plan = Retention.plan(catalog, "config", policy, now);
    ApplyResult first = Retention.apply(catalog, sink, plan);

    assertThat(first.deleted()).hasSize(70 - 7 - 2);
    assertThat(first.promoted())
        .extracting(ApplyResult.Promotion::id)
        .containsExactlyInAnyOrder("config_20230131_020000", "config_20230228_020000");
    assertThat(first.bytesFreed()).isPositive();
    BackupRecord moved = catalog.get("config_20230131_020000");
    assertThat(moved.manifest().dataKey()).isEqualTo("config/monthly/config_20230131_020000.bin");
    assertThat(moved.manifest().storedSha256()).isEqualTo(january.manifest().storedSha256());
    assertThat(moved.verifications()).hasSize(1);
    assertThat(sink.get(moved.manifest().dataKey()))
        .isEqualTo(sink.get(january.manifest().dataKey().replace("daily", "monthly")));
    assertThat(new String(sink.get(moved.manifest().sha256Key()), StandardCharsets.UTF_8))
        .isEqualTo(january.manifest().storedSha256() + "  config_20230131_020000.bin\n");
    io.biowerk.dr.core.BackupReader.checkStored(sink, moved.manifest());
    assertThat(catalog.orphans()).isEmpty();
    assertThat(catalog.list("config")).hasSize(9);

    Map<String, Long> before = sizes(sink);
    ApplyResult second = Retention.apply(catalog, sink, plan);
    assertThat(second.changed()).isFalse();
    assertThat(sizes(sink)).isEqualTo(before);
    RetentionPlan again = Retention.plan(catalog, "config", policy, now);
    assertThat(again.deleted()).isEmpty();
    assertThat(again.kept())
        .allSatisfy(d -> assertThat(d.tier()).isEqualTo(d.backup().manifest().tier()));
  }

  private static Map<String, Long> sizes(LocalSink sink) throws Exception {
    return sink.list("").stream().collect(Collectors.toMap(StoredObject::key, StoredObject::size));
  }

  @Test
  void aPolicyMustKeepSomethingAndCountsMayNotBeNegative() {
    assertThatThrownBy(() -> GfsPolicy.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("retention: a GFS policy must keep something");
    assertThatThrownBy(() -> GfsPolicy.builder().keepDaily(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keepDaily (-1) may not be negative");
    assertThat(GfsPolicy.plan30x12x12()).hasToString("keep 30 daily, 12 weekly, 12 monthly");
    assertThat(RetentionPolicies.parse("last=3,daily=7,within=36h"))
        .hasToString("keep 3 last, 7 daily, all within 36h");
    assertThatThrownBy(() -> RetentionPolicies.parse("daily=x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("daily needs a count, not 'x'");
    assertThatThrownBy(() -> RetentionPolicies.parse("hourly=3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot read 'hourly=3'");
    assertThatThrownBy(() -> RetentionPolicies.parse("daily=0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keeps nothing");
  }
}
