package io.biowerk.dr.storage.gcs;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.cloud.storage.BucketInfo;
import com.google.cloud.storage.BucketInfo.LifecycleRule;
import com.google.cloud.storage.BucketInfo.LifecycleRule.LifecycleAction;
import com.google.cloud.storage.BucketInfo.LifecycleRule.LifecycleCondition;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageClass;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.retention.GfsPolicy;
import io.biowerk.dr.core.retention.StorageTiering;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A retention policy as Cloud Storage bucket lifecycle rules: per source (its key prefix, {@code
 * postgres/}, {@code orders/}), move backups to a colder storage class after some days and delete
 * them after more, but never sooner than the retention policy may still keep them. The days come
 * from core's {@link StorageTiering}, the computation every object store shares. {@link #drPlan} is
 * the DR plan's "archive after 90 days, delete after 1 year". Nothing is sent until {@link
 * #install} is called. Immutable.
 *
 * <p>The delete rule's age is raised to the policy's longest rule when the plan asks for less, and
 * {@link #notes()} says so. Two things no age rule can know: a source whose backups stop keeps its
 * newest backup for ever under retention's safety rules, and {@code keepLast(n)} has no age bound;
 * the delete rule is then a backstop that can remove them, so {@link #notes()} warns, and {@link
 * #forRetention} with {@code minimumExpiryDays = 0} generates the class transitions alone.
 *
 * <p>Storage classes have minimum storage durations (Nearline 30 days, Coldline 90, Archive 365);
 * deleting sooner is billed as if stored that long, which the notes point out too.
 */
public final class GcsLifecycleRules {

  /** Minimum storage durations of the colder classes, in days. */
  static final Map<String, Integer> MINIMUM_DAYS =
      Map.of("NEARLINE", 30, "COLDLINE", 90, "ARCHIVE", 365);

  private static final List<String> COLDER_ORDER =
      List.of("STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE");

  private final List<LifecycleRule> rules;
  private final List<String> notes;

  private GcsLifecycleRules(List<LifecycleRule> rules, List<String> notes) {
    this.rules = List.copyOf(rules);
    this.notes = List.copyOf(notes);
  }

  /**
   * A builder for rules under {@code repositoryPrefix} (the {@link GcsOptions#prefix()}; may be
   * empty).
   */
  public static Builder builder(String repositoryPrefix) {
    return new Builder(repositoryPrefix);
  }

  /**
   * The DR plan's rules for the repository {@code catalog} lists, under {@code policy}: each
   * source's backups go to ARCHIVE after 90 days and are deleted after a year, or after the
   * policy's longest rule if that is longer ({@link StorageTiering#forRepository}). Sources added
   * later need the rules generated again.
   *
   * @throws IOException if the catalog cannot be listed
   */
  public static GcsLifecycleRules drPlan(String repositoryPrefix, Catalog catalog, GfsPolicy policy)
      throws IOException {
    return forRetention(
        repositoryPrefix,
        catalog.sources(),
        policy,
        "ARCHIVE",
        StorageTiering.PLAN_COLD_AFTER_DAYS,
        StorageTiering.PLAN_MINIMUM_EXPIRY_DAYS);
  }

  /**
   * Rules for these sources: move to {@code coldClass} after {@code coldAfterDays}, and delete
   * after {@code minimumExpiryDays} or the policy's longest rule, whichever is later (0: no delete
   * rule; deletion is left to retention).
   *
   * @throws IllegalArgumentException if there are no sources, a source name is not a key segment,
   *     or the days do not fit
   */
  public static GcsLifecycleRules forRetention(
      String repositoryPrefix,
      List<String> sources,
      GfsPolicy policy,
      String coldClass,
      int coldAfterDays,
      int minimumExpiryDays) {
    requireNonNull(policy, "policy");
    checkArgument(!sources.isEmpty(), "gcs: lifecycle rules need at least one source");
    checkArgument(
        minimumExpiryDays >= 0, "minimumExpiryDays (%s) may not be negative", minimumExpiryDays);
    for (String source : sources) {
      checkArgument(
          source != null && !source.isEmpty() && !source.contains("/"),
          "gcs: source (%s) must be one key segment",
          source);
    }
    List<StorageTiering> tiers =
        StorageTiering.forSources(
            List.copyOf(sources), policy, coldAfterDays, Math.max(1, minimumExpiryDays));
    Builder builder = builder(repositoryPrefix);
    int expire = tiers.get(0).expireAfterDays();
    if (minimumExpiryDays > 0 && expire > minimumExpiryDays) {
      builder.note(
          "gcs: the delete rule is at day "
              + expire
              + ", not "
              + minimumExpiryDays
              + ": the retention policy ("
              + policy
              + ") can keep a backup that long");
    }
    for (StorageTiering tier : tiers) {
      builder.transition(tier.prefix(), coldClass, tier.coldAfterDays());
      if (minimumExpiryDays > 0) {
        builder.deleteAfter(tier.prefix(), tier.expireAfterDays());
      }
    }
    if (minimumExpiryDays > 0 && policy.keepLast() > 0) {
      builder.note(
          "gcs: keep-last "
              + policy.keepLast()
              + " has no age bound; if backups stop for "
              + expire
              + " days the delete rule removes backups retention would keep");
    }
    if (minimumExpiryDays > 0) {
      builder.note(
          "gcs: a source whose backups stop for "
              + expire
              + " days loses its newest backup to the delete rule, which retention alone would"
              + " keep; monitor backup age (biowerk-dr status)");
    }
    return builder.build();
  }

  /** The rules, in the order they were added. */
  public List<LifecycleRule> rules() {
    return rules;
  }

  /**
   * What an operator should know about these rules (raised ages, early-deletion fees, what no age
   * rule knows).
   */
  public List<String> notes() {
    return notes;
  }

  /**
   * Installs the rules on {@code bucket}, replacing its lifecycle configuration (Cloud Storage
   * keeps one per bucket; merge by hand if the bucket has rules of its own).
   *
   * @throws io.biowerk.dr.core.StorageException if the service refuses (storage.buckets.update is
   *     needed, e.g. roles/storage.admin on the bucket)
   */
  public void install(Storage storage, String bucket) throws IOException {
    try {
      storage.update(BucketInfo.newBuilder(bucket).setLifecycleRules(rules).build());
    } catch (RuntimeException e) {
      throw GcsErrors.translate(
          e,
          "update lifecycle rules",
          "storage.buckets.update",
          bucket,
          null,
          null,
          storage.getOptions().getHost());
    }
  }

  @Override
  public String toString() {
    List<String> lines = new ArrayList<>();
    for (LifecycleRule rule : rules) {
      LifecycleAction action = rule.getAction();
      LifecycleCondition condition = rule.getCondition();
      lines.add(
          action.getActionType()
              + (action instanceof LifecycleRule.SetStorageClassLifecycleAction set
                  ? " " + set.getStorageClass()
                  : "")
              + " at age "
              + condition.getAge()
              + " under "
              + condition.getMatchesPrefix());
    }
    return "GcsLifecycleRules" + lines;
  }

  /** Builds {@link GcsLifecycleRules}. */
  public static final class Builder {
    private final String root;
    private final List<LifecycleRule> rules = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, Integer> movedAt = new java.util.HashMap<>();
    private final Map<String, String> movedTo = new java.util.HashMap<>();

    private Builder(String repositoryPrefix) {
      String p = requireNonNull(repositoryPrefix, "repositoryPrefix").replaceAll("^/+|/+$", "");
      this.root = p.isEmpty() ? "" : p + "/";
    }

    /**
     * Moves objects under {@code prefix} (relative to the repository, e.g. {@code postgres/}) to
     * {@code storageClass} {@code days} after they were written; objects already in that class or a
     * colder one are left alone.
     */
    public Builder transition(String prefix, String storageClass, int days) {
      String target = GcsOptions.storageClass(storageClass);
      checkArgument(
          !target.equals("STANDARD"),
          "gcs: lifecycle rules move objects to a colder class, not STANDARD");
      checkArgument(days >= 0, "days (%s) may not be negative", days);
      String full = full(prefix);
      List<StorageClass> warmer = new ArrayList<>();
      for (String c : COLDER_ORDER.subList(0, COLDER_ORDER.indexOf(target))) {
        warmer.add(StorageClass.valueOf(c));
      }
      rules.add(
          new LifecycleRule(
              LifecycleAction.newSetStorageClassAction(StorageClass.valueOf(target)),
              LifecycleCondition.newBuilder()
                  .setAge(days)
                  .setMatchesPrefix(List.of(full))
                  .setMatchesStorageClass(warmer)
                  .build()));
      movedAt.put(full, days);
      movedTo.put(full, target);
      return this;
    }

    /** Deletes objects under {@code prefix} {@code days} after they were written. */
    public Builder deleteAfter(String prefix, int days) {
      checkArgument(days >= 1, "days (%s) must be at least 1", days);
      String full = full(prefix);
      Integer moved = movedAt.get(full);
      checkArgument(
          moved == null || days > moved,
          "gcs: objects under %s would be deleted (day %s) before or when they move to %s (day %s)",
          full,
          days,
          movedTo.get(full),
          moved);
      if (moved != null) {
        int minimum = MINIMUM_DAYS.getOrDefault(movedTo.get(full), 0);
        if (days - moved < minimum) {
          note(
              "gcs: objects under "
                  + full
                  + " stay in "
                  + movedTo.get(full)
                  + " "
                  + (days - moved)
                  + " days before"
                  + " deletion; Cloud Storage bills "
                  + minimum
                  + " (its minimum storage duration)");
        }
      }
      rules.add(
          new LifecycleRule(
              LifecycleAction.newDeleteAction(),
              LifecycleCondition.newBuilder()
                  .setAge(days)
                  .setMatchesPrefix(List.of(full))
                  .build()));
      return this;
    }

    Builder note(String note) {
      notes.add(note);
      return this;
    }

    public GcsLifecycleRules build() {
      checkArgument(!rules.isEmpty(), "gcs: no lifecycle rules were added");
      // Cloud Storage allows at most 100 lifecycle rules per bucket.
      checkArgument(
          rules.size() <= 100,
          "gcs: a bucket holds at most 100 lifecycle rules (%s)",
          rules.size());
      return new GcsLifecycleRules(rules, notes);
    }

    private String full(String prefix) {
      requireNonNull(prefix, "prefix");
      GcsSink.checkPrefix(prefix);
      return root + prefix;
    }
  }
}
