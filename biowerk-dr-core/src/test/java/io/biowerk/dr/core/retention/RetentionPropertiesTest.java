package io.biowerk.dr.core.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupReader;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.Backups;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.RetentionDecision;
import io.biowerk.dr.core.RetentionPlan;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.catalog.Verifications;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Retention over arbitrary backup histories, policies, verification records, in-progress markers
 * and clocks: the plan equals what an independent, deliberately simple reference implementation of
 * the rules says; the safety rules always hold; applying a plan leaves exactly the kept backups,
 * byte for byte, in their tiers, and applying it again (or planning again) changes nothing.
 */
class RetentionPropertiesTest {

  static final Instant BASE = Instant.parse("2022-01-01T00:00:00Z");
  static final String SOURCE = "src";

  enum Verified {
    NONE,
    PASSED,
    FAILED,
    PASSED_THEN_FAILED,
    FAILED_THEN_PASSED
  }

  enum MarkerState {
    NONE,
    FRESH,
    STALE
  }

  record Item(long offsetSeconds, String tier, Verified verified) {}

  record Params(int last, int daily, int weekly, int monthly, int yearly, Duration within) {
    GfsPolicy policy() {
      return GfsPolicy.builder()
          .keepLast(last)
          .keepDaily(daily)
          .keepWeekly(weekly)
          .keepMonthly(monthly)
          .keepYearly(yearly)
          .keepWithin(within)
          .build();
    }
  }

