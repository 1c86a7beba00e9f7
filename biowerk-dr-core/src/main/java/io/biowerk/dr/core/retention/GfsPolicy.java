package io.biowerk.dr.core.retention;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.RetentionDecision;
import io.biowerk.dr.core.RetentionPlan;
import io.biowerk.dr.core.RetentionPolicy;
import io.biowerk.dr.core.catalog.Catalog;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A grandfather-father-son retention policy: keep the last N backups, the newest backup of each of
 * the N most recent days, ISO weeks, months and years that have a backup, and every backup within a
 * duration of now. The semantics are restic's {@code forget --keep-*}: periods without a backup do
 * not count, so a source backed up irregularly still keeps N of each. Calendars are UTC; weeks are
 * ISO weeks (Monday to Sunday, numbered by their week-based year).
 *
 * <p>A kept backup's tier is the highest rule that keeps it (monthly and yearly over weekly over
 * daily), once the period that rule keeps it for is over: the newest backup of the current month is
 * not promoted yet, because a newer one may take its place tomorrow, which would move the data back
 * and forth. A kept backup is never moved down a tier. A deleted backup's tier is the one it is in.
 *
 * <p>This policy decides by the rules alone. The safety rules that no policy can override (newest
 * backup, last verified backup, backup in progress) are applied by {@link Retention#plan}.
 *
 * <p>Immutable and thread-safe. {@link #toString()} reads like {@code keep 30 daily, 12 weekly, 12
 * monthly}.
 */
public final class GfsPolicy implements RetentionPolicy {

  private final int last;
  private final int daily;
  private final int weekly;
  private final int monthly;
  private final int yearly;
  private final Duration within;

  private GfsPolicy(Builder builder) {
    this.last = builder.last;
    this.daily = builder.daily;
    this.weekly = builder.weekly;
    this.monthly = builder.monthly;
    this.yearly = builder.yearly;
    this.within = builder.within;
  }

  /** Starts building a policy that keeps nothing until told to. */
  public static Builder builder() {
    return new Builder();
  }

  /** The DR plan's policy: 30 daily, 12 weekly and 12 monthly backups. */
  public static GfsPolicy plan30x12x12() {
    return builder().keepDaily(30).keepWeekly(12).keepMonthly(12).build();
  }

  /** Builds a {@link GfsPolicy}. Every count defaults to 0 (the rule is off). */
  public static final class Builder {
    private int last;
    private int daily;
    private int weekly;
    private int monthly;
    private int yearly;
    private Duration within = Duration.ZERO;

    private Builder() {}

    /** Keeps the {@code n} newest backups. */
    public Builder keepLast(int n) {
      this.last = checkCount("keepLast", n);
      return this;
    }

    /** Keeps the newest backup of each of the {@code n} most recent days that have one. */
    public Builder keepDaily(int n) {
      this.daily = checkCount("keepDaily", n);
      return this;
    }

    /** Keeps the newest backup of each of the {@code n} most recent ISO weeks that have one. */
    public Builder keepWeekly(int n) {
      this.weekly = checkCount("keepWeekly", n);
      return this;
    }

    /** Keeps the newest backup of each of the {@code n} most recent months that have one. */
    public Builder keepMonthly(int n) {
      this.monthly = checkCount("keepMonthly", n);
      return this;
    }

    /** Keeps the newest backup of each of the {@code n} most recent years that have one. */
    public Builder keepYearly(int n) {
      this.yearly = checkCount("keepYearly", n);
      return this;
    }

    /**
     * Keeps every backup started less than {@code duration} before now (and any started after now).
     */
    public Builder keepWithin(Duration duration) {
      checkArgument(
          duration != null && !duration.isNegative(),
          "keepWithin (%s) may not be negative",
          duration);
      this.within = duration;
      return this;
    }

    /**
     * The policy.
     *
     * @throws IllegalStateException if no rule keeps anything (that would delete every backup the
     *     safety rules do not hold)
     */
    public GfsPolicy build() {
      checkState(
          last + daily + weekly + monthly + yearly > 0 || !within.isZero(),
          "retention: a GFS policy must keep something; set keepLast, keepDaily, keepWeekly, keepMonthly,"
              + " keepYearly or keepWithin");
      return new GfsPolicy(this);
    }

    private static int checkCount(String what, int n) {
      checkArgument(n >= 0, "%s (%s) may not be negative", what, n);
      return n;
    }
  }

  public int keepLast() {
    return last;
  }

  public int keepDaily() {
    return daily;
  }

  public int keepWeekly() {
    return weekly;
  }

  public int keepMonthly() {
    return monthly;
  }

  public int keepYearly() {
    return yearly;
  }

  public Duration keepWithin() {
    return within;
  }

  /** The calendar periods a bucket counts in, as comparable numbers (UTC). */
  enum Period {
    DAILY("daily", BackupLayout.DAILY) {
      @Override
      long key(long epochDay) {
        return epochDay;
      }

      @Override
      String label(long key) {
        return LocalDate.ofEpochDay(key).toString();
      }

      @Override
      long nextStartDay(long key) {
        return key + 1;
      }
    },
    WEEKLY("weekly", BackupLayout.WEEKLY) {
      // 1970-01-01 was a Thursday, so Monday-based weeks start at epoch days congruent to -3 (mod
      // 7).
      @Override
      long key(long epochDay) {
        return Math.floorDiv(epochDay + 3, 7);
      }

      @Override
      String label(long key) {
        LocalDate monday = LocalDate.ofEpochDay(key * 7 - 3);
        int week = monday.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
        return monday.get(IsoFields.WEEK_BASED_YEAR) + (week < 10 ? "-W0" : "-W") + week;
      }

      @Override
      long nextStartDay(long key) {
        return (key + 1) * 7 - 3;
      }
    },
    MONTHLY("monthly", BackupLayout.MONTHLY) {
      @Override
      long key(long epochDay) {
        LocalDate date = LocalDate.ofEpochDay(epochDay);
        return date.getYear() * 12L + date.getMonthValue() - 1;
      }

      @Override
      String label(long key) {
        int month = Math.floorMod(key, 12) + 1;
        return Math.floorDiv(key, 12) + (month < 10 ? "-0" : "-") + month;
      }

      @Override
      long nextStartDay(long key) {
        return LocalDate.of((int) Math.floorDiv(key, 12), Math.floorMod(key, 12) + 1, 1)
            .plusMonths(1)
            .toEpochDay();
      }
    },
    YEARLY("yearly", BackupLayout.MONTHLY) {
      @Override
      long key(long epochDay) {
        return LocalDate.ofEpochDay(epochDay).getYear();
      }

      @Override
      String label(long key) {
        return Long.toString(key);
      }

      @Override
      long nextStartDay(long key) {
        return LocalDate.of((int) key + 1, 1, 1).toEpochDay();
      }
    };

    final String rule;
    final String tier;

    Period(String rule, String tier) {
      this.rule = rule;
      this.tier = tier;
    }

    abstract long key(long epochDay);

    abstract String label(long key);

    /** The epoch day the period after {@code key} starts on. */
    abstract long nextStartDay(long key);
  }

  @Override
  public RetentionPlan plan(List<BackupRecord> backups, Instant now) {
    requireNonNull(backups, "backups");
    requireNonNull(now, "now");
    List<BackupRecord> sorted = new ArrayList<>(backups);
    sorted.sort(Catalog.NEWEST_FIRST);
    int n = sorted.size();
    long[] days = new long[n];
    for (int i = 0; i < n; i++) {
      days[i] = Math.floorDiv(sorted.get(i).time().getEpochSecond(), 86_400L);
    }
    long nowDay = Math.floorDiv(now.getEpochSecond(), 86_400L);

    List<List<String>> reasons =
        new ArrayList<>(java.util.Collections.nCopies(n, (List<String>) null));
    int[] tierRank = new int[n];
    Instant withinStart = now.minus(within);
    for (int i = 0; i < n; i++) {
      if (i < last) {
        add(reasons, i, "last " + (i + 1) + "/" + last);
      }
      if (!within.isZero() && sorted.get(i).time().isAfter(withinStart)) {
        add(reasons, i, "within " + human(within));
      }
    }
    Period[] periods = Period.values();
    int[] counts = {daily, weekly, monthly, yearly};
    // Per bucket: which backup index keeps each period (to explain deletions).
    List<Map<Long, Integer>> keepers = new ArrayList<>();
    for (int p = 0; p < periods.length; p++) {
      Period period = periods[p];
      int count = counts[p];
      Map<Long, Integer> keeper = new HashMap<>();
      keepers.add(keeper);
      if (count == 0) {
        continue;
      }
      long lastKey = Long.MIN_VALUE;
      int kept = 0;
      for (int i = 0; i < n && kept < count; i++) {
        long key = period.key(days[i]);
        if (key == lastKey) {
          continue;
        }
        lastKey = key;
        kept++;
        keeper.put(key, i);
        add(reasons, i, period.rule + " " + kept + "/" + count);
        // Promote only once the period is over: the newest backup of the current period may be
        // replaced.
        if (period.nextStartDay(key) <= nowDay) {
          tierRank[i] = Math.max(tierRank[i], Catalog.tierRank(period.tier));
        }
      }
    }

    List<Map<Long, String>> explained = new ArrayList<>();
    for (int p = 0; p < periods.length; p++) {
      explained.add(new HashMap<>());
    }
    List<RetentionDecision> decisions = new ArrayList<>(n);
    // Backups of the same day are deleted for the same reasons, and they come one after the other.
    long whyDay = Long.MIN_VALUE;
    List<String> why = List.of();
    for (int i = 0; i < n; i++) {
      BackupRecord backup = sorted.get(i);
      String current = backup.manifest().tier();
      if (reasons.get(i) != null) {
        String tier =
            tierRank[i] > Math.max(Catalog.tierRank(current), 1) ? tierName(tierRank[i]) : current;
        decisions.add(new RetentionDecision(backup, true, reasons.get(i), tier));
      } else {
        if (days[i] != whyDay) {
          whyDay = days[i];
          why = whyDeleted(days[i], keepers, explained);
        }
        decisions.add(new RetentionDecision(backup, false, why, current));
      }
    }
    return new RetentionPlan(decisions);
  }

  /**
   * Why no rule keeps a backup of {@code day}, one line per rule. The lines depend only on the
   * periods, so they are made once per period and shared: a plan over 100,000 backups deletes most
   * of them.
   */
  private List<String> whyDeleted(
      long day, List<Map<Long, Integer>> keepers, List<Map<Long, String>> explained) {
    List<String> why = new ArrayList<>(6);
    int[] counts = {daily, weekly, monthly, yearly};
    Period[] periods = Period.values();
    for (int p = 0; p < periods.length; p++) {
      if (counts[p] == 0) {
        continue;
      }
      Period period = periods[p];
      long key = period.key(day);
      int count = counts[p];
      boolean kept = keepers.get(p).containsKey(key);
      why.add(
          explained
              .get(p)
              .computeIfAbsent(
                  key,
                  k ->
                      kept
                          ? period.rule + ": a newer backup is kept for " + period.label(k)
                          : period.rule
                              + ": "
                              + period.label(k)
                              + " is older than the "
                              + count
                              + " kept"));
    }
    if (last > 0) {
      why.add("last: not among the " + last + " newest");
    }
    if (!within.isZero()) {
      why.add("within: older than " + human(within));
    }
    return List.copyOf(why);
  }

  private static void add(List<List<String>> reasons, int i, String reason) {
    if (reasons.get(i) == null) {
      reasons.set(i, new ArrayList<>(4));
    }
    reasons.get(i).add(reason);
  }

  private static String tierName(int rank) {
    return switch (rank) {
      case 3 -> BackupLayout.MONTHLY;
      case 2 -> BackupLayout.WEEKLY;
      default -> BackupLayout.DAILY;
    };
  }

  /** {@code 7d}, {@code 36h}, {@code 90m}, else the ISO form. */
  static String human(Duration duration) {
    if (duration.toDays() > 0 && duration.equals(Duration.ofDays(duration.toDays()))) {
      return duration.toDays() + "d";
    }
    if (duration.toHours() > 0 && duration.equals(Duration.ofHours(duration.toHours()))) {
      return duration.toHours() + "h";
    }
    if (duration.toMinutes() > 0 && duration.equals(Duration.ofMinutes(duration.toMinutes()))) {
      return duration.toMinutes() + "m";
    }
    return duration.toString();
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    if (last > 0) {
      parts.add(last + " last");
    }
    if (daily > 0) {
      parts.add(daily + " daily");
    }
    if (weekly > 0) {
      parts.add(weekly + " weekly");
    }
    if (monthly > 0) {
      parts.add(monthly + " monthly");
    }
    if (yearly > 0) {
      parts.add(yearly + " yearly");
    }
    if (!within.isZero()) {
      parts.add("all within " + human(within));
    }
    return "keep " + String.join(", ", parts);
  }
}
