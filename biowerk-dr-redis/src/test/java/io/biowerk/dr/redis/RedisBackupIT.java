package io.biowerk.dr.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupReader;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceFailedException;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.core.TargetNotEmptyException;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backs up a private redis-server loaded with every type and encoding (200,000+ keys, several MB
 * values, TTLs, three databases, a function library, streams with consumer groups and pending
 * entries), verifies the backup, restores it into a second private server and compares every key.
 * Then the failure cases.
 */
class RedisBackupIT {

  @RegisterExtension static RedisServers servers = new RedisServers();

  static RedisServers.Server source;

  @TempDir Path dir;
  KeyRing keys;
  LocalSink sink;

  @BeforeAll
  static void load() throws IOException {
    source = servers.start("repl-diskless-sync no");
    Datasets.loadVaried(source, 200_000, 3 << 20);
    servers.classSetupDone();
  }

  @BeforeEach
  void repository() throws IOException {
    KeyFile keyFile = KeyFile.at(dir.resolve("keys/key"));
    keyFile.create(Clock.systemUTC());
    keys = KeyRing.of(keyFile);
    sink = LocalSink.open(dir.resolve("repo"));
  }

  BackupManifest backup(Source from) throws IOException {
    return BackupJob.of(from)
        .codecs(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(keys.active(), keys))
        .sinks(sink)
        .sourceUri(from.toString())
        .build()
        .run();
  }

  String verify(BackupManifest manifest) throws IOException {
    try (ReadableByteChannel decoded = BackupReader.openDecoded(sink, manifest, keys)) {
      return new RdbVerifier().verify(manifest, VerificationLevel.NATIVE, decoded, Map.of());
    }
  }

  void restore(BackupManifest manifest, URI target, boolean force) throws IOException {
    RestoreJob.of(sink, manifest, keys, new RedisRestoreTargetProvider().create(target, force))
        .run();
  }

  @Test
  void diskSyncBackupVerifiesAndRestoresEveryKey() throws Exception {
    BackupManifest manifest = backup(RedisSource.of(source.uri()));

    Map<String, Object> facts = manifest.facts();
    assertThat(facts)
        .containsEntry("mode", "sync")
        .containsEntry("pointInTime", true)
        .containsEntry("transfer", "disk")
        .containsEntry("rdbVersion", 10)
        .containsEntry("serverVersion", "7.0.15")
        .containsEntry("functions", 1)
        .containsKey("replicationId")
        .containsKey("replicationOffset");
    try (RespConnection c = source.connect()) {
      Map<Integer, Long> keyspace = c.keyspace();
      assertThat(facts.get("keys"))
          .isEqualTo(Map.of("0", keyspace.get(0), "1", keyspace.get(1), "5", keyspace.get(5)));
    }
    assertThat(manifest.sourceName()).isEqualTo("redis");
    assertThat(manifest.dataKey()).startsWith("redis/daily/redis_").endsWith(".rdb.zst.enc");
    assertThat(verify(manifest))
        .startsWith("RDB v10: 201")
        .contains("db0=", "db1=101", "db5=2", "1 function libraries", "CRC-64");

    RedisServers.Server target = servers.start();
    restore(manifest, target.uri(), false);
    Datasets.assertSameData(source, target);
  }

  @Test
  void aDiskTransferAnnouncesTheRdbLengthAsTheExpectedSize() throws Exception {
    long read = 0;
    long expected;
    try (SourceStream stream = RedisSource.of(source.uri()).open()) {
      ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
      int n;
      while ((n = stream.read(buffer)) >= 0) {
        read += n;
        buffer.clear();
      }
      expected = stream.expectedSize();
      assertThat(stream.facts()).containsEntry("transfer", "disk");
    }
    // The server's $<length> is exactly the RDB this stream produced.
    assertThat(expected).isEqualTo(read).isPositive();
  }

