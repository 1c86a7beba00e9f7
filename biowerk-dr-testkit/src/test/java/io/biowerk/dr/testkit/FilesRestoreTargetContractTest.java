package io.biowerk.dr.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.codec.Sha256;
import io.biowerk.dr.core.files.FilesRestoreTarget;
import io.biowerk.dr.core.files.FilesSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The restore-target contract for a directory restored from a files (tar) backup. */
class FilesRestoreTargetContractTest extends RestoreTargetContractTest {

  @TempDir Path dir;
  Path target;
  Path tree;

  @BeforeEach
  void makeTree() throws IOException {
    target = dir.resolve("restore/config");
    tree = Files.createDirectories(dir.resolve("tree"));
    Files.createDirectories(tree.resolve("certs"));
    Files.writeString(tree.resolve("compose.yaml"), "services: {}\n");
    Files.write(
        tree.resolve("certs/big.bin"),
        GeneratedBytes.of(GeneratedBytes.Kind.RANDOM, 9).bytes(300_000));
  }

  @Override
  protected RestoreTarget newTarget(boolean force) {
    return FilesRestoreTarget.of(target, force);
  }

  @Override
  protected NativeBackup backup() throws Exception {
    FilesSource source = FilesSource.of(tree, "config");
    byte[] tar = SourceContractTestSupport.readAll(source.open());
    return NativeBackup.of(source.kind(), source.name(), source.format(), tar, Map.of());
  }

  @Override
  protected void fill() throws Exception {
    Files.createDirectories(target);
    Files.writeString(target.resolve("mine.txt"), "the operator's own file");
  }

  @Override
  protected Object state() throws Exception {
    return hashes(target);
  }

  @Override
  protected void checkRestored(NativeBackup backup) throws Exception {
    assertThat(hashes(target)).isEqualTo(hashes(tree)).isNotEmpty();
  }

  private static Map<String, String> hashes(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    if (!Files.exists(root)) {
      return files;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (Files.isRegularFile(p)) {
          files.put(
              root.relativize(p).toString(),
              Sha256.hex(Sha256.newDigest().digest(Files.readAllBytes(p))));
        }
      }
    }
    return files;
  }
}
