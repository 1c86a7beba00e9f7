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
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test kit's restore-target contract for the offline {@code redis-rdb://} target and the
 * native-verifier contract for {@link RdbVerifier}, over an RDB snapshot taken once from a real
 * redis-server.
 */
class RedisContractIT {

  static RedisServers servers = new RedisServers();
  static NativeBackup backup;

  @BeforeAll
  static void snapshotOnce() throws Exception {
    RedisServers.Server server = servers.start("repl-diskless-sync no");
    Datasets.loadVaried(server, 2_000, 64 << 10);
    RedisSource source = RedisSource.of(server.uri());
    byte[] bytes;
    Map<String, Object> facts;
    try (SourceStream stream = source.open()) {
      bytes = HostileChannels.HEAP.readAll(stream);
      stream.close();
      facts = stream.facts();
    }
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
