package io.biowerk.dr.core.retention;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.Backups;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.RetentionPlan;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.catalog.Catalog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Retention over 100,000 backups, run by hand (not a test): one backup an hour for 11.4 years,
 * every 24th verified. Prints the median and best of repeated runs after warm-up, each as a ratio
 * to an anchor measured in the same run: sorting the same 100,000 records newest first, the least
 * any plan must do.
 *
 * <pre>
 * mvn -o -q -pl biowerk-dr-core test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.biowerk.dr.core.retention.RetentionBenchmark
 * </pre>
 */
public final class RetentionBenchmark {

  private RetentionBenchmark() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    Instant start = Instant.parse("2015-01-01T00:00:00Z");
    List<BackupRecord> records = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
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
    java.util.Collections.shuffle(records, new java.util.Random(1));
    Instant now = start.plus(Duration.ofHours(count));
    GfsPolicy policy =
        GfsPolicy.builder()
            .keepLast(24)
            .keepDaily(30)
            .keepWeekly(12)
            .keepMonthly(12)
            .keepYearly(10)
            .keepWithin(Duration.ofDays(2))
            .build();

    int warmup = 15;
    int runs = 25;
    long[] anchor = new long[runs];
    long[] gfs = new long[runs];
    long[] safe = new long[runs];
    int kept = 0;
    for (int r = -warmup; r < runs; r++) {
      long t0 = System.nanoTime();
      List<BackupRecord> sorted = new ArrayList<>(records);
      sorted.sort(Catalog.NEWEST_FIRST);
      long t1 = System.nanoTime();
      RetentionPlan plan = policy.plan(records, now);
      long t2 = System.nanoTime();
      RetentionPlan withSafety = Retention.withSafetyRules(policy, records, Optional.empty(), now);
      long t3 = System.nanoTime();
      kept = withSafety.kept().size() + plan.kept().size() * 0 + sorted.size() * 0;
      if (r >= 0) {
        anchor[r] = t1 - t0;
        gfs[r] = t2 - t1;
        safe[r] = t3 - t2;
      }
    }
    System.out.printf(
        "retention over %,d backups (1/hour), policy %s; kept %d%n", count, policy, kept);
    report("anchor: sort newest first", anchor, anchor);
    report("GfsPolicy.plan", gfs, anchor);
    report("Retention plan with safety rules", safe, anchor);

    // Listing the same number of manifests through the catalog, for scale: Retention.plan(catalog,
    // ...) does
    // this first, and on a real sink the listing's round trips dominate.
    int listed = Math.min(count, 20_000);
    InMemorySink sink = InMemorySink.named("test");
    for (int i = 0; i < listed; i++) {
      Backups.write(sink, "postgres", start.plus(Duration.ofHours(i)), "daily");
    }
    Catalog catalog = Catalog.of(sink);
    long[] list = new long[5];
    for (int r = -3; r < list.length; r++) {
      long t0 = System.nanoTime();
      int n = catalog.list("postgres").size();
      long t1 = System.nanoTime();
      if (r >= 0) {
        list[r] = t1 - t0;
      }
      if (n != listed) {
        throw new AssertionError(n);
      }
    }
    Arrays.sort(list);
    System.out.printf(
        "Catalog.list over %,d manifests in memory: median %.1f ms (%.1f us per manifest)%n",
        listed, list[list.length / 2] / 1e6, list[list.length / 2] / 1e3 / listed);
  }

  private static void report(String what, long[] nanos, long[] anchor) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    long[] anchorSorted = anchor.clone();
    Arrays.sort(anchorSorted);
    double median = sorted[sorted.length / 2] / 1e6;
    double best = sorted[0] / 1e6;
    double ratio = (double) sorted[sorted.length / 2] / anchorSorted[anchorSorted.length / 2];
    System.out.printf(
        "  %-36s median %8.1f ms  best %8.1f ms  = %5.1f x anchor%n", what, median, best, ratio);
  }
}