  record Scenario(List<Item> items, Params params, long nowShiftSeconds, MarkerState marker) {
    Instant now() {
      long max = items.stream().mapToLong(Item::offsetSeconds).max().orElse(0);
      return BASE.plusSeconds(max + nowShiftSeconds);
    }
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    Arbitrary<Long> span = Arbitraries.of(3L, 20L, 45L, 400L, 1500L).map(days -> days * 86_400);
    Arbitrary<List<Item>> items =
        span.flatMap(
            s ->
                Combinators.combine(
                        Arbitraries.longs().between(0, s - 1),
                        Arbitraries.of(
                            BackupLayout.DAILY,
                            BackupLayout.DAILY,
                            BackupLayout.WEEKLY,
                            BackupLayout.MONTHLY),
                        Arbitraries.of(Verified.class).injectDuplicates(0.6))
                    .as(Item::new)
                    .list()
                    .ofMaxSize(60)
                    .uniqueElements(Item::offsetSeconds));
    Arbitrary<Params> params =
        Combinators.combine(
                Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, 10),
                Arbitraries.integers().between(0, 6),
                Arbitraries.integers().between(0, 6),
                Arbitraries.integers().between(0, 3),
                Arbitraries.oneOf(
                    Arbitraries.just(Duration.ZERO),
                    Arbitraries.longs().between(1, 60 * 24).map(Duration::ofHours)))
            .as(
                (l, d, w, m, y, within) ->
                    new Params(
                        l,
                        d == 0 && l + w + m + y == 0 && within.isZero() ? 1 : d,
                        w,
                        m,
                        y,
                        within));
    Arbitrary<Long> shift = Arbitraries.longs().between(-30L * 86_400, 120L * 86_400);
    Arbitrary<MarkerState> marker =
        Arbitraries.of(
            MarkerState.NONE,
            MarkerState.NONE,
            MarkerState.NONE,
            MarkerState.FRESH,
            MarkerState.STALE);
    return Combinators.combine(items, params, shift, marker).as(Scenario::new);
  }

  /** Builds the repository a scenario describes in a real in-memory sink. */
  static Catalog repository(InMemorySink sink, Scenario scenario) throws Exception {
    Instant now = scenario.now();
    for (Item item : scenario.items()) {
      Instant at = BASE.plusSeconds(item.offsetSeconds());
      BackupManifest manifest = Backups.write(sink, SOURCE, at, item.tier());
      List<VerificationResult> history = new ArrayList<>();
      Instant first = at.plusSeconds(600);
      Instant second = at.plusSeconds(1200);
      switch (item.verified()) {
        case PASSED -> history.add(result(manifest, first, true));
        case FAILED -> history.add(result(manifest, first, false));
        case PASSED_THEN_FAILED -> {
          history.add(result(manifest, first, true));
          history.add(result(manifest, second, false));
        }
        case FAILED_THEN_PASSED -> {
          history.add(result(manifest, first, false));
          history.add(result(manifest, second, true));
        }
        default -> {}
      }
      if (!history.isEmpty()) {
        sink.put(manifest.dataKey() + Verifications.SUFFIX, Verifications.toJson(history));
      }
    }
    if (scenario.marker() != MarkerState.NONE) {
      Instant started =
          scenario.marker() == MarkerState.FRESH
              ? now.minus(Duration.ofHours(1))
              : now.minus(Duration.ofDays(3));
      sink.put(
          BackupLayout.inProgressKey(SOURCE, "src_running"),
          ("{\"startedAt\":\"" + started + "\"}").getBytes(StandardCharsets.UTF_8));
    }
    return Catalog.of(sink).withClock(Clock.fixed(now, ZoneOffset.UTC));
  }

  static VerificationResult result(BackupManifest manifest, Instant at, boolean passed) {
    return new VerificationResult(
        manifest.id(),
        VerificationLevel.STORED,
        at,
        passed,
        Duration.ofSeconds(1),
        passed ? "ok" : "damaged");
  }

  @Property(tries = 1000)
  void thePlanKeepsExactlyWhatTheRulesSay(@ForAll("scenarios") Scenario scenario) throws Exception {
    Catalog catalog = repository(InMemorySink.named("test"), scenario);
    RetentionPlan plan =
        Retention.plan(catalog, SOURCE, scenario.params().policy(), scenario.now());
    Map<String, Expected> expected = Reference.plan(catalog.list(SOURCE), scenario);

    assertThat(plan.decisions()).hasSize(scenario.items().size());
    assertThat(plan.decisions())
        .extracting(d -> d.backup().id())
        .as("newest first")
        .containsExactlyElementsOf(expected.keySet());
    for (RetentionDecision decision : plan.decisions()) {
      Expected want = expected.get(decision.backup().id());
      assertThat(decision.keep()).as("keep %s", decision.backup().id()).isEqualTo(want.keep());
      if (want.keep()) {
        assertThat(decision.reasons())
            .as("reasons of %s", decision.backup().id())
            .isEqualTo(want.reasons());
        assertThat(decision.tier()).as("tier of %s", decision.backup().id()).isEqualTo(want.tier());
      } else {
        assertThat(decision.reasons()).as("a deletion says why").isNotEmpty();
        assertThat(decision.tier()).isEqualTo(decision.backup().manifest().tier());
      }
    }
  }

  @Property(tries = 1000)
  void noPolicyOverridesTheSafetyRules(@ForAll("scenarios") Scenario scenario) throws Exception {
    Catalog catalog = repository(InMemorySink.named("test"), scenario);
    List<BackupRecord> backups = catalog.list(SOURCE);
    RetentionPlan plan =
        Retention.plan(catalog, SOURCE, scenario.params().policy(), scenario.now());
    Map<String, RetentionDecision> byId =
        plan.decisions().stream()
            .collect(Collectors.toMap(d -> d.backup().id(), Function.identity()));

    if (!backups.isEmpty()) {
      BackupRecord newest =
          backups.stream()
              .max(Comparator.comparing(BackupRecord::time).thenComparing(BackupRecord::id))
              .orElseThrow();
      assertThat(byId.get(newest.id()).keep()).as("newest kept").isTrue();
    }
    backups.stream()
        .filter(b -> b.lastVerification().map(VerificationResult::passed).orElse(false))
        .max(Comparator.comparing(BackupRecord::time).thenComparing(BackupRecord::id))
        .ifPresent(
            verified ->
                assertThat(byId.get(verified.id()).keep()).as("last verified kept").isTrue());
    if (scenario.marker() == MarkerState.FRESH) {
      assertThat(plan.deleted()).as("nothing deleted while a backup is in progress").isEmpty();
      assertThat(plan.decisions())
          .allSatisfy(d -> assertThat(d.tier()).isEqualTo(d.backup().manifest().tier()));
    }
    // Kept backups are never moved down a tier.
    assertThat(plan.kept())
        .allSatisfy(
            d ->
                assertThat(Catalog.tierRank(d.tier()))
                    .isGreaterThanOrEqualTo(Catalog.tierRank(d.backup().manifest().tier())));
  }

  @Property(tries = 1000)
  void applyingLeavesExactlyTheKeptBackupsAndApplyingAgainChangesNothing(
      @ForAll("scenarios") Scenario scenario) throws Exception {
    InMemorySink sink = InMemorySink.named("test");
    Catalog catalog = repository(sink, scenario);
    List<BackupRecord> before = catalog.list(SOURCE);
    RetentionPolicyHolder holder = new RetentionPolicyHolder(scenario.params().policy());
    RetentionPlan plan = Retention.plan(catalog, SOURCE, holder.policy, scenario.now());

    ApplyResult first = Retention.apply(catalog, sink, plan);

    List<BackupRecord> after = catalog.list(SOURCE);
    Map<String, RetentionDecision> kept =
        plan.kept().stream()
            .collect(
                Collectors.toMap(
                    d -> d.backup().id(), Function.identity(), (a, b) -> a, LinkedHashMap::new));
    assertThat(after).extracting(BackupRecord::id).containsExactlyElementsOf(kept.keySet());
    assertThat(first.deleted()).hasSize(before.size() - after.size());
    Map<String, BackupRecord> was =
        before.stream().collect(Collectors.toMap(BackupRecord::id, Function.identity()));
    for (BackupRecord backup : after) {
      assertThat(backup.manifest().tier()).isEqualTo(kept.get(backup.id()).tier());
      assertThat(backup.verifications()).isEqualTo(was.get(backup.id()).verifications());
      assertThat(backup.manifest().storedSha256())
          .isEqualTo(was.get(backup.id()).manifest().storedSha256());
      BackupReader.checkStored(sink, backup.manifest()); // moved byte for byte, never re-encoded
    }
    assertThat(catalog.orphans())
        .extracting(StoredObject::key)
        .allMatch(k -> k.contains(BackupLayout.IN_PROGRESS));
    assertThat(catalog.corrupt()).isEmpty();

    Map<String, String> snapshot = sink.snapshot();
    long changes = sink.changes();
    ApplyResult second = Retention.apply(catalog, sink, plan);
    assertThat(second.changed()).isFalse();
    assertThat(sink.changes()).isEqualTo(changes);
    assertThat(sink.snapshot()).isEqualTo(snapshot);

    RetentionPlan again = Retention.plan(catalog, SOURCE, holder.policy, scenario.now());
    assertThat(again.deleted()).isEmpty();
    assertThat(again.decisions())
        .allSatisfy(d -> assertThat(d.tier()).isEqualTo(d.backup().manifest().tier()));
  }

  private record RetentionPolicyHolder(GfsPolicy policy) {}

  record Expected(boolean keep, List<String> reasons, String tier) {}

  /**
   * The rules written down as plainly as possible, independently of {@link GfsPolicy}: group
   * backups by calendar period with {@code java.time} (ISO week fields, {@code YearMonth}), take
   * the newest of each of the N most recent periods, then add the safety rules.
   */
  static final class Reference {
    static Map<String, Expected> plan(List<BackupRecord> backups, Scenario scenario) {
      Params p = scenario.params();
      Instant now = scenario.now();
      LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
      List<BackupRecord> sorted = new ArrayList<>(backups);
      sorted.sort(
          Comparator.comparing(BackupRecord::time).thenComparing(BackupRecord::id).reversed());
      Map<String, List<String>> rules = new HashMap<>();
      Map<String, Integer> rank = new HashMap<>();
      for (int i = 0; i < sorted.size(); i++) {
        String id = sorted.get(i).id();
        rules.put(id, new ArrayList<>());
        rank.put(id, 0);
        if (i < p.last()) {
          rules.get(id).add("last " + (i + 1) + "/" + p.last());
        }
        if (!p.within().isZero() && sorted.get(i).time().isAfter(now.minus(p.within()))) {
          rules.get(id).add("within " + GfsPolicy.human(p.within()));
        }
      }
      bucket(sorted, "daily", p.daily(), 1, d -> d, d -> d, today, rules, rank);
      bucket(
          sorted,
          "weekly",
          p.weekly(),
          2,
          d -> d.get(IsoFields.WEEK_BASED_YEAR) * 100 + d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR),
          d -> d.with(DayOfWeek.SUNDAY),
          today,
          rules,
          rank);
      bucket(
          sorted,
          "monthly",
          p.monthly(),
          3,
          YearMonth::from,
          d -> YearMonth.from(d).atEndOfMonth(),
          today,
          rules,
          rank);
      bucket(
          sorted,
          "yearly",
          p.yearly(),
          3,
          LocalDate::getYear,
          d -> LocalDate.of(d.getYear(), 12, 31),
          today,
          rules,
          rank);

      String newest = sorted.isEmpty() ? null : sorted.get(0).id();
      String verified =
          sorted.stream()
              .filter(
                  b ->
                      b.verifications().stream()
                          .max(Comparator.comparing(VerificationResult::at))
                          .map(VerificationResult::passed)
                          .orElse(false))
              .map(BackupRecord::id)
              .findFirst()
              .orElse(null);
      boolean running = scenario.marker() == MarkerState.FRESH;
      Map<String, Expected> expected = new LinkedHashMap<>();
      for (BackupRecord backup : sorted) {
        String id = backup.id();
        List<String> reasons = new ArrayList<>();
        if (id.equals(newest)) {
          reasons.add("newest");
        }
        if (id.equals(verified)) {
          reasons.add("last verified");
        }
        if (running) {
          reasons.add("in progress (a backup started " + now.minus(Duration.ofHours(1)) + ")");
        }
        boolean safety = !reasons.isEmpty();
        reasons.addAll(rules.get(id));
        String current = backup.manifest().tier();
        String tier = current;
        if (!rules.get(id).isEmpty() && !running) {
          int wanted = rank.get(id);
          int have = Math.max(Catalog.tierRank(current), 1);
          if (wanted > have) {
            tier = wanted == 3 ? "monthly" : "weekly";
          }
        }
        expected.put(id, new Expected(safety || !rules.get(id).isEmpty(), reasons, tier));
      }
      return expected;
    }

    /** Keeps the newest backup of each of the {@code count} most recent periods that have one. */
    static <K extends Comparable<K>> void bucket(
        List<BackupRecord> sorted,
        String name,
        int count,
        int tierRank,
        Function<LocalDate, K> period,
        Function<LocalDate, LocalDate> lastDay,
        LocalDate today,
        Map<String, List<String>> rules,
        Map<String, Integer> rank) {
      if (count == 0) {
        return;
      }
      Map<K, BackupRecord> newestOf = new HashMap<>();
      Map<K, LocalDate> dayOf = new HashMap<>();
      for (BackupRecord backup : sorted) {
        LocalDate day = LocalDate.ofInstant(backup.time(), ZoneOffset.UTC);
        K key = period.apply(day);
        if (!newestOf.containsKey(key)) {
          newestOf.put(key, backup);
          dayOf.put(key, day);
        }
      }
      List<K> periods = new ArrayList<>(new TreeSet<>(newestOf.keySet()).descendingSet());
      for (int i = 0; i < Math.min(count, periods.size()); i++) {
        K key = periods.get(i);
        String id = newestOf.get(key).id();
        rules.get(id).add(name + " " + (i + 1) + "/" + count);
        if (lastDay.apply(dayOf.get(key)).isBefore(today)) {
          rank.put(id, Math.max(rank.get(id), tierRank));
        }
      }
    }
  }
}
