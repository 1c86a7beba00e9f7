package io.biowerk.dr.postgres;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.local.LocalSink;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Not a test: the backup half of {@code bench/pg-bench.sh}. One backup of {@code args[0]} with zstd-3 +
 * AES-256-GCM into a fresh local repository under {@code args[1]}, as {@code biowerk-dr backup} does; prints
 * the wall time measured inside the JVM and the sizes.
 */
public final class PostgresBackupBenchmark {

  private PostgresBackupBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory(Path.of(args[1]), "bench-");
    KeyRing ring = PgFixtures.keys(dir);
    LocalSink repo = LocalSink.open(dir.resolve("repo"));
    PostgresSource source = PostgresSource.of(URI.create(args[0]));
    long start = System.nanoTime();
    BackupManifest manifest = PgFixtures.backup(source, repo, ring);
    long nanos = System.nanoTime() - start;
    System.out.printf("biowerk backup: %.2f s wall (in JVM), raw %d bytes -> stored %d bytes (%.1fx)%n",
        nanos / 1e9, manifest.rawSize(), manifest.storedSize(), (double) manifest.rawSize() / manifest.storedSize());
    DirTar.deleteTree(dir);
  }
}
