package io.biowerk.dr.storage.s3;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.ObjectKeys;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.retention.RetentionPolicies;
import io.biowerk.dr.core.retention.StorageTiering;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketLifecycleConfiguration;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.LifecycleRuleFilter;
import software.amazon.awssdk.services.s3.model.PutBucketLifecycleConfigurationRequest;
import software.amazon.awssdk.services.s3.model.Transition;
import software.amazon.awssdk.services.s3.model.TransitionDefaultMinimumObjectSize;
import software.amazon.awssdk.services.s3.model.TransitionStorageClass;

/**
 * A repository's storage policy as S3 bucket lifecycle rules: per key prefix, move objects to a
 * colder storage class after some days and delete them after more; and abort multipart uploads a
 * crashed backup left open. {@link #drPlan(String, Catalog)} is the DR plan's policy (Glacier after
 * 90 days, delete after a year or the retention policy's longest rule), one rule pair per source
 * the catalog holds, from {@link StorageTiering}. Nothing is sent until {@link #install} is called.
 * Immutable.
 *
 * <p>Transitions apply only to objects larger than 128 KiB: manifests and checksum side files stay
 * readable in their original class, so listing and verifying the catalog never needs a Glacier
 * restore. The expiry must be at least as long as the longest retention rule, or S3 deletes backups
 * the retention policy still keeps.
 */
public final class S3LifecycleRules {

  /** Objects at most this large are not transitioned (S3's own default minimum since 2024). */
  static final long MIN_TRANSITION_SIZE = 128 * 1024;

  private final List<LifecycleRule> rules;

  private S3LifecycleRules(List<LifecycleRule> rules) {
    this.rules = List.copyOf(rules);
  }

  /**
   * A builder for rules under {@code repositoryPrefix} (the {@link S3Options#prefix()}; may be
   * empty).
   */
  public static Builder builder(String repositoryPrefix) {
    return new Builder(repositoryPrefix);
  }

  /**
   * The DR plan's policy for the repository {@code catalog} lists: the data objects of every source
   * it holds backups of go to GLACIER after 90 days and are deleted after a year, or after the
   * plan's retention policy's longest rule if that is longer; incomplete multipart uploads are
   * aborted after 7 days. Sources added later need the rules generated again.
   *
   * @throws IOException if the catalog cannot be listed
   */
  public static S3LifecycleRules drPlan(String repositoryPrefix, Catalog catalog)
      throws IOException {
    return forTiering(
        repositoryPrefix,
        StorageTiering.forRepository(catalog, RetentionPolicies.plan()),
        TransitionStorageClass.GLACIER);
  }

  /**
   * Rules for {@code tiers}: each source's objects move to {@code coldClass} and expire as its
   * tiering says; incomplete multipart uploads are aborted after 7 days.
   */
  public static S3LifecycleRules forTiering(
      String repositoryPrefix, List<StorageTiering> tiers, TransitionStorageClass coldClass) {
    Builder builder = builder(repositoryPrefix);
    for (StorageTiering tier : tiers) {
      builder
          .transition(tier.prefix(), coldClass, tier.coldAfterDays())
          .expire(tier.prefix(), tier.expireAfterDays());
    }
    return builder.abortIncompleteUploadsAfter(7).build();
  }

  /** The rules, in the order they were added. */
  public List<LifecycleRule> rules() {
    return rules;
  }

  /** The bucket lifecycle configuration. */
  public BucketLifecycleConfiguration configuration() {
    return BucketLifecycleConfiguration.builder().rules(rules).build();
  }

  /** The request {@link #install} sends: it replaces the bucket's whole lifecycle configuration. */
  public PutBucketLifecycleConfigurationRequest request(String bucket) {
    return PutBucketLifecycleConfigurationRequest.builder()
        .bucket(bucket)
        .lifecycleConfiguration(configuration())
        .transitionDefaultMinimumObjectSize(
            TransitionDefaultMinimumObjectSize.ALL_STORAGE_CLASSES_128_K)
        .build();
  }

  /**
   * Installs the rules on {@code bucket}, replacing its lifecycle configuration (S3 keeps one per
   * bucket; merge by hand with {@code GetBucketLifecycleConfiguration} if the bucket has rules of
   * its own).
   *
   * @throws io.biowerk.dr.core.StorageException if the store refuses (access denied needs
   *     s3:PutLifecycleConfiguration; S3-compatible stores may not implement lifecycle at all)
   */
  public void install(S3Client client, String bucket) throws IOException {
    try {
      client.putBucketLifecycleConfiguration(request(bucket));
    } catch (SdkException e) {
      throw S3Errors.translate(
          e,
          "PutBucketLifecycleConfiguration",
          bucket,
          null,
          null,
          String.valueOf(client.serviceClientConfiguration().endpointOverride().orElse(null)));
    }
  }

