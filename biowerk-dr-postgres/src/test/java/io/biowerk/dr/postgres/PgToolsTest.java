package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tool discovery. Only PostgreSQL 15's client is installed here, so other majors are FAKES:
 * two-line shell scripts that print what {@code pg_dump --version} of that major prints, which is
 * all discovery reads.
 */
class PgToolsTest {

  @TempDir Path dir;

  /** A fake tool that only answers {@code --version}. */
  Path fakeTool(Path binDir, String name, String version) throws Exception {
    Files.createDirectories(binDir);
    Path tool = binDir.resolve(name);
    Files.writeString(tool, "#!/bin/sh\necho '" + name + " (PostgreSQL) " + version + " (Fake)'\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwx------"));
    return tool;
  }

  @Test
  void parsesVersionsOldAndNew() {
    assertThat(PgTools.parseVersion("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"))
        .contains(150020);
    assertThat(PgTools.parseVersion("pg_dump (PostgreSQL) 9.6.24")).contains(90624);
    assertThat(PgTools.parseVersion("pg_dump (PostgreSQL) 17beta1")).contains(170000);
    assertThat(PgTools.parseVersion("something else")).isEmpty();
    assertThat(PgTools.major(150020)).isEqualTo(15);
    assertThat(PgTools.majorText(90624)).isEqualTo("9.6");
    assertThat(PgTools.versionText(150020)).isEqualTo("15.20");
  }

  @Test
  void prefersTheHighestMajorUnderTheDebianLayout() throws Exception {
    Path root = dir.resolve("lib");
    fakeTool(root.resolve("14/bin"), "pg_dump", "14.11");
    Path sixteen = fakeTool(root.resolve("16/bin"), "pg_dump", "16.2");
    Path onPath = fakeTool(dir.resolve("usr-bin"), "pg_dump", "13.1");
    PgTools.Tool tool =
        new PgTools(root, dir.resolve("usr-bin").toString())
            .find("pg_dump", Optional.empty(), 150004, "the server");
    assertThat(tool.path()).isEqualTo(sixteen);
    assertThat(tool.version()).isEqualTo("16.2");
    assertThat(onPath).exists();
  }

  @Test
  void fallsBackToThePath() throws Exception {
    Path onPath = fakeTool(dir.resolve("usr-bin"), "pg_restore", "16.1");
    PgTools.Tool tool =
        new PgTools(dir.resolve("none"), "/nonexistent:" + dir.resolve("usr-bin"))
            .find("pg_restore", Optional.empty(), 160000, "the server");
    assertThat(tool.path()).isEqualTo(onPath);
  }

  @Test
  void aToolOlderThanTheServerIsRefusedNamingBothVersionsAndWhatToInstall() throws Exception {
    fakeTool(dir.resolve("lib/14/bin"), "pg_dump", "14.11");
    assertThatThrownBy(
            () ->
                new PgTools(dir.resolve("lib"), "")
                    .find("pg_dump", Optional.empty(), 170002, "the server"))
        .isInstanceOf(PgTools.ToolProblem.class)
        .hasMessageStartingWith(
            "postgresql: pg_dump 14.11 at "
                + dir.resolve("lib/14/bin/pg_dump")
                + " is older than the server (PostgreSQL 17.2)")
        .hasMessageContaining("apt-get install postgresql-client-17")
        .hasMessageContaining("pg-dump=/path/to/pg_dump");
  }

  @Test
  void anExplicitToolIsUsedAsGivenButStillChecked() throws Exception {
    Path old = fakeTool(dir.resolve("custom"), "pg_dump", "12.3");
    assertThat(
            new PgTools(dir.resolve("none"), "")
                .find(
                    "pg_dump", Optional.of(dir.resolve("custom").toString()), 120000, "the server")
                .path())
        .isEqualTo(old);
    assertThatThrownBy(
            () ->
                new PgTools(dir.resolve("none"), "")
                    .find("pg_dump", Optional.of(old.toString()), 150000, "the server"))
        .isInstanceOf(PgTools.ToolProblem.class)
        .hasMessageContaining("pg_dump 12.3")
        .hasMessageContaining("PostgreSQL 15.0")
        .hasMessageContaining("apt-get install postgresql-client-15");
    assertThatThrownBy(
            () ->
                new PgTools(dir.resolve("none"), "")
                    .find(
                        "pg_dump",
                        Optional.of(dir.resolve("missing").toString()),
                        150000,
                        "the server"))
        .isInstanceOf(PgTools.ToolProblem.class)
        .hasMessageContaining("is not an executable file");
  }

  @Test
  void noToolAtAllSaysWhatToInstall() {
    assertThatThrownBy(
            () ->
                new PgTools(dir.resolve("none"), dir.toString())
                    .find("pg_restore", Optional.empty(), 150000, "the server"))
        .isInstanceOf(PgTools.ToolProblem.class)
        .hasMessageStartingWith("postgresql: pg_restore not found")
        .hasMessageContaining("apt-get install postgresql-client-15");
  }

  @Test
  void findsTheRealClientOfThisMachine() throws Exception {
    PgTools.Tool tool = PgTools.system().find("pg_dump", Optional.empty(), 100000, "the server");
    assertThat(tool.major()).isGreaterThanOrEqualTo(10);
    assertThat(tool.path()).isExecutable();
  }

  @Test
  void runsTheToolThroughStdbufWhenItIsOnThePathAndWorks() throws Exception {
    Path tool = fakeTool(dir.resolve("bin"), "pg_dump", "15.4");
    List<String> command = List.of(tool.toString(), "-Fc", "--dbname=x");
    List<String> wrapped =
        new PgTools(dir.resolve("none"), "/nonexistent:/usr/bin").withStdoutBuffer(command, 4096);
    assertThat(wrapped)
        .containsExactly("/usr/bin/stdbuf", "-o4096", tool.toString(), "-Fc", "--dbname=x");
    // and the wrapped command runs the tool
    Process p = new ProcessBuilder(wrapped.subList(0, 3)).redirectErrorStream(true).start();
    assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .contains("(PostgreSQL) 15.4");
  }

  @Test
  void runsTheToolAsItIsWithoutAWorkingStdbuf() throws Exception {
    Path tool = fakeTool(dir.resolve("bin"), "pg_dump", "15.4");
    List<String> command = List.of(tool.toString(), "-Fc");
    assertThat(
            new PgTools(dir.resolve("none"), dir.resolve("empty").toString())
                .withStdoutBuffer(command, 4096))
        .isEqualTo(command);
    // a stdbuf that cannot preload its library fails the check, so the tool runs unwrapped
    Path broken = dir.resolve("broken");
    Files.createDirectories(broken);
    Files.writeString(
        broken.resolve("stdbuf"),
        "#!/bin/sh\necho \"stdbuf: failed to find 'libstdbuf.so'\" >&2\nexit 125\n");
    Files.setPosixFilePermissions(
        broken.resolve("stdbuf"), PosixFilePermissions.fromString("rwx------"));
    assertThat(new PgTools(dir.resolve("none"), broken.toString()).withStdoutBuffer(command, 4096))
        .isEqualTo(command);
  }
}
