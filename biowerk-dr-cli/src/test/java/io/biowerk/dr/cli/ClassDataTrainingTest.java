package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class-data training runs every step it names in its own directory and touches
 * nothing else.
 */
class ClassDataTrainingTest {

  @TempDir Path dir;

  @Test
  void trainsABackupVerifyAndRestoreInItsOwnDirectory() throws Exception {
    ClassDataTraining.train(dir);

    // train() throws, naming the step, when a step exits non-zero; what each step left shows it
    // really ran.
    assertThat(dir.resolve("home/.config/biowerk-dr/key")).as("the throwaway key").isNotEmptyFile();
    try (var walk = Files.walk(dir.resolve("repo"))) {
      assertThat(walk.map(Path::toString))
          .anyMatch(p -> p.endsWith(".tar.zst.enc"))
          .anyMatch(p -> p.endsWith(".manifest.json"));
    }
    assertThat(Files.readString(dir.resolve("restored/table.sql")))
        .isEqualTo(Files.readString(dir.resolve("data/table.sql")));
    assertThat(Files.readAllBytes(dir.resolve("restored/noise.bin")))
        .isEqualTo(Files.readAllBytes(dir.resolve("data/noise.bin")));
  }
}
