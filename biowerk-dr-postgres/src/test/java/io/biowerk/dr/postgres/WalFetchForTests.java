package io.biowerk.dr.postgres;

import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogPrefetch;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code restore_command} of this module's recovery tests: what {@code biowerk-dr wal-fetch}
 * does (the real {@link LogPrefetch} over the real {@link LogArchive}), started as its own JVM by
 * the recovering server, without the CLI module, which this module cannot depend on. The CLI's own
 * tests run the real command.
 *
 * <p>Arguments: repository directory, key file, source name, spool, {@code %f}, {@code %p}. Exit 0
 * when fetched, 1 when the archive lacks the segment (the end of recovery), 2 on any failure.
 */
public final class WalFetchForTests {

  private WalFetchForTests() {}

  public static void main(String[] args) {
    try {
      LogArchive archive =
          LogArchive.of(
              LocalSink.existing(Path.of(args[0])),
              args[2],
              PgWalLog.LOG,
              List.of(),
              KeyRing.of(KeyFile.at(Path.of(args[1]))));
      boolean found =
          LogPrefetch.of(archive, Path.of(args[3]), 4, 2).fetch(args[4], Path.of(args[5]));
      System.exit(found ? 0 : 1);
    } catch (Exception e) {
      System.err.println("wal-fetch (tests): " + e);
      System.exit(2);
    }
  }

  /**
   * The command line that runs this class as the server's OS user: the test class path is copied
   * into {@code dir} (the server cannot read a root-only ~/.m2), and {@code dir} is handed to that
   * user.
   */
  static List<String> command(
      PrivateCluster cluster, Path dir, Path repo, Path keyFile, String source) throws Exception {
    String classPath = cluster.copyClassPath(dir);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return List.of(
        java.toString(),
        "-Xshare:auto",
        "-XX:TieredStopAtLevel=1",
        "-cp",
        classPath,
        WalFetchForTests.class.getName(),
        repo.toString(),
        keyFile.toString(),
        source,
        dir.resolve("fetch-spool").toString());
  }
}
