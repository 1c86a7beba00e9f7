package io.biowerk.dr.core.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Backups;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.RetentionDecision;
import io.biowerk.dr.core.RetentionPlan;
import io.biowerk.dr.core.catalog.Catalog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Printing a retention plan is the dry run: one line per backup and a summary, no manifests. */
class RetentionPlanPrintTest {

  static final Instant START = Instant.parse("2023-01-01T02:00:00Z");

  @Test
  void printsOneLinePerBackupWithItsDecisionAndRuleAndASummary() throws Exception {
    InMemorySink sink = InMemorySink.named("test");
    BackupManifest first = null;
    for (int day = 0; day < 40; day++) {
      BackupManifest m = Backups.write(sink, "postgres", START.plus(Duration.ofDays(day)), "daily");
      first = first == null ? m : first;
    }
    Instant now = START.plus(Duration.ofDays(39)).plus(Duration.ofHours(6));
    RetentionPlan plan =
        Retention.plan(Catalog.of(sink), "postgres", GfsPolicy.plan30x12x12(), now);

    String printed = plan.toString();
    List<String> lines = printed.lines().toList();
    assertThat(lines).hasSize(plan.decisions().size() + 1);
    assertThat(lines.get(0))
        .isEqualTo(
            "retention plan: 40 backups, keep "
                + plan.kept().size()
                + ", delete "
                + plan.deleted().size());
    RetentionDecision newest = plan.decisions().get(0);
    assertThat(lines.get(1))
        .isEqualTo(
            "keep   "
                + newest.backup().id()
                + " daily  newest, daily 1/30, weekly 1/12,"
                + " monthly 1/12");
    RetentionDecision deleted = plan.deleted().get(0);
    assertThat(lines)
        .anyMatch(
            l ->
                l.startsWith("delete " + deleted.backup().id() + " ")
                    && l.endsWith(String.join(", ", deleted.reasons())));
    // no manifest dumped: no checksums, data keys or facts
    assertThat(printed)
        .doesNotContain(first.rawSha256())
        .doesNotContain(first.dataKey())
        .doesNotContain("BackupManifest");
  }
}
