package io.biowerk.dr.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogSegment;
import io.biowerk.dr.core.log.LogSegmentInfo;
import io.biowerk.dr.core.repository.RepositorySync;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orchestrator's log mirror copies WAL segments between two real file repositories through the
 * same checked copy as {@code sync}: a segment whose stored bytes were damaged in the first
 * repository is reported and not copied (before, the mirror copied any object of another size
 * without checking it), the rest are copied byte for byte, and a receiver's growing {@code
 * .partial} segment is replaced by its newer state rather than reported as a conflict.
 */
class LogMirrorTest {

  @TempDir Path dir;

  private static String segment(int n) {
    return String.format("%08X%08X%08X", 1, 0, n);
  }

  private static void push(LogArchive archive, Path dir, String name, int size, long seed)
      throws IOException {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    Path file = dir.resolve(name + "-" + seed);
    Files.write(file, bytes);
    archive.replace(
        new LogSegmentInfo(
            name,
            "0/" + seed,
            "0/" + seed + "F",
            Optional.empty(),
            Optional.of(Instant.parse("2026-12-07T00:00:00Z").plusSeconds(seed)),
            Map.of()),
        file);
  }

  @Test
  void aDamagedSegmentInTheFirstRepositoryIsReportedAndNotCopied() throws IOException {
    Path first = Files.createDirectories(dir.resolve("first"));
    Path second = Files.createDirectories(dir.resolve("second"));
    try (LocalSink a = LocalSink.open(first);
        LocalSink b = LocalSink.open(second)) {
      LogArchive archive =
          LogArchive.of(a, "db", "wal", List.of(ZstdCodec.defaults()), KeyRing.empty());
      for (int i = 1; i <= 3; i++) {
        push(archive, dir, segment(i), 64 * 1024, i);
      }
      // Flip one byte in segment 2's stored data: same size, other bytes (the case the old
      // size-only comparison let through).
      BackupManifest damaged = archive.segment(segment(2)).orElseThrow().manifest();
      Path data = first.resolve(damaged.dataKey());
      byte[] stored = Files.readAllBytes(data);
      stored[stored.length / 2] ^= 0x40;
      Files.write(data, stored);

      RepositorySync.Report report = LogMirror.mirror(a, "file:///first", b, "second", "db/wal/");

      assertThat(report.ok()).isFalse();
      assertThat(report.problems())
          .singleElement()
          .asString()
          .startsWith("DAMAGED in file:///first, not copied: " + damaged.dataKey() + " has ")
          .contains("its manifest says " + damaged.storedSize() + " bytes with");
      assertThat(report.copied())
          .extracting(item -> item.manifest().id())
          .containsExactly(segment(1), segment(3));
      LogArchive copy = LogArchive.of(b, "db", "wal", List.of(), KeyRing.empty());
      assertThat(copy.names()).containsExactly(segment(1), segment(3));
      assertThat(Files.exists(second.resolve(damaged.dataKey()))).isFalse();
      for (String name : List.of(segment(1), segment(3))) {
        String dataKey = archive.segment(name).orElseThrow().manifest().dataKey();
        assertThat(Files.readAllBytes(second.resolve(dataKey)))
            .isEqualTo(Files.readAllBytes(first.resolve(dataKey)));
        // and the copy decodes with both checksums checked
        Path fetched = dir.resolve("fetched-" + name);
        assertThat(copy.fetch(name, fetched)).isTrue();
      }

      // The next pass reports it again (nothing hidden), copies nothing else.
      RepositorySync.Report again = LogMirror.mirror(a, "file:///first", b, "second", "db/wal/");
      assertThat(again.copied()).isEmpty();
      assertThat(again.alreadyPresent()).isEqualTo(2);
      assertThat(again.problems()).hasSize(1);
    }
  }

  @Test
  void aGrowingPartialSegmentIsReplacedNotReportedAsAConflict() throws IOException {
    Path first = Files.createDirectories(dir.resolve("first"));
    Path second = Files.createDirectories(dir.resolve("second"));
    try (LocalSink a = LocalSink.open(first);
        LocalSink b = LocalSink.open(second)) {
      LogArchive archive = LogArchive.of(a, "db", "wal", List.of(), KeyRing.empty());
      String partial = segment(4) + ".partial";
      push(archive, dir, partial, 1000, 10);
      assertThat(LogMirror.mirror(a, "first", b, "second", "db/wal/").copied()).hasSize(1);

      push(archive, dir, partial, 5000, 11); // the receiver stored it again, grown
      RepositorySync.Report report = LogMirror.mirror(a, "first", b, "second", "db/wal/");

      assertThat(report.problems()).isEmpty();
      assertThat(report.copied()).hasSize(1);
      LogSegment there =
          LogArchive.of(b, "db", "wal", List.of(), KeyRing.empty()).segment(partial).orElseThrow();
      assertThat(there.manifest().rawSize()).isEqualTo(5000);
      assertThat(Files.readAllBytes(second.resolve(there.manifest().dataKey())))
          .isEqualTo(Files.readAllBytes(first.resolve(there.manifest().dataKey())));
      // a third pass finds it in sync
      RepositorySync.Report third = LogMirror.mirror(a, "first", b, "second", "db/wal/");
      assertThat(third.copied()).isEmpty();
      assertThat(third.problems()).isEmpty();
    }
  }
}
