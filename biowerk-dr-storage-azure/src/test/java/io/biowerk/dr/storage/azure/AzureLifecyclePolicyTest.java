package io.biowerk.dr.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.retention.GfsPolicy;
import io.biowerk.dr.core.retention.RetentionPolicies;
import io.biowerk.dr.core.retention.StorageTiering;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AzureLifecyclePolicyTest {

  private static JsonNode rule(JsonNode policy, String name) {
    for (JsonNode rule : policy.get("rules")) {
      if (rule.get("name").asText().equals(name)) {
        return rule;
      }
    }
    throw new AssertionError("no rule " + name + " in " + policy);
  }

  private static int days(JsonNode rule, String action) {
    return rule.at("/definition/actions/baseBlob/" + action + "/daysAfterModificationGreaterThan")
        .asInt(-1);
  }

  @Test
  void theDrPlanArchivesAfter90DaysAndDeletesAfterAYearPerSourceAndFolder() throws Exception {
    JsonNode policy =
        new ObjectMapper()
            .readTree(
                AzureLifecyclePolicy.drPlan(
                        "biowerk",
                        "prod",
                        List.of("postgres", "orders_db"),
                        GfsPolicy.plan30x12x12())
                    .json());
    List<String> names = new ArrayList<>();
    policy.get("rules").forEach(r -> names.add(r.get("name").asText()));
    assertThat(names)
        .containsExactly(
            "biowerkPostgresDaily",
            "biowerkPostgresDailyArchive",
            "biowerkPostgresWeekly",
            "biowerkPostgresWeeklyArchive",
            "biowerkPostgresMonthly",
            "biowerkPostgresMonthlyArchive",
            "biowerkOrdersDbDaily",
            "biowerkOrdersDbDailyArchive",
            "biowerkOrdersDbWeekly",
            "biowerkOrdersDbWeeklyArchive",
            "biowerkOrdersDbMonthly",
            "biowerkOrdersDbMonthlyArchive");
    JsonNode daily = rule(policy, "biowerkPostgresDaily");
    assertThat(daily.get("enabled").asBoolean()).isTrue();
    assertThat(daily.get("type").asText()).isEqualTo("Lifecycle");
    assertThat(daily.at("/definition/filters/prefixMatch/0").asText())
        .isEqualTo("biowerk/prod/postgres/daily/");
    assertThat(daily.at("/definition/filters/blobTypes/0").asText()).isEqualTo("blockBlob");
    assertThat(days(daily, "tierToCool")).isEqualTo(30);
    assertThat(days(daily, "tierToCold")).isEqualTo(60);
    assertThat(days(daily, "delete")).isEqualTo(365);
    assertThat(daily.at("/definition/filters/blobIndexMatch").isMissingNode()).isTrue();

    JsonNode archive = rule(policy, "biowerkPostgresDailyArchive");
    assertThat(days(archive, "tierToArchive")).isEqualTo(90);
    assertThat(
            archive
                .at("/definition/actions/baseBlob/tierToArchive/daysAfterLastTierChangeGreaterThan")
                .asInt())
        .as("a blob rehydrated for a restore stays online for a week")
        .isEqualTo(7);
    assertThat(archive.at("/definition/filters/blobIndexMatch/0/name").asText())
        .isEqualTo(AzureLifecyclePolicy.ARCHIVABLE_TAG);
    assertThat(archive.at("/definition/filters/blobIndexMatch/0/op").asText()).isEqualTo("==");
    assertThat(archive.at("/definition/filters/blobIndexMatch/0/value").asText()).isEqualTo("true");
    assertThat(days(archive, "delete")).isEqualTo(-1);
  }

  @Test
  void deletionNeverUndercutsWhatRetentionKeeps() throws Exception {
    // 12 monthly backups live up to 13 months in monthly/: a 365-day delete would remove kept ones.
    JsonNode policy =
        new ObjectMapper()
            .readTree(
                AzureLifecyclePolicy.drPlan(
                        "biowerk", "", List.of("postgres"), GfsPolicy.plan30x12x12())
                    .json());
    assertThat(days(rule(policy, "biowerkPostgresMonthly"), "delete")).isEqualTo(13 * 31);
    assertThat(days(rule(policy, "biowerkPostgresWeekly"), "delete")).isEqualTo(365);
    assertThat(
            rule(policy, "biowerkPostgresMonthly").at("/definition/filters/prefixMatch/0").asText())
        .isEqualTo("biowerk/postgres/monthly/");

    GfsPolicy yearly = GfsPolicy.builder().keepDaily(7).keepYearly(3).build();
    AzureLifecyclePolicy long3 =
        AzureLifecyclePolicy.builder("biowerk", "").source("redis", yearly).deleteAfter(30).build();
    for (AzureLifecyclePolicy.Rule rule : long3.rules()) {
      // yearly backups wait in daily/ until their year is over, then live 3 years (+1) in monthly/
      assertThat(rule.deleteAfterDays()).isGreaterThanOrEqualTo(367);
    }
    assertThat(long3.rules().get(2).deleteAfterDays()).isEqualTo(4 * 366);
  }

  @Test
  void withoutARetentionPolicyTheAgesAreTakenAsGiven() {
    AzureLifecyclePolicy policy =
        AzureLifecyclePolicy.builder("biowerk", "/p/")
            .source("files")
            .coldAfter(10)
            .deleteAfter(20)
            .build();
    assertThat(policy.rules())
        .extracting(AzureLifecyclePolicy.Rule::prefix)
        .containsExactly(
            "biowerk/p/files/daily/", "biowerk/p/files/weekly/", "biowerk/p/files/monthly/");
    assertThat(policy.rules()).allSatisfy(r -> assertThat(r.deleteAfterDays()).isEqualTo(20));
    assertThat(policy.json()).doesNotContain("tierToArchive");
    assertThat(policy.toString()).startsWith("AzureLifecyclePolicy[biowerkFilesDaily");
  }

  @Test
  void inconsistentPoliciesAreRefused() {
    assertThatThrownBy(
            () ->
                AzureLifecyclePolicy.builder("biowerk", "")
                    .source("pg")
                    .archiveAfter(90)
                    .deleteAfter(60)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "azure lifecycle: pg/daily would be deleted (day 60) before or when it is archived (day 90)");
    assertThatThrownBy(() -> AzureLifecyclePolicy.builder("biowerk", "").coldAfter(3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("azure lifecycle: call source(...) first");
    assertThatThrownBy(
            () -> AzureLifecyclePolicy.builder("biowerk", "").source("a-b").source("a_b").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("give the same rule name biowerkABDaily");
    assertThatThrownBy(() -> AzureLifecyclePolicy.builder("biowerk", "").source("Bad Name"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AzureLifecyclePolicy.builder("biowerk", "").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("azure lifecycle: no source was added");
  }

  @Test
  void theDrPlanCoversTheSourcesTheCatalogHolds() throws Exception {
    InMemorySink sink = InMemorySink.named("azure-lifecycle");
    assertThatThrownBy(() -> AzureLifecyclePolicy.drPlan("biowerk", "prod", Catalog.of(sink)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("azure lifecycle: the repository holds no backups yet");
    // StorageTieringTest proves one tiering per source of the catalog; here, its days become rules.
    AzureLifecyclePolicy policy =
        AzureLifecyclePolicy.forTiering(
            "biowerk",
            "prod",
            StorageTiering.forSources(List.of("orders"), RetentionPolicies.plan(), 90, 365),
            RetentionPolicies.plan());
    assertThat(policy.rules())
        .extracting(AzureLifecyclePolicy.Rule::name)
        .containsExactly("biowerkOrdersDaily", "biowerkOrdersWeekly", "biowerkOrdersMonthly");
    assertThat(policy.rules())
        .allSatisfy(
            r -> {
              assertThat(r.archiveAfterDays()).isEqualTo(90);
              assertThat(r.tierAfterDays())
                  .containsEntry("tierToCool", 30)
                  .containsEntry("tierToCold", 60);
              assertThat(r.deleteAfterDays()).isGreaterThanOrEqualTo(373);
            });
  }
}
