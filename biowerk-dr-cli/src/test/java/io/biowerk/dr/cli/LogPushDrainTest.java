package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.keys.KeyFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wal-push --drain --idle SECONDS}, the launcher's drainer: one JVM that waits for more
 * segments and exits once nothing was queued for that long, or at once when its spool is removed.
 * Segments drained through it are in {@code LauncherIT}.
 */
class LogPushDrainTest {

  @TempDir Path dir;

  Cli.Result drain(Path spool, String idle) throws Exception {
    Path key = dir.resolve("key");
    if (!Files.exists(key)) {
      KeyFile.at(key).create(Clock.systemUTC());
    }
    return new Cli(dir.resolve("cli"))
        .run(
            "wal-push",
            "--source",
            "s",
            "--drain",
            "--idle",
            idle,
            "--spool",
            spool.toString(),
            "--repo",
            dir.resolve("repo").toString(),
            "--key-file",
            key.toString());
  }

  @Test
  void anIdleDrainerExitsAfterItsIdleTimeAndAtOnceWhenItsSpoolIsGone() throws Exception {
    Path spool = Files.createDirectories(dir.resolve("spool"));
    long start = System.nanoTime();
    Cli.Result idle = drain(spool, "1");
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(idle.code()).as(idle.toString()).isZero();
    assertThat(idle.out()).contains("wal-push: stored 0 segment(s)");
    assertThat(took).as("waited its idle second, then stopped").isBetween(1000L, 20_000L);

    Path removed = Files.createDirectories(dir.resolve("removed"));
    Thread remover =
        new Thread(
            () -> {
              try {
                Thread.sleep(1000);
                Files.delete(removed);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    remover.start();
    start = System.nanoTime();
    Cli.Result gone = drain(removed, "600");
    took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    remover.join();
    assertThat(gone.code()).as(gone.toString()).isZero();
    assertThat(took).as("its spool removed: no wait for the 600 s").isLessThan(20_000L);
  }
}
