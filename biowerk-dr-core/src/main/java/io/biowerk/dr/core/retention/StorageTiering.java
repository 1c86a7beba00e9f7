package io.biowerk.dr.core.retention;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.catalog.Catalog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * When a store may move a source's backups to a colder, cheaper class and when it may delete them,
 * derived from the sources a repository holds and the retention policy: what an object store's
 * lifecycle rules are generated from (S3 lifecycle, Azure lifecycle management, GCS Object
 * Lifecycle). Stores that cannot tier ignore it.
 *
 * <p>The expiry is never shorter than the policy's longest rule (the oldest backup it can keep,
 * plus a day of slack), so a store never deletes a backup the policy still keeps; nor shorter than
 * {@code minimumExpiryDays} (the plan's year). Immutable.
 *
 * @param source the source name; its backups live under {@code <source>/}
 * @param coldAfterDays days after writing when a data object may move to a colder class
 * @param expireAfterDays days after writing when an object may be deleted by the store
 */
public record StorageTiering(String source, int coldAfterDays, int expireAfterDays) {

  /** The plan's tiering: cold after 90 days, deleted after a year or the policy's longest rule. */
  public static final int PLAN_COLD_AFTER_DAYS = 90;

  /** The plan's minimum expiry: a year. */
  public static final int PLAN_MINIMUM_EXPIRY_DAYS = 365;

  public StorageTiering {
    BackupLayout.checkSourceName(requireNonNull(source, "source"));
    checkArgument(coldAfterDays >= 0, "coldAfterDays (%s) may not be negative", coldAfterDays);
    checkArgument(
        expireAfterDays > coldAfterDays,
        "expireAfterDays (%s) must be later than coldAfterDays (%s)",
        expireAfterDays,
        coldAfterDays);
  }

  /** The key prefix of the source's backups in the repository: {@code <source>/}. */
  public String prefix() {
    return source + "/";
  }

  /**
   * One tiering per source the catalog holds backups of, with the plan's days, stretched to the
   * policy's longest rule.
   *
   * @throws IOException if the catalog cannot be listed
   */
  public static List<StorageTiering> forRepository(Catalog catalog, GfsPolicy policy)
      throws IOException {
    return forSources(catalog.sources(), policy, PLAN_COLD_AFTER_DAYS, PLAN_MINIMUM_EXPIRY_DAYS);
  }

  /** One tiering per source in {@code sources}. */
  public static List<StorageTiering> forSources(
      List<String> sources, GfsPolicy policy, int coldAfterDays, int minimumExpiryDays) {
    int expire = Math.max(minimumExpiryDays, longestRuleDays(policy) + 1);
    List<StorageTiering> tiers = new ArrayList<>();
    for (String source : sources) {
      tiers.add(new StorageTiering(source, coldAfterDays, Math.max(expire, coldAfterDays + 1)));
    }
    return tiers;
  }

  /** How many days old the oldest backup that {@code policy} can keep may be. */
  static int longestRuleDays(GfsPolicy policy) {
    long days =
        Math.max(
            Math.max(policy.keepDaily(), 7L * policy.keepWeekly()),
            Math.max(31L * policy.keepMonthly(), 366L * policy.keepYearly()));
    days = Math.max(days, policy.keepWithin().toDays());
    return (int) Math.min(days, Integer.MAX_VALUE - 1);
  }
}
