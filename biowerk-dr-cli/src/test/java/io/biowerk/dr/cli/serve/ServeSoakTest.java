package io.biowerk.dr.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A day of the orchestrator compressed in time: a clock moved a minute per tick for 24 hours over
 * three sources on frequent schedules (backups with prune, verifications, a restore test), with the
 * HTTP API scraped every hour. Afterwards the process has no more threads or open file descriptors
 * than after the first hour, and the heap after a full collection has not grown. Slow (a few
 * hundred real backups): tagged {@code slow}, run with {@code -Dgroups=slow}.
 */
@Tag("slow")
class ServeSoakTest {

  @TempDir Path dir;

  static long fds() throws IOException {
    try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
      return open.count();
    }
  }

  static long heapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
    }
    return used;
  }

  @Test
  void aDayOfSchedulesLeaksNoThreadsDescriptorsOrMemory() throws Exception {
    ServeFixture fixture = new ServeFixture(dir);
    fixture.data("a", 0);
    fixture.data("b", 1 << 20);
    fixture.data("c", 0);
    TestClock clock = new TestClock("2024-01-15T00:00:00Z");
    ServeConfig config =
        fixture.config(
            "repositories: [repo]\n"
                + "keys: {file: key}\n"
                + "server: {max-concurrent-jobs: 2}\n"
                + "defaults: {retention: {last: 5}}\n"
                + "sources:\n"
                + "  a: {uri: data/a, backup: \"*/10 * * * *\", verify: {schedule: \"5,35 * * * *\","
                + " level: decode}}\n"
                + "  b: {uri: data/b, backup: \"*/15 * * * *\", restore-test: {schedule: \"0 */6 * * *\"}}\n"
                + "  c: {uri: data/c, backup: \"0 * * * *\", verify: {schedule: \"30 * * * *\","
                + " level: stored}}\n");
    long threadsAfterFirstHour = 0;
    long fdsAfterFirstHour = 0;
    long heapAfterFirstHour = 0;
    try (Orchestrator orchestrator = fixture.orchestrator(config, clock, "soak");
        ApiServer api = ApiServer.start(orchestrator, "127.0.0.1", 0, Optional.empty(), true)) {
      for (int minute = 0; minute < 24 * 60; minute++) {
        orchestrator.tick();
        assertThat(orchestrator.awaitIdle(Duration.ofSeconds(60))).isTrue();
        if (minute % 60 == 0) {
          assertThat(ApiServerTest.send(api.port(), "GET", "/metrics", null).status())
              .isEqualTo(200);
          assertThat(ApiServerTest.send(api.port(), "GET", "/status", null).status())
              .isEqualTo(200);
        }
        if (minute == 60) {
          threadsAfterFirstHour = Thread.getAllStackTraces().size();
          fdsAfterFirstHour = fds();
          heapAfterFirstHour = heapAfterGc();
        }
        clock.advance(Duration.ofMinutes(1));
      }
      assertThat(orchestrator.jobs()).allMatch(j -> j.state() == Job.State.SUCCEEDED);
      assertThat(orchestrator.jobs()).hasSizeGreaterThan(300);
      long threads = Thread.getAllStackTraces().size();
      long fds = fds();
      long heap = heapAfterGc();
      System.out.printf(
          "soak: %d jobs; threads %d -> %d, fds %d -> %d, heap after GC %d -> %d KiB%n",
          orchestrator.jobs().size(),
          threadsAfterFirstHour,
          threads,
          fdsAfterFirstHour,
          fds,
          heapAfterFirstHour >> 10,
          heap >> 10);
      assertThat(threads).isLessThanOrEqualTo(threadsAfterFirstHour + 2);
      assertThat(fds).isLessThanOrEqualTo(fdsAfterFirstHour + 4);
      // The job list is bounded (500 kept); 16 MiB of slack for JIT and class data.
      assertThat(heap).isLessThan(heapAfterFirstHour + (16L << 20));
    }
    assertThat(fixture.catalog(clock).list("a")).hasSizeLessThanOrEqualTo(5);
  }
}