  @Test
  void disklessAndScanTransfersDoNotKnowTheSizeInAdvance() throws Exception {
    RedisServers.Server diskless =
        servers.start("repl-diskless-sync yes", "repl-diskless-sync-delay 0");
    Datasets.loadVaried(diskless, 200, 1 << 10);
    for (URI uri : new URI[] {diskless.uri(), diskless.uri("mode=scan")}) {
      try (SourceStream stream = RedisSource.of(uri).open()) {
        assertThat(stream.expectedSize()).as(uri.toString()).isEqualTo(-1);
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        while (stream.read(buffer) >= 0) {
          buffer.clear();
        }
      }
    }
  }

  @Test
  void disklessSyncBackupRestoresEveryKey() throws Exception {
    RedisServers.Server diskless =
        servers.start("repl-diskless-sync yes", "repl-diskless-sync-delay 0");
    Datasets.loadVaried(diskless, 2_000, 1 << 20);
    BackupManifest manifest = backup(RedisSource.of(diskless.uri()));
    assertThat(manifest.facts())
        .containsEntry("transfer", "diskless")
        .containsEntry("mode", "sync");
    verify(manifest);
    RedisServers.Server target = servers.start();
    restore(manifest, target.uri(), false);
    Datasets.assertSameData(diskless, target);
  }

  @Test
  void scanModeWritesTheSameFormat() throws Exception {
    RedisServers.Server small = servers.start();
    Datasets.loadVaried(small, 5_000, 1 << 20);
    BackupManifest manifest = backup(RedisSource.of(small.uri("mode=scan&scan-count=500")));
    assertThat(manifest.facts())
        .containsEntry("mode", "scan")
        .containsEntry("pointInTime", false)
        .containsEntry("rdbVersion", 10)
        .containsEntry("functions", 1);
    assertThat((String) manifest.facts().get("note")).contains("not a point-in-time snapshot");
    assertThat(verify(manifest)).startsWith("RDB v10: ");
    RedisServers.Server target = servers.start();
    restore(manifest, target.uri(), false);
    Datasets.assertSameData(small, target);
  }

  @Test
  void offlineRestoreWritesADumpRdbRedisLoads() throws Exception {
    RedisServers.Server small = servers.start();
    Datasets.loadVaried(small, 3_000, 100_000);
    BackupManifest manifest = backup(RedisSource.of(small.uri()));
    Path data = Files.createDirectories(dir.resolve("redis-data"));
    restore(manifest, URI.create("redis-rdb://" + data), false);
    assertThat(data.resolve("dump.rdb")).exists();
    assertThat(count(data)).as("no temp file left").isEqualTo(1);

    assertThatThrownBy(() -> restore(manifest, URI.create("redis-rdb://" + data), false))
        .isInstanceOf(TargetNotEmptyException.class)
        .hasMessageContaining("redis: ")
        .hasMessageContaining("dump.rdb already exists")
        .hasMessageContaining("force");
    restore(manifest, URI.create("redis-rdb://" + data), true);

    RedisServers.Server loaded = servers.start("dir " + data);
    Datasets.assertSameData(small, loaded);
  }

  @Test
  void restoreRefusesAServerWithKeysUnlessForcedOrFlushedAndRemapsDatabases() throws Exception {
    RedisServers.Server small = servers.start();
    try (Datasets.Loader l = new Datasets.Loader(small.connect())) {
      l.cmd("SET", "a", "1");
      l.cmd("SET", "gone", "x", "PX", 400);
      l.cmd("SELECT", 2);
      l.cmd("SET", "b", "2");
    }
    BackupManifest manifest = backup(RedisSource.of(small.uri()));
    Thread.sleep(500); // let "gone" expire: the restore must skip it
    RedisServers.Server target = servers.start();
    try (RespConnection c = target.connect()) {
      c.callOk("SET", "existing", "1");
    }
    assertThatThrownBy(() -> restore(manifest, target.uri(), false))
        .isInstanceOf(TargetNotEmptyException.class)
        .hasMessageContaining(
            "redis: restore target redis://127.0.0.1:"
                + target.port
                + " is not empty (1 keys in db0)")
        .hasMessageContaining("flush=true");
    // Forced: the databases the backup covers (0 and 2, mapped to 0 and 7) are flushed first, so
    // "existing" in db0 is gone: the restore gives exactly the backup's state, not a merge.
    restore(manifest, target.uri("db-map=2:7"), true);
    try (RespConnection c = target.connect()) {
      assertThat(c.keyspace()).isEqualTo(Map.of(0, 1L, 7, 1L));
      assertThat(c.call("GET", "existing")).isNull();
    }
    restore(manifest, target.uri("flush=true"), false);
    try (RespConnection c = target.connect()) {
      assertThat(c.keyspace()).isEqualTo(Map.of(0, 1L, 2, 1L));
      assertThat(c.call("GET", "existing")).isNull();
    }
  }

