package io.biowerk.dr.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.files.FilesSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Core's {@link FilesSource} against the source contract, over a tree of 2 MiB: a deterministic
 * tar, so every run has the same SHA-256.
 */
class FilesSourceContractTest extends SourceContractTest {

  @TempDir Path dir;
  private String firstRunSha256;

  @BeforeEach
  void makeTree() throws Exception {
    Files.createDirectories(dir.resolve("etc/biowerk/certs"));
    Files.writeString(
        dir.resolve("etc/biowerk/compose.yaml"), "services:\n  db:\n    image: postgres:16\n");
    Files.write(
        dir.resolve("etc/biowerk/certs/big.bin"),
        GeneratedBytes.of(GeneratedBytes.Kind.RANDOM, 4).bytes(2 << 20));
    Files.writeString(dir.resolve("etc/biowerk/.env"), "POSTGRES_DB=orders\n");
  }

  @Override
  protected Source newSource() {
    return FilesSource.of(dir.resolve("etc/biowerk"), "config");
  }

  /** A tree that is deleted after the source was made: the run cannot read it. */
  @Override
  protected Source newFailingSource() throws Exception {
    Path gone = Files.createDirectories(dir.resolve("gone"));
    Files.writeString(gone.resolve("a.txt"), "a");
    Source source = FilesSource.of(gone, "gone");
    Files.delete(gone.resolve("a.txt"));
    Files.delete(gone);
    return source;
  }

  @Override
  protected void checkRun(Run run) {
    assertThat(run.size()).isGreaterThan(2 << 20);
    // A POSIX tar: the "ustar" magic at offset 257 of the first header.
    assertThat(new String(run.head(), 257, 5, StandardCharsets.US_ASCII)).isEqualTo("ustar");
    assertThat(((Number) run.facts().get("files")).intValue()).as("files in the tree").isEqualTo(3);
    if (firstRunSha256 == null) {
      firstRunSha256 = run.sha256();
    }
    assertThat(run.sha256()).as("the same tree gives the same bytes").isEqualTo(firstRunSha256);
  }
}
