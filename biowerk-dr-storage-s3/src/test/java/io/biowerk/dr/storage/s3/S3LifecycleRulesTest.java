package io.biowerk.dr.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.retention.GfsPolicy;
import io.biowerk.dr.core.retention.RetentionPolicies;
import io.biowerk.dr.core.retention.StorageTiering;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.AbortIncompleteMultipartUpload;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleExpiration;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.LifecycleRuleAndOperator;
import software.amazon.awssdk.services.s3.model.LifecycleRuleFilter;
import software.amazon.awssdk.services.s3.model.PutBucketLifecycleConfigurationRequest;
import software.amazon.awssdk.services.s3.model.Transition;
import software.amazon.awssdk.services.s3.model.TransitionDefaultMinimumObjectSize;
import software.amazon.awssdk.services.s3.model.TransitionStorageClass;

/**
 * The lifecycle rules built from the DR plan, checked rule by rule on the request that would be
 * sent (S3Proxy answers 501 to lifecycle configuration; {@code S3LifecycleLiveTest} installs them
 * on a real bucket).
 */
class S3LifecycleRulesTest {

  private static LifecycleRule archive(String id, String prefix) {
    return LifecycleRule.builder()
        .id(id)
        .status(ExpirationStatus.ENABLED)
        .filter(
            LifecycleRuleFilter.builder()
                .and(
                    LifecycleRuleAndOperator.builder()
                        .prefix(prefix)
                        .objectSizeGreaterThan(131072L)
                        .build())
                .build())
        .transitions(
            Transition.builder().days(90).storageClass(TransitionStorageClass.GLACIER).build())
        .build();
  }

  private static LifecycleRule expire(String id, String prefix) {
    return expire(id, prefix, 365);
  }

  private static LifecycleRule expire(String id, String prefix, int days) {
    return LifecycleRule.builder()
        .id(id)
        .status(ExpirationStatus.ENABLED)
        .filter(LifecycleRuleFilter.builder().prefix(prefix).build())
        .expiration(LifecycleExpiration.builder().days(days).build())
        .build();
  }

  @Test
  void drPlanHasARulePairPerSourceInTheCatalog() throws Exception {
    InMemorySink sink = InMemorySink.named("lifecycle");
    assertThat(S3LifecycleRules.drPlan("", Catalog.of(sink)).rules())
        .as("no backups, no source rules")
        .extracting(LifecycleRule::id)
        .containsExactly("biowerk-abort-incomplete-uploads");
    // StorageTieringTest proves one tiering per source of the catalog, with the plan's days.
    assertThat(
            S3LifecycleRules.forTiering(
                    "p",
                    StorageTiering.forSources(List.of("orders"), RetentionPolicies.plan(), 90, 365),
                    TransitionStorageClass.GLACIER)
                .rules())
        .extracting(LifecycleRule::id)
        .containsExactly(
            "biowerk-p-orders-to-glacier",
            "biowerk-p-orders-expire",
            "biowerk-p-abort-incomplete-uploads");
  }

  @Test
  void tieringPolicy() {
    PutBucketLifecycleConfigurationRequest request =
        S3LifecycleRules.forTiering(
                "prod",
                StorageTiering.forSources(
                    List.of("orders", "cache"), GfsPolicy.builder().keepDaily(30).build(), 90, 365),
                TransitionStorageClass.GLACIER)
            .request("biowerk-backups");
    assertThat(request.bucket()).isEqualTo("biowerk-backups");
    assertThat(request.transitionDefaultMinimumObjectSize())
        .isEqualTo(TransitionDefaultMinimumObjectSize.ALL_STORAGE_CLASSES_128_K);
    assertThat(request.lifecycleConfiguration().rules())
        .containsExactly(
            archive("biowerk-prod-orders-to-glacier", "prod/orders/"),
            expire("biowerk-prod-orders-expire", "prod/orders/"),
            archive("biowerk-prod-cache-to-glacier", "prod/cache/"),
            expire("biowerk-prod-cache-expire", "prod/cache/"),
            LifecycleRule.builder()
                .id("biowerk-prod-abort-incomplete-uploads")
                .status(ExpirationStatus.ENABLED)
                .filter(LifecycleRuleFilter.builder().prefix("prod/").build())
                .abortIncompleteMultipartUpload(
                    AbortIncompleteMultipartUpload.builder().daysAfterInitiation(7).build())
                .build());
  }

  @Test
  void rulesAtTheBucketRoot() {
    List<LifecycleRule> rules =
        S3LifecycleRules.builder("")
            .transition("postgres/wal/", TransitionStorageClass.STANDARD_IA, 30)
            .expire("postgres/wal/", 60)
            .build()
            .rules();
    assertThat(rules)
        .extracting(LifecycleRule::id)
        .containsExactly("biowerk-postgres-wal-to-standard_ia", "biowerk-postgres-wal-expire");
    assertThat(rules.get(0).filter().and().prefix()).isEqualTo("postgres/wal/");
    assertThat(rules.get(1).filter().prefix()).isEqualTo("postgres/wal/");
  }

  @Test
  void contradictionsAreRefused() {
    assertThatThrownBy(
            () ->
                S3LifecycleRules.builder("p")
                    .transition("redis/", TransitionStorageClass.GLACIER, 90)
                    .expire("redis/", 30))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "s3: objects under p/redis/ would expire (day 30) before or when they move to GLACIER (day 90)");
    assertThatThrownBy(
            () ->
                S3LifecycleRules.builder("p")
                    .transition("redis/", TransitionStorageClass.STANDARD_IA, 10))
        .hasMessage("s3: S3 moves objects to STANDARD_IA no earlier than 30 days (asked: 10)");
    assertThatThrownBy(() -> S3LifecycleRules.builder("p").build())
        .hasMessage("s3: no lifecycle rules were added");
    assertThatThrownBy(() -> S3LifecycleRules.builder("p").expire("../x", 3))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
