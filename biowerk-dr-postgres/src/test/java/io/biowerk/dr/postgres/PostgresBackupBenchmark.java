package io.biowerk.dr.postgres;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.local.LocalSink;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Not a test: the backup half of {@code bench/pg-bench.sh}. One backup of {@code args[0]} with
 * zstd-3 + AES-256-GCM into a fresh local repository under {@code args[1]}, as {@code biowerk-dr
 * backup} does; prints the wall time measured inside the JVM and the sizes. With {@code args[2] =
 * N} (warm mode), N rounds in this one JVM, each timing {@code pg_dump -Fc -Z0 > /dev/null} (the
 * anchor, path in {@code args[3]}) and then the backup, interleaved, and the median of the
 * per-round ratios.
 */
public final class PostgresBackupBenchmark {

  private PostgresBackupBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.out.println(once(args[0], Path.of(args[1])));
      return;
    }
    int rounds = Integer.parseInt(args[2]);
    URI uri = URI.create(args[0]);
    List<Double> ratios = new ArrayList<>();
    once(args[0], Path.of(args[1])); // warm-up: JIT, AES-GCM, zstd
    for (int r = 1; r <= rounds; r++) {
      long start = System.nanoTime();
      Process dump =
          new ProcessBuilder(
                  args[3],
                  "-h",
                  uri.getHost(),
                  "-p",
                  Integer.toString(uri.getPort()),
                  "-U",
                  uri.getUserInfo(),
                  "-Fc",
                  "-Z0",
                  uri.getPath().substring(1))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      if (dump.waitFor() != 0) {
        throw new IllegalStateException("pg_dump failed");
      }
      double anchor = (System.nanoTime() - start) / 1e9;
      start = System.nanoTime();
      String line = once(args[0], Path.of(args[1]));
      double backup = (System.nanoTime() - start) / 1e9;
      ratios.add(backup / anchor);
      System.out.printf(
          "warm round %d: A pg_dump -Z0 >/dev/null %.2f s | C biowerk %.2f s | C/A %.2f [%s]%n",
          r, anchor, backup, backup / anchor, line);
    }
    Collections.sort(ratios);
    System.out.printf(
        "warm: median C/A %.2f over %d rounds (min %.2f, max %.2f)%n",
        ratios.get(ratios.size() / 2), rounds, ratios.get(0), ratios.get(ratios.size() - 1));
  }

  private static String once(String uri, Path parent) throws Exception {
    Path dir = Files.createTempDirectory(parent, "bench-");
    try {
      KeyRing ring = PgFixtures.keys(dir);
      LocalSink repo = LocalSink.open(dir.resolve("repo"));
      PostgresSource source = PostgresSource.of(URI.create(uri));
      long start = System.nanoTime();
      BackupManifest manifest = PgFixtures.backup(source, repo, ring);
      long nanos = System.nanoTime() - start;
      return String.format(
          "biowerk backup: %.2f s wall (in JVM), raw %d bytes -> stored %d bytes (%.1fx)",
          nanos / 1e9,
          manifest.rawSize(),
          manifest.storedSize(),
          (double) manifest.rawSize() / manifest.storedSize());
    } finally {
      DirTar.deleteTree(dir);
    }
  }
}
