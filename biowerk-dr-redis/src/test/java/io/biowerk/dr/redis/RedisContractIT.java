package io.biowerk.dr.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.NativeVerifier;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.core.codec.Sha256;
import io.biowerk.dr.core.internal.AtomicFiles;
import io.biowerk.dr.testkit.HostileChannels;
import io.biowerk.dr.testkit.NativeBackup;
import io.biowerk.dr.testkit.NativeVerifierContractTest;
import io.biowerk.dr.testkit.RestoreTargetContractTest;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test kit's restore-target contract for the offline {@code redis-rdb://} target and the online
 * {@code redis://} target ({@link RedisRestoreTarget}, into a fresh private redis-server per test),
 * and the native-verifier contract for {@link RdbVerifier}, over an RDB snapshot taken once from a
 * real redis-server.
 */
class RedisContractIT {

  static RedisServers servers = new RedisServers();
  static NativeBackup backup;
  static RedisServers.Server origin;

  @BeforeAll
  static void snapshotOnce() throws Exception {
    origin = servers.start("repl-diskless-sync no");
    Datasets.loadVaried(origin, 2_000, 64 << 10);
    RedisSource source = RedisSource.of(origin.uri());
    byte[] bytes;
    Map<String, Object> facts;
    SourceStream opened = source.open();
    try (SourceStream stream = opened) {
      bytes = HostileChannels.HEAP.readAll(stream);
    }
    facts = opened.facts(); // after close: the run's facts are complete once it has closed
    backup = NativeBackup.of(source.kind(), source.name(), source.format(), bytes, facts);
  }

  @AfterAll
  static void stop() {
    servers.afterAll(null);
  }

  @Nested
  class RdbFileTarget extends RestoreTargetContractTest {
    @TempDir Path dir;

    @Override
    protected RestoreTarget newTarget(boolean force) {
      return RdbFileRestoreTarget.of(URI.create("redis-rdb://" + dir), force);
    }

    @Override
    protected NativeBackup backup() {
      return backup;
    }

    @Override
    protected void fill() throws Exception {
      Files.writeString(dir.resolve("dump.rdb"), "REDIS0009 an older snapshot of the operator's");
    }

    /** The files Redis could load: not the target's own hidden temp file while it writes. */
    @Override
    protected Object state() throws Exception {
      Map<String, String> files = new TreeMap<>();
      try (Stream<Path> list = Files.list(dir)) {
        for (Path p : (Iterable<Path>) list::iterator) {
          if (p.getFileName().toString().contains(AtomicFiles.TEMP_MARK)) {
            continue;
          }
          files.put(
              p.getFileName().toString(),
              Sha256.hex(Sha256.newDigest().digest(Files.readAllBytes(p))));
        }
      }
      return files;
    }

    @Override
    protected void checkRestored(NativeBackup restored) throws Exception {
      assertThat(Files.readAllBytes(dir.resolve("dump.rdb"))).isEqualTo(restored.bytes());
      assertThat(state())
          .as("nothing but dump.rdb in the directory")
          .isEqualTo(Map.of("dump.rdb", restored.manifest().rawSha256()));
    }
  }

  /**
   * The online target writes keys as the RDB streams (pipelined {@code RESTORE}), so it is not
   * transactional: the kit still checks that it restores, refuses a non-empty server without force
   * (leaving it as it was), replaces keys of the same name with force, restores again after an
   * abort, and fails on a truncated snapshot.
   */
  @Nested
  class OnlineTarget extends RestoreTargetContractTest {
    RedisServers.Server target;

    @BeforeEach
    void startTarget() throws Exception {
      target = servers.start();
    }

    @AfterEach
    void stopTarget() {
      target.kill();
    }

    @Override
    protected RestoreTarget newTarget(boolean force) {
      return RedisRestoreTarget.of(target.uri(), force);
    }

    @Override
    protected boolean transactional() {
      return false;
    }

    @Override
    protected NativeBackup backup() {
      return backup;
    }

    /**
     * Keys named as keys of the backup but holding something else (another value, another type):
     * with force the restore replaces them, so the server then holds exactly the backup.
     */
    @Override
    protected void fill() throws Exception {
      try (RespConnection c = target.connect()) {
        c.callOk("SET", "k:1", "the operator's own value");
        c.callOk("SET", "list:small", "a string where the backup has a list");
      }
    }

    /** Every key of every database with its {@code DUMP} payload (TTLs left out: they tick). */
    @Override
    protected Object state() throws Exception {
      Map<String, String> keys = new TreeMap<>();
      try (RespConnection c = target.connect()) {
        for (int db : c.keyspace().keySet()) {
          c.callOk("SELECT", db);
          String cursor = "0";
          do {
            List<?> page = (List<?>) c.callOk("SCAN", cursor, "COUNT", 1000);
            cursor = RespConnection.text(page.get(0));
            for (Object key : (List<?>) page.get(1)) {
              byte[] dump = (byte[]) c.call("DUMP", key);
              keys.put(
                  db + ":" + RespConnection.text(key),
                  dump == null ? "gone" : Sha256.hex(Sha256.newDigest().digest(dump)));
            }
          } while (!cursor.equals("0"));
        }
      }
      return keys;
    }

    @Override
    protected void checkRestored(NativeBackup restored) throws Exception {
      assertThat(restored).isSameAs(backup);
      Datasets.assertSameData(origin, target);
    }
  }

  @Nested
  class Verifier extends NativeVerifierContractTest {
    @Override
    protected NativeVerifier verifier() {
      return new RdbVerifier();
    }

    @Override
    protected NativeBackup backup() {
      return backup;
    }
  }
}
