package io.biowerk.dr.testkit;

import static io.biowerk.dr.testkit.Checks.assertContains;
import static io.biowerk.dr.testkit.Checks.assertMatches;
import static io.biowerk.dr.testkit.Checks.assertThrowsContaining;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.Optional;
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
    assertMatches("[a-z]{1,16}", provider().log(), "the provider's log name");
    InMemorySink sink = InMemorySink.named("contract");
    LogArchive archive = archive(sink);
    List<String> names = writeSegments(dir, 3);
    assertEquals(3, names.size(), () -> "segment names written: " + names);
    assertEquals(
        names.stream().sorted().distinct().toList(),
        names,
        "segment names must be sorted and distinct");
    for (String name : names) {
      Path file = dir.resolve(name);
      LogSegmentInfo info = provider().describe(name, file);
      assertEquals(name, info.name(), "the described segment's name");
      assertEquals(LogArchive.PushResult.STORED, archive.push(info, file), "first push of " + name);
      assertEquals(
          LogArchive.PushResult.ALREADY_STORED, archive.push(info, file), "second push of " + name);
      Path back = dir.resolve("back");
      assertTrue(archive.fetch(name, back), () -> "fetch of a pushed segment " + name);
      assertArrayEquals(
          Files.readAllBytes(file), Files.readAllBytes(back), "fetched bytes of " + name);
    }
    assertEquals(names, archive.names(), "the archive's segment names");
  }

  @Test
  void differentBytesUnderAStoredNameAreRefused() throws Exception {
    LogArchive archive = archive(InMemorySink.named("contract"));
    List<String> names = pushAll(archive, 2);
    // the second segment's bytes under the first one's name: the provider may refuse them itself
    // (they name another position), else the archive must
    Path other = dir.resolve(names.get(1));
    java.io.IOException e =
        assertThrows(
            java.io.IOException.class,
            () -> archive.push(provider().describe(names.get(0), other), other),
            "pushing other bytes under a stored segment's name");
    if (e instanceof LogConflictException conflict) {
      assertEquals(names.get(0), conflict.segment(), "the conflict's segment");
      assertContains("already stored with different bytes", e.getMessage(), "the message of " + e);
    } else {
      assertContains(names.get(0), e.getMessage(), "the message of " + e);
    }
  }

  @Test
  void aNameThatIsNoSegmentIsRefused() throws Exception {
    Path file = writeSegments(dir, 1).stream().map(dir::resolve).findFirst().orElseThrow();
    assertThrowsContaining(
        IllegalArgumentException.class,
        () -> provider().describe("passwd", file),
        "passwd",
        "describing a file named passwd");
  }

  @Test
  void theChainNamesWhatABaseBackupNeeds() throws Exception {
    List<String> names = writeSegments(dir, 3);
    BackupManifest base = baseBackup(names.get(0), names.get(1), Instant.now());
    LogChain chain = provider().chain().orElseThrow();
    assertEquals(
        Optional.of(new LogSpan(names.get(0), names.get(1))),
        chain.span(base),
        "the span the base backup needs");
    assertTrue(provider().recovery(base).isPresent(), "recovery(base) is present");
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
    assertEquals(List.of(s.get(0), s.get(3), s.get(4)), plan.deleted(), "deleted segments");
    assertEquals(7, plan.keptCount(), "kept segments");
    List<String> reasons = new ArrayList<>();
    plan.ranges().forEach(r -> reasons.add(r.keep() + " " + r.first() + " " + r.reason()));
    assertTrue(
        reasons.stream()
            .anyMatch(
                r ->
                    r.startsWith("true " + s.get(1))
                        && r.contains(
                            "base backup " + old.id() + " needs it to become consistent")),
        () -> "no kept range from " + s.get(1) + " for the old base backup in " + reasons);
    assertTrue(
        reasons.stream()
            .anyMatch(
                r ->
                    r.startsWith("true " + s.get(5))
                        && r.contains("point-in-time window")
                        && r.contains(anchor.id())),
        () -> "no kept point-in-time range from " + s.get(5) + " in " + reasons);
    assertEquals(3, LogRetention.apply(plan), "segments deleted by apply");
    List<String> left = new ArrayList<>(s);
    left.removeAll(List.of(s.get(0), s.get(3), s.get(4)));
    assertEquals(left, archive.names(), "segments left after apply");
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
    assertEquals(List.of(s.get(0)), plan.deleted(), "deleted segments");
    assertContains(
        "reaches before the oldest kept base backup",
        plan.ranges().get(1).reason(),
        "the second range's reason");
  }

  @Test
  void withoutAKeptBaseBackupNothingIsDeleted() throws Exception {
    LogArchive archive = archive(InMemorySink.named("contract"));
    pushAll(archive, 3);
    LogRetention.Plan plan =
        LogRetention.plan(
            archive, List.of(), provider().chain().orElseThrow(), Duration.ZERO, Instant.now());
    assertEquals(List.of(), plan.deleted(), "deleted segments");
    assertEquals(1, plan.ranges().size(), () -> "ranges: " + plan.ranges());
    assertContains("no base backup", plan.ranges().get(0).reason(), "the range's reason");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                LogRetention.plan(
                    archive,
                    List.of(),
                    provider().chain().orElseThrow(),
                    Duration.ofDays(-1),
                    Instant.now()),
            "a negative window");
    assertEquals("window (PT-24H) may not be negative", e.getMessage());
  }
}
