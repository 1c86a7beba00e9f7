package io.biowerk.dr.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogChain;
import io.biowerk.dr.core.log.LogConflictException;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.LogRetention;
import io.biowerk.dr.core.log.LogSegmentInfo;
import io.biowerk.dr.core.log.LogSpan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link LogProvider} passes: its segments are described under their own names
 * and refused under another's, they go through a {@link LogArchive} and come back byte for byte,
 * pushing is idempotent and refuses different bytes under a stored name; and its {@link LogChain}
 * lets {@link LogRetention} keep exactly the point-in-time window plus what each kept base backup
 * needs, and nothing when no base backup is kept.
 *
 * <p>Extend it and implement {@link #provider()}, {@link #writeSegments} (consecutive segments of
 * one database's log, as files) and {@link #baseBackup} (a base backup manifest of that database
 * that needs a given range of segments).
 */
public abstract class LogProviderContractTest {

  /** A scratch directory for this test. */
  @TempDir protected Path dir;

  /** The provider under test. */
  protected abstract LogProvider provider();

  /**
   * Writes {@code count} consecutive segments of one database's log into {@code directory}, each in
   * a file named after its segment, and returns their names in log order.
   *
   * @throws Exception if they cannot be made (the test then fails)
   */
  protected abstract List<String> writeSegments(Path directory, int count) throws Exception;

  /**
   * A base backup of the same database, finished at {@code finishedAt}, that needs the segments
   * {@code first} to {@code last} to become consistent.
   */
  protected abstract BackupManifest baseBackup(String first, String last, Instant finishedAt);

  private LogArchive archive(InMemorySink sink) {
    return LogArchive.of(sink, "contract", provider().log(), List.of(), KeyRing.empty());
  }

  private List<String> pushAll(LogArchive archive, int count) throws Exception {
    List<String> names = writeSegments(dir, count);
    for (String name : names) {
      Path file = dir.resolve(name);
      archive.push(provider().describe(name, file), file);
    }
    return names;
  }

  @Test
  void segmentsGoThroughTheArchiveAndComeBackIdentical() throws Exception {
    assertThat(provider().log()).matches("[a-z]{1,16}");
    InMemorySink sink = InMemorySink.named("contract");
    LogArchive archive = archive(sink);
    List<String> names = writeSegments(dir, 3);
    assertThat(names).hasSize(3).isSorted().doesNotHaveDuplicates();
    for (String name : names) {
      Path file = dir.resolve(name);
      LogSegmentInfo info = provider().describe(name, file);
      assertThat(info.name()).isEqualTo(name);
      assertThat(archive.push(info, file)).isEqualTo(LogArchive.PushResult.STORED);
      assertThat(archive.push(info, file)).isEqualTo(LogArchive.PushResult.ALREADY_STORED);
      Path back = dir.resolve("back");
      assertThat(archive.fetch(name, back)).isTrue();
      assertThat(Files.readAllBytes(back)).isEqualTo(Files.readAllBytes(file));
    }
    assertThat(archive.names()).isEqualTo(names);
  }

  @Test
  void differentBytesUnderAStoredNameAreRefused() throws Exception {
    LogArchive archive = archive(InMemorySink.named("contract"));
    List<String> names = pushAll(archive, 2);
    // the second segment's bytes under the first one's name: the provider may refuse them itself
    // (they name another position), else the archive must
    Path other = dir.resolve(names.get(1));
    assertThatThrownBy(() -> archive.push(provider().describe(names.get(0), other), other))
        .isInstanceOf(java.io.IOException.class)
        .satisfies(
            e -> {
              if (e instanceof LogConflictException conflict) {
                assertThat(conflict.segment()).isEqualTo(names.get(0));
                assertThat(e).hasMessageContaining("already stored with different bytes");
              } else {
                assertThat(e).hasMessageContaining(names.get(0));
              }
            });
  }

