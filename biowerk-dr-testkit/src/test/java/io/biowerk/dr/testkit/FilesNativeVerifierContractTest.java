package io.biowerk.dr.testkit;

import io.biowerk.dr.core.NativeVerifier;
import io.biowerk.dr.core.files.FilesNativeVerifier;
import io.biowerk.dr.core.files.FilesSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/** The native-verifier contract for tar backups of directory trees. */
class FilesNativeVerifierContractTest extends NativeVerifierContractTest {

  @TempDir Path dir;

  @Override
  protected NativeVerifier verifier() {
    return new FilesNativeVerifier();
  }

  @Override
  protected NativeBackup backup() throws Exception {
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub/app.env"), "A=1\n");
    Files.write(
        dir.resolve("data.bin"), GeneratedBytes.of(GeneratedBytes.Kind.RANDOM, 3).bytes(100_000));
    FilesSource source = FilesSource.of(dir, "config");
    byte[] tar = SourceContractTestSupport.readAll(source.open());
    return NativeBackup.of(source.kind(), source.name(), source.format(), tar, Map.of("files", 2));
  }
}
