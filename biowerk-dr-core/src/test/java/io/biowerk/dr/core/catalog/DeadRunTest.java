package io.biowerk.dr.core.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.Backups;
import io.biowerk.dr.core.RunMarker;
import io.biowerk.dr.core.internal.Json;
import io.biowerk.dr.core.local.LocalSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crashed run is seen as dead at once (its process on this host is gone, or its lease ran out):
 * its marker no longer holds the source busy, and what it left goes at the next clean-up without
 * waiting for the 24 h grace.
 */
class DeadRunTest {

  static final Instant NOW = Instant.parse("2026-12-07T10:30:00Z");
  static final Duration GRACE = Duration.ofHours(24);
  static final String RUN = "db_20261207_100000";

  @TempDir Path dir;

  static long deadPid() throws Exception {
    Process process = new ProcessBuilder("true").start();
    process.waitFor();
    return process.pid();
  }

  static byte[] marker(String host, long pid, Instant leaseUntil) throws Exception {
    Map<String, Object> body = new TreeMap<>();
    body.put("host", host);
    body.put("id", RUN);
    body.put("leaseUntil", leaseUntil.toString());
    body.put("pid", pid);
    body.put("startedAt", NOW.minusSeconds(60).toString());
    return Json.compact(body);
  }

  /**
   * A finished backup, and what a run killed mid-write leaves: marker, data, side and temp file.
   */
  Catalog repositoryWithLeftovers(LocalSink sink, byte[] marker) throws Exception {
    Backups.write(sink, "db", NOW.minus(Duration.ofDays(1)), "daily");
    sink.put("db/.in-progress/" + RUN, marker);
    sink.put("db/daily/" + RUN + ".bin.zst", new byte[1000]);
    sink.put("db/daily/" + RUN + ".bin.zst.sha256", "00  x\n".getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve("db/daily/." + RUN + ".bin.zst.biowerk-tmp-1a2b"), new byte[500]);
    return Catalog.of(sink).withClock(Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @Test
  void aRunWhoseProcessOnThisHostIsGoneIsDeadAtOnceAndItsLeftoversGo() throws Exception {
    LocalSink sink = LocalSink.open(dir);
    Catalog catalog =
        repositoryWithLeftovers(
            sink, marker(RunMarker.localHost(), deadPid(), NOW.plus(Duration.ofMinutes(4))));
    assertThat(catalog.markers("db"))
        .singleElement()
        .extracting(Catalog.Marker::stale)
        .isEqualTo(true);
    assertThat(catalog.inProgress("db")).isEmpty();

    assertThat(catalog.cleanOrphans(GRACE, NOW)).isEqualTo(4);
    try (var files = Files.walk(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.contains(RUN));
    }
    assertThat(catalog.list()).extracting(r -> r.manifest().sourceName()).containsExactly("db");
  }

  @Test
  void aLiveRunOnThisHostKeepsItsSourceBusyAndItsFiles() throws Exception {
    LocalSink sink = LocalSink.open(dir);
    Catalog catalog =
        repositoryWithLeftovers(
            sink,
            marker(
                RunMarker.localHost(),
                ProcessHandle.current().pid(),
                NOW.minus(Duration.ofHours(1))));
    // Alive on this host beats an expired lease (a clock that jumped).
    assertThat(catalog.markers("db"))
        .singleElement()
        .extracting(Catalog.Marker::stale)
        .isEqualTo(false);
    assertThat(catalog.cleanOrphans(GRACE, NOW)).isZero();
    assertThat(Files.exists(dir.resolve("db/daily/" + RUN + ".bin.zst"))).isTrue();
  }

  @Test
  void aRunOnAnotherHostIsDeadWhenItsLeaseRanOut() throws Exception {
    LocalSink sink = LocalSink.open(dir);
    Catalog alive =
        repositoryWithLeftovers(sink, marker("other-host", 1, NOW.plus(Duration.ofMinutes(2))));
    assertThat(alive.markers("db"))
        .singleElement()
        .extracting(Catalog.Marker::stale)
        .isEqualTo(false);
    sink.put("db/.in-progress/" + RUN, marker("other-host", 1, NOW.minus(Duration.ofMinutes(2))));
    assertThat(alive.markers("db"))
        .singleElement()
        .extracting(Catalog.Marker::stale)
        .isEqualTo(true);
    assertThat(alive.cleanOrphans(GRACE, NOW)).isEqualTo(4);
  }

  @Test
  void theLeftoversOfADeadRunDoNotTakeOtherOrphansWithThem() throws Exception {
    LocalSink sink = LocalSink.open(dir);
    Catalog catalog =
        repositoryWithLeftovers(
            sink, marker(RunMarker.localHost(), deadPid(), NOW.plus(Duration.ofMinutes(4))));
    // An orphan of another run, with no marker: it waits for the grace period.
    sink.put("db/daily/db_20261207_090000.bin.zst", new byte[10]);
    assertThat(catalog.cleanOrphans(GRACE, NOW)).isEqualTo(4);
    assertThat(Files.exists(dir.resolve("db/daily/db_20261207_090000.bin.zst"))).isTrue();
  }

  @Test
  void aMarkerThisProcessWritesNamesItsOwnerAndALease() throws Exception {
    var body = Json.read(RunMarker.body(RUN, NOW, NOW));
    assertThat(body.get("host").asText()).isEqualTo(RunMarker.localHost());
    assertThat(body.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
    assertThat(Instant.parse(body.get("leaseUntil").asText())).isEqualTo(NOW.plus(RunMarker.LEASE));
    assertThat(RunMarker.deadOwner(body, NOW.plus(Duration.ofDays(1)))).isEmpty();
  }
}
