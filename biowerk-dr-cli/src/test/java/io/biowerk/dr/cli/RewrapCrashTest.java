package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupReader;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.keys.Rewrap;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety of {@code keys rewrap}: the real command runs in its own JVM and is killed with
 * SIGKILL ({@link Process#destroyForcibly()}, i.e. {@code kill -9}) at a random moment; after each
 * kill every backup still restores (decoded to the end, checksums checked) with each key its
 * manifest is wrapped to, and a second rewrap finishes the job. The default run does 3 trials; the
 * {@code slow}-tagged {@link #thirtyKillsAtRandomPoints} does 30 ({@code mvn verify -Pslow}).
 */
class RewrapCrashTest {

  static final int BACKUPS = 60;

  @TempDir Path dir;

  @Test
  void threeKillsAtRandomPoints() throws Exception {
    trials(3, 11);
  }

  @Test
  @Tag("slow")
  void thirtyKillsAtRandomPoints() throws Exception {
    trials(30, 17);
  }

  void trials(int count, long seed) throws Exception {
    Path template = dir.resolve("template");
    Path keyFile = template.resolve("key");
    KeyFile keys = KeyFile.at(keyFile);
    Instant t = Instant.parse("2026-11-30T00:00:00Z");
    keys.create(java.time.Clock.fixed(t, java.time.ZoneOffset.UTC));
    KeyRing ring = KeyRing.of(keys);
    MasterKey old = ring.active();
    Path repo = template.resolve("repo");
    for (int i = 0; i < BACKUPS; i++) {
      BackupJob.of(new Fixtures.BytesSource("db", Fixtures.data(20_000 + i, i)))
          .codecs(
              ZstdCodec.defaults(), EnvelopeCodec.encryptingTo(List.of(Recipient.masterKey(old))))
          .sinks(LocalSink.open(repo))
          .clock(java.time.Clock.fixed(t.plus(Duration.ofMinutes(i)), java.time.ZoneOffset.UTC))
          .build()
          .run();
    }
    keys.rotate(java.time.Clock.fixed(t.plus(Duration.ofDays(1)), java.time.ZoneOffset.UTC));
    MasterKey current = KeyRing.of(keys).active();

    // How long a whole run takes here, JVM start included: kills are spread over that span.
    Path calibrate = copy(template, dir.resolve("calibrate"));
    long started = System.nanoTime();
    Process whole = rewrap(calibrate);
    assertThat(whole.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(whole.exitValue())
        .as(
            new String(
                whole.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
        .isZero();
    long span = Math.max(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), 200);
    assertThat(wrapCounts(calibrate.resolve("repo"), old, current)).containsExactly(0, BACKUPS);

    Random random = new Random(seed);
    int interrupted = 0;
    for (int trial = 0; trial < count; trial++) {
      Path copy = copy(template, dir.resolve("trial-" + trial));
      Process process = rewrap(copy);
      Thread.sleep((long) (random.nextDouble() * span));
      process.destroyForcibly();
      process.waitFor(60, TimeUnit.SECONDS);
      Path trialRepo = copy.resolve("repo");
      int[] counts = wrapCounts(trialRepo, old, current);
      if (counts[0] > 0 && counts[1] > 0) {
        interrupted++;
      }
      everyBackupRestoresWithEachKeyItIsWrappedTo(trialRepo, old, current);
      Rewrap.Outcome second =
          Rewrap.of(
                  LocalSink.existing(trialRepo),
                  KeyRing.of(KeyFile.at(copy.resolve("key"))),
                  current)
              .run();
      assertThat(second.rewrapped() + second.current()).isEqualTo(BACKUPS);
      assertThat(wrapCounts(trialRepo, old, current)).containsExactly(0, BACKUPS);
      everyBackupRestoresWithEachKeyItIsWrappedTo(trialRepo, old, current);
    }
    // Not an assertion on timing: a record of how many kills landed mid-run, for the log.
    System.out.printf(
        "rewrap crash: %d trials over a %d ms span, %d killed mid-run%n", count, span, interrupted);
  }

  /** [backups with a wrap to old, backups with a wrap to current]. */
  static int[] wrapCounts(Path repo, MasterKey old, MasterKey current) throws IOException {
    int[] counts = new int[2];
    List<BackupRecord> records = Catalog.of(LocalSink.existing(repo)).list();
    assertThat(records).hasSize(BACKUPS);
    for (BackupRecord record : records) {
      List<String> keys = Rewrap.keysOf(record.manifest());
      counts[0] += keys.contains(old.id()) ? 1 : 0;
      counts[1] += keys.contains(current.id()) ? 1 : 0;
    }
    return counts;
  }

  static void everyBackupRestoresWithEachKeyItIsWrappedTo(
      Path repo, MasterKey old, MasterKey current) throws IOException {
    LocalSink sink = LocalSink.existing(repo);
    Catalog catalog = Catalog.of(sink);
    assertThat(catalog.corrupt()).isEmpty();
    for (BackupRecord record : catalog.list()) {
      BackupManifest manifest = record.manifest();
      List<String> wrapped = Rewrap.keysOf(manifest);
      assertThat(wrapped).as(manifest.id()).isNotEmpty();
      BackupReader.checkStored(sink, manifest);
      for (MasterKey key : List.of(old, current)) {
        if (wrapped.contains(key.id())) {
          KeyRing only = KeyRing.of(new OneKey(key));
          try (ReadableByteChannel in = BackupReader.openDecoded(sink, manifest, only)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            while (in.read(buffer) >= 0) {
              buffer.clear();
            }
          }
        }
      }
    }
  }

  Process rewrap(Path copy) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("-Xshare:auto");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(
        List.of(
            "keys",
            "rewrap",
            "--repo",
            copy.resolve("repo").toString(),
            "--key-file",
            copy.resolve("key").toString()));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("HOME", copy.toString());
    builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.redirectError(copy.resolve("stderr.txt").toFile());
    return builder.start();
  }

  static Path copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    return to;
  }

  /** A key provider holding one key: proves a backup opens with that key and no other. */
  record OneKey(MasterKey key) implements io.biowerk.dr.core.KeyProvider {
    @Override
    public java.util.Optional<MasterKey> key(String id) {
      return java.util.Optional.ofNullable(key.id().equals(id) ? key : null);
    }

    @Override
    public java.util.Optional<String> activeKeyId() {
      return java.util.Optional.of(key.id());
    }

    @Override
    public java.util.Set<String> keyIds() {
      return java.util.Set.of(key.id());
    }
  }
}