  @Test
  void aNameThatIsNoSegmentIsRefused() throws Exception {
    Path file = writeSegments(dir, 1).stream().map(dir::resolve).findFirst().orElseThrow();
    assertThatThrownBy(() -> provider().describe("passwd", file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("passwd");
  }

  @Test
  void theChainNamesWhatABaseBackupNeeds() throws Exception {
    List<String> names = writeSegments(dir, 3);
    BackupManifest base = baseBackup(names.get(0), names.get(1), Instant.now());
    LogChain chain = provider().chain().orElseThrow();
    assertThat(chain.span(base)).contains(new LogSpan(names.get(0), names.get(1)));
    assertThat(provider().recovery(base)).isPresent();
  }

  @Test
  void retentionKeepsTheWindowAndWhatKeptBaseBackupsNeed() throws Exception {
    LogArchive archive = archive(InMemorySink.named("contract"));
    List<String> s = pushAll(archive, 10);
    Instant now = Instant.parse("2026-12-07T12:00:00Z");
    BackupManifest old = baseBackup(s.get(1), s.get(2), now.minus(Duration.ofDays(30)));
    BackupManifest anchor = baseBackup(s.get(5), s.get(6), now.minus(Duration.ofDays(10)));
    BackupManifest recent = baseBackup(s.get(8), s.get(8), now.minus(Duration.ofDays(1)));
    LogRetention.Plan plan =
        LogRetention.plan(
            archive,
            List.of(recent, old, anchor),
            provider().chain().orElseThrow(),
            Duration.ofDays(7),
            now);
    assertThat(plan.deleted()).containsExactly(s.get(0), s.get(3), s.get(4));
    assertThat(plan.keptCount()).isEqualTo(7);
    List<String> reasons = new ArrayList<>();
    plan.ranges().forEach(r -> reasons.add(r.keep() + " " + r.first() + " " + r.reason()));
    assertThat(reasons)
        .anySatisfy(
            r ->
                assertThat(r)
                    .startsWith("true " + s.get(1))
                    .contains("base backup " + old.id() + " needs it to become consistent"))
        .anySatisfy(
            r ->
                assertThat(r)
                    .startsWith("true " + s.get(5))
                    .contains("point-in-time window")
                    .contains(anchor.id()));
    assertThat(LogRetention.apply(plan)).isEqualTo(3);
    List<String> left = new ArrayList<>(s);
    left.removeAll(List.of(s.get(0), s.get(3), s.get(4)));
    assertThat(archive.names()).isEqualTo(left);
  }

  @Test
  void aWindowLongerThanEveryBaseBackupReplaysFromTheOldest() throws Exception {
    LogArchive archive = archive(InMemorySink.named("contract"));
    List<String> s = pushAll(archive, 4);
    Instant now = Instant.parse("2026-12-07T12:00:00Z");
    BackupManifest base = baseBackup(s.get(1), s.get(1), now.minus(Duration.ofDays(2)));
    LogRetention.Plan plan =
        LogRetention.plan(
            archive, List.of(base), provider().chain().orElseThrow(), Duration.ofDays(7), now);
    assertThat(plan.deleted()).containsExactly(s.get(0));
    assertThat(plan.ranges().get(1).reason())
        .contains("reaches before the oldest kept base backup");
  }

  @Test
  void withoutAKeptBaseBackupNothingIsDeleted() throws Exception {
    LogArchive archive = archive(InMemorySink.named("contract"));
    pushAll(archive, 3);
    LogRetention.Plan plan =
        LogRetention.plan(
            archive, List.of(), provider().chain().orElseThrow(), Duration.ZERO, Instant.now());
    assertThat(plan.deleted()).isEmpty();
    assertThat(plan.ranges())
        .singleElement()
        .satisfies(r -> assertThat(r.reason()).contains("no base backup"));
    assertThatThrownBy(
            () ->
                LogRetention.plan(
                    archive,
                    List.of(),
                    provider().chain().orElseThrow(),
                    Duration.ofDays(-1),
                    Instant.now()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("window (PT-24H) may not be negative");
  }
}
