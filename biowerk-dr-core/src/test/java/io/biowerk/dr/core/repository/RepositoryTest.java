package io.biowerk.dr.core.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupNotFoundException;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.CodecSpec;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.ProgressListener;
import io.biowerk.dr.core.RetentionPlan;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.files.FilesRestoreTarget;
import io.biowerk.dr.core.files.FilesSource;
import io.biowerk.dr.core.retention.ApplyResult;
import io.biowerk.dr.core.retention.RetentionPolicies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one entry point: each operation in one call, on a real local directory and a real tree. */
class RepositoryTest {

  @TempDir Path dir;

  /** A clock a test moves forward; backups made a day apart get distinct ids and tiers. */
  static final class SteppingClock extends Clock {
    Instant now = Instant.parse("2026-11-01T02:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  Path tree() throws Exception {
    Path root = dir.resolve("app");
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(root.resolve("conf/app.yml"), "port: 8080\n".repeat(500));
    Files.writeString(root.resolve("README"), "hello\n");
    return root;
  }

  @Test
  void backsUpListsVerifiesRestoresAndPrunesEachInOneCall() throws Exception {
    SteppingClock clock = new SteppingClock();
    Path tree = tree();
    try (Repository repo =
        Repository.builder()
            .sink(dir.resolve("repo"))
            .keyFile(dir.resolve("keys/ring"))
            .clock(clock)
            .retention(RetentionPolicies.parse("last=2"))
            .build()) {
      List<BackupManifest> made = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        made.add(repo.backup(FilesSource.of(tree, "config")));
        clock.now = clock.now.plus(Duration.ofDays(1));
      }
      BackupManifest newest = made.get(3);
      // The defaults: zstd level 3, then AES-256-GCM under the ring's active key.
      assertThat(newest.codecs()).extracting(CodecSpec::id).containsExactly("zst", "enc");
      assertThat(newest.codecs().get(0).parameters()).containsEntry("level", "3");

      assertThat(repo.list("config"))
          .extracting(BackupRecord::id)
          .hasSize(4)
          .first()
          .isEqualTo(newest.id());
      assertThat(repo.resolve("latest").id()).isEqualTo(newest.id());

      VerificationResult verified = repo.verify(made.get(0).id());
      assertThat(verified.passed()).isTrue();
      assertThat(verified.level()).isEqualTo(VerificationLevel.DECODE);
      // Recorded: it counts for retention's "last verified" rule.
      assertThat(repo.resolve(made.get(0).id()).lastPassed()).isPresent();

      Path restored = dir.resolve("restored");
      repo.restore("latest", FilesRestoreTarget.of(restored, false));
      assertThat(Files.readString(restored.resolve("conf/app.yml")))
          .isEqualTo(Files.readString(tree.resolve("conf/app.yml")));

      RetentionPlan plan = repo.plan("config");
      assertThat(plan.deleted()).hasSize(1); // 4 backups, last=2, and the verified oldest stays
      assertThat(repo.list("config")).hasSize(4); // planning deletes nothing

      List<ApplyResult> pruned = repo.prune("config");
      assertThat(pruned).hasSize(1);
      assertThat(pruned.get(0).deleted()).containsExactly(made.get(1).id());
      assertThat(repo.list("config"))
          .extracting(BackupRecord::id)
          .containsExactly(made.get(3).id(), made.get(2).id(), made.get(0).id());
    }
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("keys/ring"))))
        .isEqualTo("rw-------");
  }

  @Test
  void keyFileIsCreatedOnceAndReusedAfterwards() throws Exception {
    Path ring = dir.resolve("ring");
    Path tree = tree();
    String id;
    try (Repository repo = Repository.builder().sink(dir.resolve("r")).keyFile(ring).build()) {
      id = repo.backup(FilesSource.of(tree, "config")).id();
    }
    String contents = Files.readString(ring);
    // A second repository over the same file reads the backup: the key was not replaced.
    try (Repository repo = Repository.builder().sink(dir.resolve("r")).keyFile(ring).build()) {
      assertThat(repo.verify(id).passed()).isTrue();
    }
    assertThat(Files.readString(ring)).isEqualTo(contents);
  }

  @Test
  void everySinkReceivesTheBackupAndIsPrunedFromItsOwnContents() throws Exception {
    InMemorySink local = InMemorySink.named("local");
    InMemorySink cloud = InMemorySink.named("cloud");
    SteppingClock clock = new SteppingClock();
    try (Repository repo =
        Repository.builder()
            .sink(local)
            .sink(cloud)
            .unencrypted()
            .clock(clock)
            .retention(RetentionPolicies.parse("last=1"))
            .build()) {
      Path tree = tree();
      repo.backup(FilesSource.of(tree, "config"));
      clock.now = clock.now.plus(Duration.ofDays(1));
      BackupManifest second = repo.backup(FilesSource.of(tree, "config"));
      assertThat(second.codecs()).extracting(CodecSpec::id).containsExactly("zst");
      List<ApplyResult> results = repo.prune("config");
      assertThat(results).hasSize(2);
      assertThat(results).allSatisfy(r -> assertThat(r.deleted()).hasSize(1));
      assertThat(io.biowerk.dr.core.catalog.Catalog.of(cloud).list())
          .extracting(BackupRecord::id)
          .containsExactly(second.id());
    }
  }

  @Test
  void progressReachesTheListenerWithTheConfiguredRate() throws Exception {
    List<ProgressListener.Progress> events = new ArrayList<>();
    try (Repository repo =
        Repository.builder()
            .sink(dir.resolve("repo"))
            .unencrypted()
            .listener(events::add)
            .progressInterval(Duration.ZERO)
            .build()) {
      repo.backup(FilesSource.of(tree(), "config"));
    }
    assertThat(events).isNotEmpty();
    assertThat(events.get(events.size() - 1).done()).isTrue();
  }

  @Test
  void aCompressionCodecGivenToTheRepositoryIsUsedToReadToo() throws Exception {
    // zstd level 5 with two workers: an instance the class path's provider would also make, so
    // what proves the point is that the read succeeds through the repository's own codec list
    // with no key ring at all (unencrypted) and the manifest names the given parameters.
    try (Repository repo =
        Repository.builder()
            .sink(dir.resolve("repo"))
            .unencrypted()
            .compression(ZstdCodec.of(5, 2, 0))
            .build()) {
      BackupManifest m = repo.backup(FilesSource.of(tree(), "config"));
      assertThat(m.codecs().get(0).parameters()).containsEntry("level", "5");
      assertThat(repo.verify(m.id()).passed()).isTrue();
    }
  }

  @Test
  void aBuilderWithoutSinkSaysHowToAddOne() {
    assertThatThrownBy(() -> Repository.builder().unencrypted().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("repository: no sink; add one with sink(Path), sink(URI) or sink(Sink)");
  }

  @Test
  void aBuilderWithoutKeysRefusesToFallBackToPlainText() {
    assertThatThrownBy(() -> Repository.builder().sink(InMemorySink.named("x")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("repository: no key ring;")
        .hasMessageContaining("unencrypted()");
  }

  @Test
  void anEmptyKeyRingFailsTheBackupAndSaysHowToCreateAKey() throws Exception {
    try (Repository repo =
        Repository.builder().sink(InMemorySink.named("x")).keys(KeyRing.empty()).build()) {
      assertThatThrownBy(() -> repo.backup(FilesSource.of(tree(), "config")))
          .isInstanceOf(KeyNotFoundException.class)
          .hasMessageContaining("no active encryption key");
    }
  }

  @Test
  void anUnknownBackupIsReportedWithItsIdAndWhatToRun() throws Exception {
    try (Repository repo =
        Repository.builder().sink(InMemorySink.named("x")).unencrypted().build()) {
      repo.backup(FilesSource.of(tree(), "config"));
      assertThatThrownBy(() -> repo.verify("config_19990101_000000"))
          .isInstanceOf(BackupNotFoundException.class)
          .hasMessageContaining("config_19990101_000000")
          .hasMessageContaining("list");
    }
  }

  @Test
  void aNegativeProgressIntervalIsRefused() {
    assertThatThrownBy(() -> Repository.builder().progressInterval(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be negative");
  }

  @Test
  void toStringShowsThePipelineWithoutKeys() throws Exception {
    Path ring = dir.resolve("ring");
    try (Repository repo = Repository.builder().sink(dir.resolve("r")).keyFile(ring).build()) {
      assertThat(repo.toString()).startsWith("repository ").contains("aes-256-gcm");
      for (String line : Files.readAllLines(ring)) {
        if (line.startsWith("key ")) {
          assertThat(repo.toString()).doesNotContain(line.substring(line.indexOf(':') + 1).trim());
        }
      }
    }
  }
}
