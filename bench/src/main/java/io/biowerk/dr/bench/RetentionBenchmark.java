package io.biowerk.dr.bench;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.RetentionPlan;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.retention.GfsPolicy;
import io.biowerk.dr.core.retention.Retention;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A retention plan over {@code backups} backups of one source: one an hour (100,000 is 11.4 years),
 * every 24th with a passed verification, handed over in shuffled order. The anchor, {@link
 * #anchorSortNewestFirst}, sorts the same records newest first: the least any plan must do. {@link
 * #gfsPlan} is the policy alone, {@link #planWithSafetyRules} what {@code Retention.plan} computes
 * once the catalog is listed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx1g", "-Xms1g"})
public class RetentionBenchmark {

  @Param({"100000"})
  public int backups;

  private List<BackupRecord> records;
  private Instant now;
  private GfsPolicy policy;

  @Setup
  public void setUp() {
    Instant start = Instant.parse("2015-01-01T00:00:00Z");
    records = new ArrayList<>(backups);
    for (int i = 0; i < backups; i++) {
      Instant at = start.plus(Duration.ofHours(i));
      String id = BackupLayout.backupId("postgres", at);
      BackupManifest manifest =
          new BackupManifest(
              id,
              "postgresql",
              "postgres",
              "postgresql://db/orders",
              "dump",
              at,
              at.plusSeconds(300),
              List.of(),
              Optional.empty(),
              1000,
              500,
              "r",
              "s",
              BackupLayout.dataKey("postgres", "daily", id, "dump", List.of("zst")),
              Map.of());
      List<VerificationResult> verified =
          i % 24 == 0
              ? List.of(
                  new VerificationResult(
                      id,
                      VerificationLevel.STORED,
                      at.plusSeconds(900),
                      true,
                      Duration.ofSeconds(5),
                      "ok"))
              : List.of();
      records.add(new BackupRecord(manifest, verified));
    }
    Collections.shuffle(records, new Random(1));
    now = start.plus(Duration.ofHours(backups));
    policy =
        GfsPolicy.builder()
            .keepLast(24)
            .keepDaily(30)
            .keepWeekly(12)
            .keepMonthly(12)
            .keepYearly(10)
            .keepWithin(Duration.ofDays(2))
            .build();
  }

  @Benchmark
  public List<BackupRecord> anchorSortNewestFirst() {
    List<BackupRecord> sorted = new ArrayList<>(records);
    sorted.sort(Catalog.NEWEST_FIRST);
    return sorted;
  }

  @Benchmark
  public RetentionPlan gfsPlan() {
    return policy.plan(records, now);
  }

  @Benchmark
  public RetentionPlan planWithSafetyRules() {
    return Retention.withSafetyRules(policy, records, Optional.empty(), now);
  }
}