  @Override
  public String toString() {
    List<String> lines = new ArrayList<>();
    for (LifecycleRule rule : rules) {
      lines.add(rule.id());
    }
    return "S3LifecycleRules" + lines;
  }

  /** Builds {@link S3LifecycleRules}. */
  public static final class Builder {
    private final String root;
    private final List<LifecycleRule> rules = new ArrayList<>();

    private Builder(String repositoryPrefix) {
      String p = requireNonNull(repositoryPrefix, "repositoryPrefix").replaceAll("^/+|/+$", "");
      this.root = p.isEmpty() ? "" : p + "/";
    }

    /**
     * Moves objects under {@code prefix} (relative to the repository, e.g. {@code postgres/})
     * larger than 128 KiB to {@code storageClass} {@code days} after they were written.
     */
    public Builder transition(String prefix, TransitionStorageClass storageClass, int days) {
      requireNonNull(storageClass, "storageClass");
      checkArgument(days >= 0, "days (%s) may not be negative", days);
      checkArgument(
          !(storageClass == TransitionStorageClass.STANDARD_IA
                  || storageClass == TransitionStorageClass.ONEZONE_IA)
              || days >= 30,
          "s3: S3 moves objects to %s no earlier than 30 days (asked: %s)",
          storageClass,
          days);
      String full = full(prefix);
      rules.add(
          LifecycleRule.builder()
              .id(id(prefix, "to-" + storageClass.toString().toLowerCase(Locale.ROOT)))
              .status(ExpirationStatus.ENABLED)
              .filter(f -> f.and(a -> a.prefix(full).objectSizeGreaterThan(MIN_TRANSITION_SIZE)))
              .transitions(Transition.builder().days(days).storageClass(storageClass).build())
              .build());
      return this;
    }

    /** Deletes objects under {@code prefix} {@code days} after they were written. */
    public Builder expire(String prefix, int days) {
      checkArgument(days >= 1, "days (%s) must be at least 1", days);
      String full = full(prefix);
      for (LifecycleRule rule : rules) {
        Integer moved = rule.transitions().isEmpty() ? null : rule.transitions().get(0).days();
        String rulePrefix =
            rule.filter().and() == null ? rule.filter().prefix() : rule.filter().and().prefix();
        checkArgument(
            moved == null || !full.equals(rulePrefix) || days > moved,
            "s3: objects under %s would expire (day %s) before or when they move to %s (day %s)",
            full,
            days,
            moved == null ? null : rule.transitions().get(0).storageClass(),
            moved);
      }
      rules.add(
          LifecycleRule.builder()
              .id(id(prefix, "expire"))
              .status(ExpirationStatus.ENABLED)
              .filter(LifecycleRuleFilter.builder().prefix(full).build())
              .expiration(e -> e.days(days))
              .build());
      return this;
    }

    /**
     * Aborts multipart uploads under the repository left incomplete for {@code days} (crashed
     * backups).
     */
    public Builder abortIncompleteUploadsAfter(int days) {
      checkArgument(days >= 1, "days (%s) must be at least 1", days);
      rules.add(
          LifecycleRule.builder()
              .id(id("", "abort-incomplete-uploads"))
              .status(ExpirationStatus.ENABLED)
              .filter(LifecycleRuleFilter.builder().prefix(root).build())
              .abortIncompleteMultipartUpload(a -> a.daysAfterInitiation(days))
              .build());
      return this;
    }

    public S3LifecycleRules build() {
      checkArgument(!rules.isEmpty(), "s3: no lifecycle rules were added");
      checkArgument(
          rules.size() <= 1000,
          "s3: a bucket holds at most 1,000 lifecycle rules (%s)",
          rules.size());
      return new S3LifecycleRules(rules);
    }

    private String full(String prefix) {
      requireNonNull(prefix, "prefix");
      ObjectKeys.checkPrefix(prefix);
      return root + prefix;
    }

    private String id(String prefix, String what) {
      // S3 rule ids: at most 255 characters, unique per bucket.
      String base =
          ("biowerk-" + (root + prefix).replaceAll("/+$", "").replace('/', '-') + "-" + what)
              .replaceAll("-+", "-");
      return base.length() <= 255 ? base : base.substring(0, 255);
    }
  }
}