  @Test
  void serverKilledMidTransferCommitsNothing() throws Exception {
    RedisServers.Server doomed = servers.start("repl-diskless-sync no");
    try (Datasets.Loader l = new Datasets.Loader(doomed.connect())) {
      byte[] value = new byte[1 << 20];
      new java.util.Random(7).nextBytes(value);
      for (int i = 0; i < 60; i++) {
        value[0] = (byte) i;
        l.cmd("SET", "blob:" + i, value);
      }
    }
    BackupJob job =
        BackupJob.of(RedisSource.of(doomed.uri()))
            .codecs(ZstdCodec.defaults())
            .sinks(sink)
            .buffers(2, 64 * 1024)
            .listener(
                progress -> {
                  if (progress.bytesIn() > 0 && doomed.process.isAlive()) {
                    doomed.kill();
                  }
                })
            .build();
    assertThatThrownBy(job::run)
        .isInstanceOf(SourceFailedException.class)
        .hasMessageStartingWith("redis: ")
        .hasMessageContaining("closed the connection")
        .hasMessageContaining("nothing was kept");
    assertThat(sink.list("")).as("nothing committed").isEmpty();
  }

  @Test
  void wrongPasswordIsAnAuthenticationFailureWithoutThePassword() throws Exception {
    RedisServers.Server locked = servers.start("requirepass s3cret-pw");
    URI wrong = URI.create("redis://default:not-it@127.0.0.1:" + locked.port);
    assertThatThrownBy(() -> RedisSource.of(wrong).open())
        .isInstanceOf(SourceFailedException.class)
        .hasMessageContaining(
            "redis: authentication to redis://default@127.0.0.1:" + locked.port + " failed")
        .hasMessageContaining("WRONGPASS")
        .hasMessageContaining("check the user and password")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-it"));
    URI none = URI.create("redis://127.0.0.1:" + locked.port);
    assertThatThrownBy(() -> RedisSource.of(none).open())
        .isInstanceOf(SourceFailedException.class)
        .hasMessageContaining("NOAUTH");
    BackupManifest manifest = backup(RedisSource.of(locked.uri()));
    assertThat(manifest.sourceUri()).isEqualTo("redis://default@127.0.0.1:" + locked.port);
    assertThat(Files.readString(sink.resolve(manifest.manifestKey()))).doesNotContain("s3cret-pw");
  }

  @Test
  void syncRefusedFailsWithAHintAndFallsBackToScanOnlyWhenAsked() throws Exception {
    RedisServers.Server managed =
        servers.start("rename-command SYNC \"\"", "rename-command PSYNC \"\"");
    try (Datasets.Loader l = new Datasets.Loader(managed.connect())) {
      l.cmd("SET", "a", "1");
      l.cmd("HSET", "h", "f", "v");
    }
    assertThatThrownBy(() -> backup(RedisSource.of(managed.uri())))
        .isInstanceOf(SourceFailedException.class)
        .hasMessageContaining("redis: 127.0.0.1:" + managed.port + " refused PSYNC and SYNC")
        .hasMessageContaining("?mode=scan");
    assertThat(sink.list("")).isEmpty();
    BackupManifest manifest = backup(RedisSource.of(managed.uri("mode=auto")));
    assertThat(manifest.facts())
        .containsEntry("mode", "scan")
        .containsEntry("pointInTime", false)
        .containsEntry("keys", Map.of("0", 2L));
    verify(manifest);
  }

