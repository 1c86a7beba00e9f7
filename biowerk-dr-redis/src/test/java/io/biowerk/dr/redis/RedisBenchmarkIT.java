package io.biowerk.dr.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupReader;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figures for docs/benchmarks.md ({@code ## redis}): a sync backup (zstd + AES-256-GCM to a
 * local repository) of 1,000,000 keys against {@code redis-cli --rdb} to a file, alternating, in
 * one run; online restore keys/s pipelined against one {@code RESTORE} per round trip. Prints a
 * markdown block; asserts only that the runs did what they claim (key counts), never a speed.
 *
 * <p>Run: {@code mvn -o -pl biowerk-dr-redis -am verify -Pslow -Dtest=NoSuch
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=RedisBenchmarkIT -Dbench.keys=1000000}
 */
@Tag("slow")
class RedisBenchmarkIT {

  @RegisterExtension static RedisServers servers = new RedisServers();

  @TempDir Path dir;

  @Test
  void backupAgainstRedisCliAndRestoreRates() throws Exception {
    int keys = Integer.getInteger("bench.keys", 1_000_000);
    int rounds = Integer.getInteger("bench.rounds", 3);
    boolean diskless = Boolean.getBoolean("bench.diskless");
    RedisServers.Server source = servers.start("repl-diskless-sync " + (diskless ? "yes" : "no"));
    long loadStart = System.nanoTime();
    try (Datasets.Loader l = new Datasets.Loader(source.connect())) {
      List<Object> mset = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        if (mset.isEmpty()) {
          mset.add("MSET");
        }
        mset.add("user:" + i + ":profile");
        mset.add(
            "{\"id\":"
                + i
                + ",\"name\":\"user-"
                + i
                + "\",\"plan\":\""
                + (i % 3 == 0 ? "pro" : "free")
                + "\"}");
        if (mset.size() > 2000) {
          l.cmd(mset.toArray());
          mset.clear();
        }
      }
      if (!mset.isEmpty()) {
        l.cmd(mset.toArray());
      }
    }
    double loadSeconds = (System.nanoTime() - loadStart) / 1e9;

    KeyFile keyFile = KeyFile.at(dir.resolve("keys/key"));
    keyFile.create(Clock.systemUTC());
    KeyRing ring = KeyRing.of(keyFile);
    LocalSink sink = LocalSink.open(dir.resolve("repo"));
    // Warm-up (JIT, page cache), not measured.
    try (Datasets.Loader l = new Datasets.Loader(servers.start().connect())) {
      l.cmd("PING");
    }
    BackupManifest warm =
        BackupJob.of(RedisSource.of(source.uri()))
            .codecs(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(ring.active(), ring))
            .sinks(sink)
            .build()
            .run();
    sink.delete(warm.manifestKey());
    sink.delete(warm.sha256Key());
    sink.delete(warm.dataKey());
    double[] cli = new double[rounds];
    double[] ours = new double[rounds];
    double[] fast = new double[rounds];
    double[] worker = new double[rounds];
    long rdbBytes = 0;
    long fastStored = 0;
    BackupManifest manifest = null;
    for (int round = 0; round < rounds; round++) {
      Path file = dir.resolve("cli-" + round + ".rdb");
      long t0 = System.nanoTime();
      Process process =
          new ProcessBuilder(
                  "redis-cli", "-p", Integer.toString(source.port), "--rdb", file.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("cli.log").toFile())
              .start();
      assertThat(process.waitFor(600, TimeUnit.SECONDS) && process.exitValue() == 0)
          .as("redis-cli --rdb")
          .isTrue();
      cli[round] = (System.nanoTime() - t0) / 1e9;
      rdbBytes = Files.size(file);
      Files.delete(file);

      long t1 = System.nanoTime();
      manifest =
          BackupJob.of(RedisSource.of(source.uri()))
              .codecs(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(ring.active(), ring))
              .sinks(sink)
              .build()
              .run();
      ours[round] = (System.nanoTime() - t1) / 1e9;
      assertThat(manifest.facts().get("keyCount")).isEqualTo((long) keys);
      if (round < rounds - 1) {
        sink.delete(manifest.manifestKey());
        sink.delete(manifest.sha256Key());
        sink.delete(manifest.dataKey());
      }

      long t4 = System.nanoTime();
      BackupManifest threaded =
          BackupJob.of(RedisSource.of(source.uri()))
              .codecs(ZstdCodec.of(3, 1, 0), EncryptionCodec.encryptingWith(ring.active(), ring))
              .sinks(sink)
              .build()
              .run();
      worker[round] = (System.nanoTime() - t4) / 1e9;
      sink.delete(threaded.manifestKey());
      sink.delete(threaded.sha256Key());
      sink.delete(threaded.dataKey());

      long t3 = System.nanoTime();
      BackupManifest level1 =
          BackupJob.of(RedisSource.of(source.uri()))
              .codecs(ZstdCodec.of(1, 0, 0), EncryptionCodec.encryptingWith(ring.active(), ring))
              .sinks(sink)
              .build()
              .run();
      fast[round] = (System.nanoTime() - t3) / 1e9;
      fastStored = level1.storedSize();
      sink.delete(level1.manifestKey());
      sink.delete(level1.sha256Key());
      sink.delete(level1.dataKey());
    }

    // Online restore, pipelined: the whole backup into an empty server.
    RedisServers.Server target = servers.start();
    long t2 = System.nanoTime();
    RestoreJob.of(sink, manifest, ring, RedisRestoreTarget.of(target.uri(), false)).run();
    double pipelined = (System.nanoTime() - t2) / 1e9;
    try (RespConnection c = target.connect()) {
      assertThat(c.keyspace().get(0)).isEqualTo((long) keys);
    }

    // One RESTORE per round trip, for a sample of keys (all of them would take minutes).
    int sample = Integer.getInteger("bench.single", 20_000);
    RedisServers.Server single = servers.start();
    long[] timing = new long[1];
    int[] sent = new int[1];
    try (ReadableByteChannel decoded = BackupReader.openDecoded(sink, manifest, ring);
        RespConnection c = single.connect()) {
      RdbParser.over(decoded)
          .parse(
              new RdbVisitor() {
                @Override
                public boolean wantsPayloads() {
                  return true;
                }

                @Override
                public void key(RdbKey key) throws IOException {
                  if (sent[0] >= sample) {
                    return;
                  }
                  long t = System.nanoTime();
                  Object reply =
                      c.call(
                          "RESTORE",
                          key.key(),
                          "0",
                          Arrays.copyOf(key.payload(), key.payloadLength()),
                          "REPLACE",
                          "ABSTTL");
                  timing[0] += System.nanoTime() - t;
                  assertThat(reply).isEqualTo("OK");
                  sent[0]++;
                }
              });
    }
    double singleSeconds = timing[0] / 1e9;

    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "keys: %,d (loaded in %.1f s), RDB %.1f MB; stored %.1f MB with zstd 3 + "
                + "AES-256-GCM, %.1f MB with zstd 1 + AES-256-GCM; repl-diskless-sync %s%n",
            keys,
            loadSeconds,
            rdbBytes / 1e6,
            manifest.storedSize() / 1e6,
            fastStored / 1e6,
            diskless ? "yes" : "no"));
    md.append(
        "| round | redis-cli --rdb (s) | biowerk zstd 3 + enc (s) | zstd 3 (1 worker) + enc (s) "
            + "| zstd 1 + enc (s) |\n|---|---|---|---|---|\n");
    for (int i = 0; i < rounds; i++) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %d | %.2f | %.2f | %.2f | %.2f |%n",
              i + 1,
              cli[i],
              ours[i],
              worker[i],
              fast[i]));
    }
    Arrays.sort(cli);
    Arrays.sort(ours);
    Arrays.sort(fast);
    Arrays.sort(worker);
    double workerMedian = worker[rounds / 2];
    double cliMedian = cli[rounds / 2];
    double oursMedian = ours[rounds / 2];
    double fastMedian = fast[rounds / 2];
    md.append(
        String.format(
            Locale.ROOT,
            "| median | %.2f | %.2f (%.2fx) | %.2f (%.2fx) | %.2f (%.2fx) |%n",
            cliMedian,
            oursMedian,
            oursMedian / cliMedian,
            workerMedian,
            workerMedian / cliMedian,
            fastMedian,
            fastMedian / cliMedian));
    md.append(
        String.format(
            Locale.ROOT,
            "online restore pipelined: %,d keys in %.2f s = %,.0f keys/s%n",
            keys,
            pipelined,
            keys / pipelined));
    md.append(
        String.format(
            Locale.ROOT,
            "online restore one RESTORE per round trip: %,d keys in %.2f s = %,.0f keys/s"
                + " (pipelined is %.1fx)%n",
            sent[0],
            singleSeconds,
            sent[0] / singleSeconds,
            (keys / pipelined) / (sent[0] / singleSeconds)));
    System.out.println("\n=== redis benchmark ===\n" + md);
    Files.writeString(Path.of("target/redis-benchmark.md"), md);
  }
}
