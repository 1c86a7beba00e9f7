package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run nobody attends (cron, a service, a pipeline: no terminal) with no configured key or
 * repository refuses with exit 2 and says what to set, instead of creating {@code
 * ./biowerk-backups} wherever it was started and a key nobody stored; what is configured, or
 * already exists, still works. The launcher's side (the terminal check through a real pty) is in
 * {@code LauncherIT}.
 */
class UnattendedRunTest {

  @TempDir Path dir;
  Cli cli;
  Path data;

  @BeforeEach
  void setUp() throws IOException {
    cli = new Cli(dir);
    cli.variables.put(Environment.ATTENDED_VARIABLE, "0");
    data = Files.createDirectories(dir.resolve("data"));
    Files.writeString(data.resolve("a.txt"), "alpha\n");
  }

  private boolean emptyOrMissing(Path path) throws IOException {
    if (!Files.exists(path)) {
      return true;
    }
    try (Stream<Path> entries = Files.list(path)) {
      return entries.findAny().isEmpty();
    }
  }

  @Test
  void withNothingConfiguredABackupRefusesAndCreatesNeitherRepositoryNorKey() throws IOException {
    Cli.Result run = cli.run("backup", data.toString());

    assertThat(run.code()).as(run.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .contains("no repository is configured")
        .contains("no terminal")
        .contains("--repo")
        .contains("$BIOWERK_DR_REPO")
        .contains(". /etc/biowerk-dr/env")
        .contains(cli.work.toString());
    assertThat(cli.defaultRepo()).doesNotExist();
    assertThat(cli.defaultKeyFile()).doesNotExist();
  }

  @Test
  void withARepositoryButNoKeyItRefusesToCreateTheKeyAndBacksUpNothing() throws IOException {
    Path repo = dir.resolve("repo");
    Cli.Result run = cli.run("backup", data.toString(), "--repo", repo.toString());

    assertThat(run.code()).as(run.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .contains("no encryption key is configured")
        .contains(cli.defaultKeyFile().toString())
        .contains("biowerk-dr keys generate")
        .contains("$BIOWERK_DR_KEY_FILE")
        .contains("--no-encrypt");
    assertThat(run.err()).doesNotContain("WARNING: store a copy");
    assertThat(cli.defaultKeyFile()).doesNotExist();
    assertThat(emptyOrMissing(repo)).as("nothing backed up into " + repo).isTrue();
  }

  @Test
  void aNamedKeyFileThatIsMissingIsNotCreatedWithoutATerminal() throws IOException {
    Path repo = dir.resolve("repo");
    Path key = dir.resolve("vault-mount/backup-keys");
    cli.variables.put(Environment.KEY_FILE_VARIABLE, key.toString());

    Cli.Result run = cli.run("backup", data.toString(), "--repo", repo.toString());

    assertThat(run.code()).as(run.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .contains("the key file " + key + " ($BIOWERK_DR_KEY_FILE) does not exist")
        .contains("no terminal");
    assertThat(key).doesNotExist();
    assertThat(emptyOrMissing(repo)).isTrue();

    Cli.Result option =
        cli.run("backup", data.toString(), "--repo", repo.toString(), "--key-file", "k2");
    assertThat(option.code()).as(option.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(option.err()).contains("(--key-file) does not exist");
    assertThat(cli.work.resolve("k2")).doesNotExist();
  }

  @Test
  void theRefusalAppliesToTheRepositoryVariableLeftUnsetOnlyNotToAConfiguredOne()
      throws IOException {
    Path key = dir.resolve("etc/key");
    Files.createDirectories(key.getParent());
    // keys generate is an explicit request for a key: allowed without a terminal
    Cli.Result generate = cli.run("keys", "generate", "--key-file", key.toString());
    assertThat(generate.code()).as(generate.toString()).isZero();
    Path repo = dir.resolve("var/backups");
    cli.variables.put(Environment.REPO_VARIABLE, repo.toString());
    cli.variables.put(Environment.KEY_FILE_VARIABLE, key.toString());

    Cli.Result backup = cli.run("backup", data.toString());

    assertThat(backup.code()).as(backup.toString()).isZero();
    assertThat(cli.run("verify", "latest").code()).isZero();
    assertThat(cli.defaultRepo()).doesNotExist();
    assertThat(cli.defaultKeyFile()).doesNotExist();
  }

  @Test
  void anExistingDefaultRepositoryAndKeyAreUsedNotCreated() throws IOException {
    cli.variables.put(Environment.ATTENDED_VARIABLE, "1");
    Cli.Result first = cli.run("backup", data.toString());
    assertThat(first.code()).as(first.toString()).isZero();
    assertThat(first.err()).contains("created a new encryption key");

    cli.variables.put(Environment.ATTENDED_VARIABLE, "0");
    cli.clock.advance(java.time.Duration.ofMinutes(1));
    Cli.Result second = cli.run("backup", data.toString());

    assertThat(second.code()).as(second.toString()).isZero();
    assertThat(second.err()).doesNotContain("created a new encryption key");
    assertThat(Json.read(cli.run("list", "--json").out())).hasSize(2);
  }

  @Test
  void anUnencryptedBackupIntoAGivenRepositoryNeedsNoKey() throws IOException {
    Path repo = dir.resolve("repo");
    Cli.Result run = cli.run("backup", data.toString(), "--repo", repo.toString(), "--no-encrypt");

    assertThat(run.code()).as(run.toString()).isZero();
    assertThat(cli.defaultKeyFile()).doesNotExist();
  }

  @Test
  void theLauncherHintAndProcSayWhichStreamsAreTerminals(@TempDir Path proc) throws IOException {
    assertThat(Environment.isTerminal(0, "02", proc)).isTrue();
    assertThat(Environment.isTerminal(1, "02", proc)).isFalse();
    assertThat(Environment.isTerminal(2, "02", proc)).isTrue();
    assertThat(Environment.isTerminal(0, "none", proc)).isFalse();
    assertThat(Environment.isTerminal(2, "none", proc)).isFalse();

    // without the hint: where /proc/self/fd/N points
    Files.createSymbolicLink(proc.resolve("0"), Path.of("/dev/pts/3"));
    Files.createSymbolicLink(proc.resolve("1"), Path.of("/dev/null"));
    Files.createSymbolicLink(proc.resolve("2"), Path.of("pipe:[12345]"));
    assertThat(Environment.isTerminal(0, null, proc)).isTrue();
    assertThat(Environment.isTerminal(1, null, proc)).isFalse();
    assertThat(Environment.isTerminal(2, null, proc)).isFalse();
    Files.delete(proc.resolve("0"));
    Files.createSymbolicLink(proc.resolve("0"), Path.of("/dev/tty1"));
    assertThat(Environment.isTerminal(0, null, proc)).isTrue();
    // a closed stream: no link
    Files.delete(proc.resolve("0"));
    assertThat(Environment.isTerminal(0, null, proc)).isFalse();
  }

  @Test
  void theVariableOverridesTheTerminalCheckBothWays() {
    var out = new java.io.PrintWriter(java.io.Writer.nullWriter());
    java.time.Clock clock = java.time.Clock.systemUTC();
    assertThat(new Environment(java.util.Map.of(), dir, dir, out, out, true, clock).attended())
        .isTrue();
    assertThat(
            new Environment(
                    java.util.Map.of(Environment.ATTENDED_VARIABLE, "0"),
                    dir,
                    dir,
                    out,
                    out,
                    true,
                    clock)
                .attended())
        .isFalse();
    assertThat(
            new Environment(
                    java.util.Map.of(Environment.ATTENDED_VARIABLE, "1"),
                    dir,
                    dir,
                    out,
                    out,
                    false,
                    clock)
                .attended())
        .isTrue();
  }
}