  @Test
  void targetTooOldForThePayloadVersionIsNamed() throws Exception {
    RedisServers.Server small = servers.start();
    try (RespConnection c = small.connect()) {
      c.callOk("SET", "a", "1");
    }
    byte[] rdb = snapshot(small);
    // Pretend a newer Redis wrote it: RDB version 11 (Redis 7.2), which Redis 7.0 refuses in
    // RESTORE.
    byte[] newer = RdbSamples.withVersion(rdb, 11);
    BackupManifest manifest = BackupJob.of(RdbSamples.source(newer)).sinks(sink).build().run();
    RedisServers.Server target = servers.start();
    assertThatThrownBy(
            () ->
                RestoreJob.of(
                        sink, manifest, KeyRing.empty(), RedisRestoreTarget.of(target.uri(), false))
                    .run())
        .isInstanceOf(RedisCommandException.class)
        .hasMessageContaining("(Redis 7.0.15, RDB version 10) refused a payload of RDB version 11")
        .hasMessageContaining("restore into Redis of at least");
  }

  @Test
  void damagedSnapshotsAreNamed() throws Exception {
    RedisServers.Server small = servers.start();
    Datasets.loadVaried(small, 1_000, 10_000);
    byte[] rdb = snapshot(small);
    assertThat(RdbSamples.parse(rdb).totalKeys()).isGreaterThan(1_000);

    byte[] flipped = rdb.clone();
    int at = RdbSamples.indexOf(flipped, "value-500".getBytes(StandardCharsets.UTF_8));
    flipped[at + 6] = 'X';
    assertThatThrownBy(() -> RdbSamples.parse(flipped))
        .isInstanceOf(io.biowerk.dr.core.IntegrityException.class)
        .hasMessageContaining("redis: RDB checksum mismatch")
        .hasMessageContaining("do not restore");

    byte[] cut = java.util.Arrays.copyOf(rdb, rdb.length / 2);
    assertThatThrownBy(() -> RdbSamples.parse(cut))
        .isInstanceOf(io.biowerk.dr.core.IntegrityException.class)
        .hasMessageContaining("redis: RDB stream truncated at byte")
        .hasMessageContaining("incomplete");

    byte[] future = rdb.clone();
    System.arraycopy("REDIS0099".getBytes(StandardCharsets.UTF_8), 0, future, 0, 9);
    assertThatThrownBy(() -> RdbSamples.parse(future))
        .isInstanceOf(UnsupportedRdbException.class)
        .hasMessageContaining("redis: RDB version 99 is not supported");

    byte[] trailing = java.util.Arrays.copyOf(rdb, rdb.length + 1);
    assertThatThrownBy(() -> RdbSamples.parse(trailing))
        .isInstanceOf(io.biowerk.dr.core.IntegrityException.class)
        .hasMessageContaining("bytes follow the RDB trailer");
  }

  @Test
  void offlineTargetRefusesADamagedSnapshotAndLeavesNoFile() throws Exception {
    RedisServers.Server small = servers.start();
    try (RespConnection c = small.connect()) {
      c.callOk("SET", "value-key", "value-1234567");
    }
    byte[] rdb = snapshot(small);
    byte[] flipped = rdb.clone();
    flipped[RdbSamples.indexOf(flipped, "value-1234567".getBytes(StandardCharsets.UTF_8)) + 7] =
        'Y';
    BackupManifest manifest = BackupJob.of(RdbSamples.source(flipped)).sinks(sink).build().run();
    Path data = Files.createDirectories(dir.resolve("offline"));
    assertThatThrownBy(
            () ->
                RestoreJob.of(
                        sink,
                        manifest,
                        KeyRing.empty(),
                        RdbFileRestoreTarget.of(URI.create("redis-rdb://" + data), false))
                    .run())
        .isInstanceOf(io.biowerk.dr.core.IntegrityException.class)
        .hasMessageContaining("bad RDB CRC-64")
        .hasMessageContaining("left unchanged");
    assertThat(count(data)).isZero();
  }

