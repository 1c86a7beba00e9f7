package io.biowerk.dr.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.NativeVerifier;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.Sources;
import java.net.URI;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class RedisProvidersTest {

  @Test
  void sourceAndTargetsAreFoundByScheme() throws Exception {
    Source source = Sources.forUri(URI.create("redis://127.0.0.1:6390"));
    assertThat(source).isInstanceOf(RedisSource.class);
    assertThat(source.kind()).isEqualTo("redis");
    assertThat(source.name()).isEqualTo("redis");
    assertThat(source.format()).isEqualTo("rdb");
    assertThat(Sources.forUri(URI.create("rediss://cache.example:6380?name=cache")))
        .isInstanceOf(RedisSource.class)
        .extracting(Source::name)
        .isEqualTo("cache");
    assertThat(Sources.targetForUri(URI.create("redis://127.0.0.1:6390"), false))
        .isInstanceOf(RedisRestoreTarget.class);
    assertThat(Sources.targetForUri(URI.create("redis-rdb:///var/lib/redis"), false))
        .isInstanceOf(RdbFileRestoreTarget.class);
    assertThat(
            ServiceLoader.load(NativeVerifier.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(v -> v.sourceKinds().contains("redis"))
                .findFirst())
        .get()
        .isInstanceOf(RdbVerifier.class);
  }

  /**
   * The offline target writes a temporary file renamed on commit, so a restore into it reads the
   * stored bytes once; the online target loads into a live server, so they are checked first.
   */
  @Test
  void theOfflineTargetStagesAndTheOnlineOneDoesNot() throws Exception {
    assertThat(Sources.targetForUri(URI.create("redis-rdb:///var/lib/redis"), false))
        .extracting(io.biowerk.dr.core.RestoreTarget::stagesUntilCommit)
        .isEqualTo(true);
    assertThat(Sources.targetForUri(URI.create("redis://127.0.0.1:6390"), true))
        .extracting(io.biowerk.dr.core.RestoreTarget::stagesUntilCommit)
        .isEqualTo(false);
  }

  @Test
  void theProvidersDescribeTheAdapter() {
    assertThat(Sources.provider("redis"))
        .get()
        .extracting(p -> p.artifact())
        .isEqualTo("biowerk-dr-redis");
    assertThat(Sources.defaultRto("redis")).contains(java.time.Duration.ofHours(1));
    assertThat(Sources.defaultRto("rediss")).contains(java.time.Duration.ofHours(1));
  }

  @Test
  void passwordNeverShows() {
    RedisSource source =
        RedisSource.of(URI.create("redis://backup:p%40ss-w0rd@10.0.0.5:6379?mode=scan"));
    assertThat(source.toString())
        .isEqualTo("redis://backup@10.0.0.5:6379 (mode=scan)")
        .doesNotContain("w0rd");
    assertThat(source.redactedUri()).isEqualTo("redis://backup@10.0.0.5:6379");
    RedisEndpoint endpoint =
        RedisEndpoint.parse(URI.create("redis://backup:p%40ss-w0rd@10.0.0.5"), RedisSource.OPTIONS);
    assertThat(endpoint.password()).contains("p@ss-w0rd");
    assertThat(endpoint.port()).isEqualTo(6379);
    assertThat(RedisEndpoint.parse(URI.create("redis://:only-pw@h:1"), RedisSource.OPTIONS).user())
        .isEmpty();
  }

  @Test
  void badOptionsAreNamed() {
    assertThatThrownBy(() -> RedisSource.of(URI.create("redis://h:1?mode=fast")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("redis: option mode (fast) must be sync, scan or auto");
    assertThatThrownBy(() -> RedisSource.of(URI.create("redis://u:secret@h:1?colour=red")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown option 'colour'")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> RedisSource.of(URI.create("redis://h:1?db=0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("only in mode=scan");
    assertThatThrownBy(() -> RedisRestoreTarget.of(URI.create("redis://h:1?db-map=0-1"), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("db-map (0-1) must be from:to pairs");
    assertThatThrownBy(
            () ->
                RdbFileRestoreTarget.of(URI.create("redis-rdb:///data?file=../etc/passwd"), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be a plain file name");
  }

  @Test
  void rdbVersionsOfRedisVersions() {
    assertThat(Rdb.versionOf("7.0.15")).isEqualTo(10);
    assertThat(Rdb.versionOf("7.2.4")).isEqualTo(11);
    assertThat(Rdb.versionOf("6.2.6")).isEqualTo(9);
    assertThat(Rdb.moduleName(Rdb.moduleIdForTest("ReJSON-RL", 3))).isEqualTo("ReJSON-RL");
  }
}
