package io.biowerk.dr.core.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.Backups;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.catalog.Catalog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StorageTieringTest {

  static final Instant T = Instant.parse("2024-01-15T02:00:00Z");

  @Test
  void oneTieringPerSourceTheCatalogHoldsWhateverItsName() throws Exception {
    InMemorySink sink = InMemorySink.named("tiers");
    Backups.write(sink, "orders", T, BackupLayout.DAILY);
    Backups.write(sink, "orders", T.plus(Duration.ofDays(1)), BackupLayout.DAILY);
    Backups.write(sink, "session-cache", T, BackupLayout.WEEKLY);
    assertThat(StorageTiering.forRepository(Catalog.of(sink), RetentionPolicies.plan()))
        .containsExactly(
            new StorageTiering("orders", 90, 373), new StorageTiering("session-cache", 90, 373));
  }

  @Test
  void theExpiryReachesThePolicysLongestRule() {
    GfsPolicy shortOnly = GfsPolicy.builder().keepDaily(7).build();
    assertThat(StorageTiering.forSources(List.of("a"), shortOnly, 90, 365))
        .containsExactly(new StorageTiering("a", 90, 365));
    GfsPolicy yearly = GfsPolicy.builder().keepYearly(3).build();
    assertThat(StorageTiering.forSources(List.of("a"), yearly, 90, 365).get(0).expireAfterDays())
        .isEqualTo(3 * 366 + 1);
    GfsPolicy within = GfsPolicy.builder().keepWithin(Duration.ofDays(500)).build();
    assertThat(StorageTiering.forSources(List.of("a"), within, 30, 60).get(0).expireAfterDays())
        .isEqualTo(501);
    assertThat(new StorageTiering("a", 30, 60).prefix()).isEqualTo("a/");
  }

  @Test
  void badTieringsAreRefused() {
    assertThatThrownBy(() -> new StorageTiering("a", 90, 90))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expireAfterDays (90) must be later than coldAfterDays (90)");
    assertThatThrownBy(() -> new StorageTiering("Bad Name", 1, 2))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