  @Test
  void tlsBackupAndRestoreOverRediss() throws Exception {
    RedisServers.Server secure = servers.startTls("repl-diskless-sync no");
    Datasets.loadVaried(secure, 1_000, 50_000);
    BackupManifest manifest = backup(RedisSource.of(secure.uri()));
    assertThat(manifest.sourceUri()).isEqualTo("rediss://127.0.0.1:" + secure.port);
    verify(manifest);
    RedisServers.Server target = servers.startTls();
    restore(manifest, target.uri(), false);
    Datasets.assertSameData(secure, target);
    // Without the CA the JDK's trust store refuses the self-signed certificate, and the error says
    // where to look.
    URI untrusted = URI.create("rediss://127.0.0.1:" + secure.port);
    assertThatThrownBy(() -> RedisSource.of(untrusted).open())
        .isInstanceOf(SourceFailedException.class)
        .hasMessageContaining("redis: cannot connect to 127.0.0.1:" + secure.port)
        .hasMessageContaining("trust store");
  }

  @Test
  void restoreLevelVerificationRestoresIntoAScratchServer() throws Exception {
    RedisServers.Server small = servers.start();
    Datasets.loadVaried(small, 2_000, 10_000);
    BackupManifest manifest = backup(RedisSource.of(small.uri()));
    RedisServers.Server scratch = servers.start();
    try (RespConnection c = scratch.connect()) {
      c.callOk("SET", "leftover", "x"); // a scratch server is flushed first
    }
    String line;
    try (ReadableByteChannel decoded = BackupReader.openDecoded(sink, manifest, keys)) {
      line =
          new RdbVerifier()
              .verify(
                  manifest,
                  VerificationLevel.RESTORE,
                  decoded,
                  Map.of("scratch-uri", scratch.uri().toString()));
    }
    assertThat(line)
        .isEqualTo("redis restore into scratch server: 3122 keys (db0=3019, db1=101, db5=2)");
    Datasets.assertSameData(small, scratch);
    try (ReadableByteChannel decoded = BackupReader.openDecoded(sink, manifest, keys)) {
      assertThatThrownBy(
              () ->
                  new RdbVerifier().verify(manifest, VerificationLevel.RESTORE, decoded, Map.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("redis: restore verification needs " + "the option scratch-uri");
    }
  }

  @Test
  void verifierComparesKeyCountsWithTheManifest() throws Exception {
    RedisServers.Server small = servers.start();
    try (RespConnection c = small.connect()) {
      c.callOk("SET", "a", "1");
      c.callOk("SET", "b", "2");
    }
    BackupManifest manifest = backup(RedisSource.of(small.uri()));
    Map<String, Object> facts = new java.util.LinkedHashMap<>(manifest.facts());
    facts.put("keys", Map.of("0", 3L));
    BackupManifest lying =
        new BackupManifest(
            manifest.id(),
            manifest.sourceKind(),
            manifest.sourceName(),
            manifest.sourceUri(),
            manifest.format(),
            manifest.startedAt(),
            manifest.finishedAt(),
            manifest.codecs(),
            manifest.keyId(),
            manifest.rawSize(),
            manifest.storedSize(),
            manifest.rawSha256(),
            manifest.storedSha256(),
            manifest.dataKey(),
            facts);
    try (ReadableByteChannel decoded = BackupReader.openDecoded(sink, manifest, keys)) {
      assertThatThrownBy(
              () -> new RdbVerifier().verify(lying, VerificationLevel.NATIVE, decoded, Map.of()))
          .isInstanceOf(io.biowerk.dr.core.IntegrityException.class)
          .hasMessageContaining("holds keys per database {0=2} but its manifest recorded {0=3}");
    }
  }

  @Test
  void damagedOrShortSnapshotsFromTheServerCommitNothing() throws Exception {
    RedisServers.Server small = servers.start();
    Datasets.loadVaried(small, 500, 10_000);
    byte[] rdb = snapshot(small);
    byte[] flipped = rdb.clone();
    flipped[RdbSamples.indexOf(flipped, "value-400".getBytes(StandardCharsets.UTF_8)) + 6] = 'Z';
    for (boolean marked : new boolean[] {false, true}) {
      try (FakeMaster master = new FakeMaster(flipped, marked, flipped.length)) {
        assertThatThrownBy(
                () -> backup(RedisSource.of(URI.create("redis://127.0.0.1:" + master.port()))))
            .as("damaged, marked=%s", marked)
            .isInstanceOf(SourceFailedException.class)
            .hasMessageContaining("redis: RDB checksum mismatch")
            .hasMessageContaining("nothing was kept");
      }
      try (FakeMaster master = new FakeMaster(rdb, marked, rdb.length / 2)) {
        assertThatThrownBy(
                () -> backup(RedisSource.of(URI.create("redis://127.0.0.1:" + master.port()))))
            .as("cut, marked=%s", marked)
            .isInstanceOf(SourceFailedException.class)
            .hasMessageContaining("closed the connection after")
            .hasMessageContaining("nothing was kept");
      }
      try (FakeMaster master = new FakeMaster(rdb, marked, rdb.length)) {
        BackupManifest good =
            backup(RedisSource.of(URI.create("redis://127.0.0.1:" + master.port())));
        assertThat(good.facts())
            .containsEntry("transfer", marked ? "diskless" : "disk")
            .containsEntry("replicationId", "5f3c0000000000000000000000000000000000aa");
        assertThat(good.rawSize()).isEqualTo(rdb.length);
        sink.delete(good.manifestKey());
        sink.delete(good.sha256Key());
        sink.delete(good.dataKey());
      }
    }
    assertThat(sink.list("")).as("nothing committed by the failed runs").isEmpty();
  }

  @Test
  void serverKilledDuringADisklessTransferCommitsNothing() throws Exception {
    RedisServers.Server doomed = servers.start("repl-diskless-sync yes");
    try (Datasets.Loader l = new Datasets.Loader(doomed.connect())) {
      byte[] value = new byte[1 << 20];
      new java.util.Random(8).nextBytes(value);
      for (int i = 0; i < 60; i++) {
        value[0] = (byte) i;
        l.cmd("SET", "blob:" + i, value);
      }
    }
    BackupJob job =
        BackupJob.of(RedisSource.of(doomed.uri()))
            .codecs(ZstdCodec.defaults())
            .sinks(sink)
            .buffers(2, 64 * 1024)
            .listener(
                progress -> {
                  if (progress.bytesIn() > 0 && doomed.process.isAlive()) {
                    doomed.kill();
                  }
                })
            .build();
    assertThatThrownBy(job::run)
        .isInstanceOf(SourceFailedException.class)
        .hasMessageContaining("before the end mark")
        .hasMessageContaining("nothing was kept");
    assertThat(sink.list("")).isEmpty();
  }

  @Test
  void scanModeSelectsDatabasesAndLfuCountersSurviveTheRestore() throws Exception {
    RedisServers.Server lfu = servers.start("maxmemory-policy allkeys-lfu");
    try (Datasets.Loader l = new Datasets.Loader(lfu.connect())) {
      l.cmd("SET", "hot", "1");
      for (int i = 0; i < 50; i++) {
        l.cmd("GET", "hot");
      }
      l.cmd("SELECT", 1);
      l.cmd("SET", "other", "2");
    }
    BackupManifest only1 = backup(RedisSource.of(lfu.uri("mode=scan&db=1")));
    assertThat(only1.facts()).containsEntry("keys", Map.of("1", 1L));

    BackupManifest synced = backup(RedisSource.of(lfu.uri()));
    RedisServers.Server target = servers.start("maxmemory-policy allkeys-lfu");
    restore(synced, target.uri(), false);
    try (RespConnection a = lfu.connect();
        RespConnection b = target.connect()) {
      long before = (Long) a.callOk("OBJECT", "FREQ", "hot");
      assertThat(before).isGreaterThan(5);
      assertThat((Long) b.callOk("OBJECT", "FREQ", "hot"))
          .as("LFU counter restored with FREQ")
          .isBetween(before - 2, before);
    }
  }

  /** The raw RDB a sync backup of {@code server} produces. */
  static byte[] snapshot(RedisServers.Server server) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (SourceStream stream = RedisSource.of(server.uri()).open()) {
      ByteBuffer buffer = ByteBuffer.allocate(65536);
      while (stream.read(buffer) >= 0) {
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
    }
    return out.toByteArray();
  }

  private static long count(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.count();
    }
  }
}
