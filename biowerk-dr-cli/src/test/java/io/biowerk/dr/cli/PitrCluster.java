package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.postgres.PrivateCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The private cluster the PostgreSQL point-in-time CLI tests share: a real server ({@code initdb},
 * a free loopback port, {@code wal_level=replica}, {@code archive_mode=on}) whose {@code
 * archive_command} is the real {@code biowerk-dr wal-push --source pitr --async} through a launcher
 * script (a JVM per segment, started by the server, as an installation runs it), a scratch
 * directory the server's user owns, a key file, a repository folder and a {@link Cli} working in
 * the scratch directory. {@link #stop} stops the server and removes the scratch directory.
 */
final class PitrCluster {

  final Path scratch;
  final Path repo;
  final Path keyFile;
  final Path spool;

  /** The launcher script the server's archive_command runs (also usable as a fetch command). */
  final String java;

  final PrivateCluster cluster;
  final Cli cli;

  private PitrCluster(Path scratch, PrivateCluster cluster, String java) throws IOException {
    this.scratch = scratch;
    this.repo = scratch.resolve("repo");
    this.keyFile = scratch.resolve("keys/master.key");
    this.spool = scratch.resolve("spool");
    this.cluster = cluster;
    this.java = java;
    this.cli = new Cli(scratch.resolve("cli"));
  }

  /** Starts the cluster in a new scratch directory under /tmp named {@code prefix...}. */
  static PitrCluster start(String prefix) throws Exception {
    Path scratch = Files.createTempDirectory(Path.of("/tmp"), prefix);
    Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
    KeyFile.at(scratch.resolve("keys/master.key")).create(Clock.systemUTC());
    Files.createDirectories(scratch.resolve("spool"));
    Path runtime = scratch.resolve("runtime");
    Files.createDirectories(runtime);
    PrivateCluster cluster =
        PrivateCluster.start(
            Map.of("wal_level", "replica", "archive_mode", "on", "max_wal_senders", "4"));
    try {
      String classPath = cluster.copyClassPath(runtime);
      // A launcher script, as an installation has: archive_command is cut at 1024 characters.
      Path launcher = runtime.resolve("biowerk-dr");
      Files.writeString(
          launcher,
          "#!/bin/sh\nexec "
              + Path.of(System.getProperty("java.home"), "bin", "java")
              + " -Xmx64m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "
              + classPath
              + " io.biowerk.dr.cli.Main \"$@\"\n");
      Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
      PitrCluster pitr = new PitrCluster(scratch, cluster, launcher.toString());
      cluster.own(scratch);
      cluster.execute(
          "ALTER SYSTEM SET archive_command = '"
              + pitr.java
              + " wal-push --source pitr --async --spool "
              + pitr.spool
              + " %p'");
      cluster.execute("SELECT pg_reload_conf()");
      return pitr;
    } catch (Exception | Error e) {
      cluster.close();
      PrivateCluster.run(List.of("rm", "-rf", scratch.toString()));
      throw e;
    }
  }

  /** {@code args} followed by this repository and key file. */
  String[] withRepo(String... args) {
    return Stream.concat(
            Stream.of(args), Stream.of("--repo", repo.toString(), "--key-file", keyFile.toString()))
        .toArray(String[]::new);
  }

  /**
   * Switches the WAL, waits until the server archived the segment it closed (into the spool), and
   * drains the spool into the repository with the real {@code wal-push --drain --once}; segments
   * are stamped with the command's clock, the real time, so they follow the commits in them.
   *
   * @return the drain's result (exit 0 checked)
   */
  Cli.Result switchAndDrain() throws Exception {
    String segment = cluster.single("SELECT pg_walfile_name(pg_current_wal_lsn())");
    cluster.execute("SELECT pg_switch_wal()");
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (cluster
            .single("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
            .compareTo(segment)
        < 0) {
      assertThat(System.nanoTime()).as("archived in 60 s:\n" + cluster.log()).isLessThan(until);
      Thread.sleep(100);
    }
    cli.clock.set(Instant.now());
    Cli.Result drained =
        cli.run(
            withRepo(
                "wal-push", "--source", "pitr", "--drain", "--once", "--spool", spool.toString()));
    assertThat(drained.code()).as(drained.toString()).isZero();
    return drained;
  }

  /** Stops the server and removes the scratch directory. */
  void stop() throws Exception {
    try {
      cluster.close();
    } finally {
      PrivateCluster.run(List.of("rm", "-rf", scratch.toString()));
    }
  }
}
