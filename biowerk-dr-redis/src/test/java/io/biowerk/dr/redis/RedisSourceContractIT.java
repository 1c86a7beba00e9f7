package io.biowerk.dr.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.testkit.SourceContractTest;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The source contract over a private redis-server, in sync mode (both transfer forms) and scan
 * mode.
 */
class RedisSourceContractIT {

  static RedisServers servers = new RedisServers();
  static RedisServers.Server disk;
  static RedisServers.Server diskless;

  @BeforeAll
  static void start() throws IOException {
    disk = servers.start("repl-diskless-sync no");
    diskless = servers.start("repl-diskless-sync yes");
    for (RedisServers.Server server : new RedisServers.Server[] {disk, diskless}) {
      Datasets.loadVaried(server, 30_000, 1 << 20);
    }
  }

  @AfterAll
  static void stop() {
    servers.afterAll(null);
  }

  static void check(SourceContractTest.Run run, String mode) {
    assertThat(new String(run.head(), 0, 9, StandardCharsets.US_ASCII)).isEqualTo("REDIS0010");
    assertThat(run.facts()).containsEntry("mode", mode).containsEntry("rdbVersion", 10);
    assertThat(((Map<?, ?>) run.facts().get("keys")).keySet().toString()).isEqualTo("[0, 1, 5]");
  }

  @Nested
  class DiskSync extends SourceContractTest {
    @Override
    protected Source newSource() {
      return RedisSource.of(disk.uri());
    }

    @Override
    protected Source newFailingSource() {
      return RedisSource.of(URI.create("redis://127.0.0.1:1"));
    }

    @Override
    protected void checkRun(Run run) {
      check(run, "sync");
      assertThat(run.facts()).containsEntry("transfer", "disk");
    }
  }

  @Nested
  class DisklessSync extends SourceContractTest {
    @Override
    protected Source newSource() {
      return RedisSource.of(diskless.uri());
    }

    @Override
    protected Source newFailingSource() {
      return RedisSource.of(URI.create("redis://127.0.0.1:1"));
    }

    @Override
    protected void checkRun(Run run) {
      check(run, "sync");
      assertThat(run.facts()).containsEntry("transfer", "diskless");
    }
  }

  @Nested
  class Scan extends SourceContractTest {
    @Override
    protected Source newSource() {
      return RedisSource.of(disk.uri("mode=scan"));
    }

    @Override
    protected Source newFailingSource() {
      return RedisSource.of(URI.create("redis://127.0.0.1:1"));
    }

    @Override
    protected void checkRun(Run run) {
      check(run, "scan");
    }
  }
}
