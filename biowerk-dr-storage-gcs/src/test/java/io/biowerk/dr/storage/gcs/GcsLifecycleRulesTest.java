package io.biowerk.dr.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.storage.BucketInfo.LifecycleRule;
import com.google.cloud.storage.StorageClass;
import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.retention.GfsPolicy;
import io.biowerk.dr.testkit.InMemorySource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Lifecycle rules generated from a retention policy, and their installation on a bucket as the JSON
 * API receives it ({@link JsonApiTestServer}, a test double of the JSON API).
 */
class GcsLifecycleRulesTest {

  private static GcsLifecycleRules plan(String prefix, List<String> sources, GfsPolicy policy) {
    return GcsLifecycleRules.forRetention(prefix, sources, policy, "ARCHIVE", 90, 365);
  }

  @Test
  void theDrPlanArchivesAfter90DaysAndDeletesAfterAYearPerSource() {
    GcsLifecycleRules rules =
        plan(
            "prod",
            List.of("postgres", "orders"),
            GfsPolicy.builder().keepDaily(30).keepWeekly(12).keepMonthly(6).build());
    assertThat(rules.rules()).hasSize(4);
    LifecycleRule archive = rules.rules().get(0);
    assertThat(archive.getAction())
        .isInstanceOf(LifecycleRule.SetStorageClassLifecycleAction.class);
    assertThat(
            ((LifecycleRule.SetStorageClassLifecycleAction) archive.getAction()).getStorageClass())
        .isEqualTo(StorageClass.ARCHIVE);
    assertThat(archive.getCondition().getAge()).isEqualTo(90);
    assertThat(archive.getCondition().getMatchesPrefix()).containsExactly("prod/postgres/");
    assertThat(archive.getCondition().getMatchesStorageClass())
        .containsExactly(StorageClass.STANDARD, StorageClass.NEARLINE, StorageClass.COLDLINE);
    LifecycleRule delete = rules.rules().get(1);
    assertThat(delete.getAction().getActionType()).isEqualTo("Delete");
    assertThat(delete.getCondition().getAge()).isEqualTo(365);
    assertThat(delete.getCondition().getMatchesPrefix()).containsExactly("prod/postgres/");
    assertThat(rules.rules().get(3).getCondition().getMatchesPrefix())
        .containsExactly("prod/orders/");
    assertThat(rules.notes())
        .anyMatch(n -> n.contains("ARCHIVE 275 days") && n.contains("bills 365"));
  }

  @Test
  void theDeleteRuleNeverComesBeforeRetentionCanStopKeepingABackup() {
    GcsLifecycleRules rules = plan("", List.of("postgres"), GfsPolicy.plan30x12x12());
    // 12 monthly: the oldest kept backup can be 12 x 31 days old, plus a day of slack
    // (StorageTiering).
    assertThat(rules.rules().get(1).getCondition().getAge()).isEqualTo(12 * 31 + 1);
    assertThat(rules.notes())
        .anyMatch(n -> n.contains("day 373, not 365") && n.contains("can keep a backup"));
    GfsPolicy yearly = GfsPolicy.builder().keepDaily(7).keepYearly(3).build();
    assertThat(plan("", List.of("pg"), yearly).rules().get(1).getCondition().getAge())
        .isEqualTo(3 * 366 + 1);
  }

  @Test
  void keepLastAndStoppedBackupsAreWarnedAboutAndDeletionCanBeLeftToRetention() {
    GfsPolicy last = GfsPolicy.builder().keepLast(5).keepDaily(7).build();
    GcsLifecycleRules rules = plan("", List.of("pg"), last);
    assertThat(rules.notes()).anyMatch(n -> n.contains("keep-last 5 has no age bound"));
    assertThat(rules.notes()).anyMatch(n -> n.contains("newest backup"));
    GcsLifecycleRules archiveOnly =
        GcsLifecycleRules.forRetention("", List.of("pg"), last, "COLDLINE", 90, 0);
    assertThat(archiveOnly.rules())
        .singleElement()
        .satisfies(r -> assertThat(r.getAction().getActionType()).isEqualTo("SetStorageClass"));
    assertThat(archiveOnly.notes()).isEmpty();
  }

  @Test
  void refusesRulesThatContradictEachOther() {
    assertThatThrownBy(
            () ->
                GcsLifecycleRules.builder("")
                    .transition("pg/", "ARCHIVE", 90)
                    .deleteAfter("pg/", 30))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deleted (day 30) before or when they move to ARCHIVE (day 90)");
    assertThatThrownBy(() -> GcsLifecycleRules.builder("").transition("pg/", "STANDARD", 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> plan("", List.of("a/b"), GfsPolicy.plan30x12x12()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one key segment");
    assertThatThrownBy(() -> GcsLifecycleRules.builder("").transition("../x/", "ARCHIVE", 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void drPlanCoversEverySourceTheCatalogHoldsAndInstallSendsThem() throws Exception {
    try (JsonApiTestServer server = new JsonApiTestServer().bucket("rules");
        GcsSink sink = GcsSink.open(server.options("rules").prefix("bw").build())) {
      GcsLifecycleRules.forRetention(
              "bw", List.of("postgres"), GfsPolicy.plan30x12x12(), "ARCHIVE", 90, 365)
          .install(sink.storage(), "rules");
      JsonNode rule = server.bucketResource("rules").path("lifecycle").path("rule");
      assertThat(rule).hasSize(2);
      assertThat(rule.get(0).path("action").path("type").asText()).isEqualTo("SetStorageClass");
      assertThat(rule.get(0).path("action").path("storageClass").asText()).isEqualTo("ARCHIVE");
      assertThat(rule.get(0).path("condition").path("age").asInt()).isEqualTo(90);
      assertThat(rule.get(0).path("condition").path("matchesPrefix").get(0).asText())
          .isEqualTo("bw/postgres/");
      assertThat(rule.get(1).path("action").path("type").asText()).isEqualTo("Delete");
      assertThat(rule.get(1).path("condition").path("age").asInt()).isEqualTo(373);
      assertThatThrownBy(
              () -> GcsLifecycleRules.drPlan("bw", Catalog.of(sink), GfsPolicy.plan30x12x12()))
          .as("a repository without backups has no sources to write rules for")
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at least one source");
      BackupJob.of(InMemorySource.of(new byte[] {1}).named("orders", "dump"))
          .sinks(sink)
          .build()
          .run();
      assertThat(GcsLifecycleRules.drPlan("bw", Catalog.of(sink), GfsPolicy.plan30x12x12()).rules())
          .flatExtracting(r -> r.getCondition().getMatchesPrefix())
          .containsOnly("bw/orders/");

      sink.setBucketRetention(Duration.ofDays(30));
      assertThat(
              server
                  .bucketResource("rules")
                  .path("retentionPolicy")
                  .path("retentionPeriod")
                  .asText())
          .isEqualTo(Long.toString(Duration.ofDays(30).toSeconds()));
    }
  }
}
