package io.biowerk.dr.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.cli.serve.ServeConfig.SourceConfig;
import io.biowerk.dr.core.VerificationLevel;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReaderTest {

  /**
   * The schemes the tests pretend are on the class path, as the CLI's shaded jar would have them.
   */
  static final List<String> SOURCES = List.of("file", "postgresql", "redis", "mongodb");

  static final List<String> SINKS = List.of("file", "s3");

  @TempDir Path dir;

  private static final String VALID =
      """
      repositories: [repo]
      sources:
        docs:
          uri: file:///srv/docs
          backup: "0 2 * * *"
      """;

  private ServeConfig read(String yaml) throws IOException {
    Path file = dir.resolve("biowerk-dr.yml");
    Files.writeString(file, yaml);
    return ConfigReader.read(file, SOURCES, SINKS);
  }

  private ConfigException error(String yaml) {
    try {
      read(yaml);
    } catch (ConfigException e) {
      assertThat(e.getMessage()).startsWith("serve config: " + dir.resolve("biowerk-dr.yml"));
      return e;
    } catch (IOException e) {
      throw new AssertionError("expected a ConfigException, got " + e, e);
    }
    throw new AssertionError("expected a ConfigException for:\n" + yaml);
  }

  @Test
  void theShippedExampleIsThePlan() throws IOException {
    Path example =
        Path.of(System.getProperty("biowerk.root", "..")).resolve("deploy/biowerk-dr.yml");
    ServeConfig config = ConfigReader.read(example, SOURCES, SINKS);

    assertThat(config.server().host()).isEqualTo("127.0.0.1");
    assertThat(config.server().port()).isEqualTo(8090);
    assertThat(config.server().loopback()).isTrue();
    assertThat(config.repositories())
        .containsExactly(
            URI.create("file:///var/backups/biowerk"),
            URI.create("s3://biowerk-backups-production/?storage-class=STANDARD_IA"));
    assertThat(config.keys().rotation()).isEqualTo(Duration.ofDays(90));
    // The key-rotation reminder, Mondays 09:00 UTC.
    assertThat(config.keys().reminder().orElseThrow().next(Instant.parse("2024-01-15T10:00:00Z")))
        .contains(Instant.parse("2024-01-22T09:00:00Z"));
    // The monthly drill, 06:00 UTC on the 1st.
    assertThat(
            config
                .server()
                .drillSchedule()
                .orElseThrow()
                .next(Instant.parse("2024-01-15T00:00:00Z")))
        .contains(Instant.parse("2024-02-01T06:00:00Z"));
    assertThat(config.server().drillRules())
        .contains(
            example
                .getParent()
                .resolve("prometheus/backup-alerts.yml")
                .toAbsolutePath()
                .normalize());
    assertThat(config.sources())
        .extracting(SourceConfig::name)
        .containsExactly("postgres", "mongodb", "redis");
    // WAL and oplog continuously, run by the service, with the default restart backoff.
    assertThat(config.streams())
        .extracting(ServeConfig.StreamConfig::id)
        .containsExactly("postgres/wal", "mongodb/oplog");
    for (ServeConfig.StreamConfig stream : config.streams()) {
      assertThat(stream.run()).isTrue();
      assertThat(stream.maxLag()).isEqualTo(Duration.ofMinutes(15));
      assertThat(stream.restartBackoff()).isEqualTo(Duration.ofSeconds(5));
      assertThat(stream.uri()).isEmpty();
    }

    Instant monday = Instant.parse("2024-01-15T00:00:00Z");
    SourceConfig postgres = config.source("postgres").orElseThrow();
    assertThat(postgres.backup().next(monday)).contains(Instant.parse("2024-01-15T02:00:00Z"));
    assertThat(postgres.rto()).isEqualTo(Duration.ofHours(2));
    SourceConfig mongodb = config.source("mongodb").orElseThrow();
    assertThat(mongodb.backup().next(monday)).contains(Instant.parse("2024-01-15T02:30:00Z"));
    assertThat(mongodb.rto()).isEqualTo(Duration.ofHours(2));
    SourceConfig redis = config.source("redis").orElseThrow();
    assertThat(redis.backup().next(Instant.parse("2024-01-15T03:00:00Z")))
        .contains(Instant.parse("2024-01-15T06:00:00Z"));
    assertThat(redis.rto()).isEqualTo(Duration.ofHours(1));
    for (SourceConfig source : config.sources()) {
      assertThat(source.rpo()).isEqualTo(Duration.ofHours(1));
      assertThat(source.retention()).isEqualTo(ServeConfig.Retention.PLAN);
      assertThat(source.password()).isPresent();
      assertThat(source.encrypt()).isTrue();
      // Weekly restore test, Sundays 04:00 UTC: 2024-01-21 is the Sunday after Monday 2024-01-15.
      assertThat(source.restoreTest().orElseThrow().schedule().next(monday))
          .contains(Instant.parse("2024-01-21T04:00:00Z"));
      assertThat(source.restoreTest().orElseThrow().level()).isEqualTo(VerificationLevel.RESTORE);
    }
  }

  @Test
  void theContainersConfigurationListensBeyondLoopbackWithAToken() throws IOException {
    Path root = Path.of(System.getProperty("biowerk.root", ".."));
    ServeConfig container =
        ConfigReader.read(root.resolve("deploy/container/biowerk-dr.yml"), SOURCES, SINKS);
    ServeConfig plan = ConfigReader.read(root.resolve("deploy/biowerk-dr.yml"), SOURCES, SINKS);
    assertThat(container.server().host()).isEqualTo("0.0.0.0");
    assertThat(container.server().loopback()).isFalse();
    assertThat(container.server().tokenFile())
        .contains(Path.of("/run/secrets/biowerk-dr-api-token"));
    assertThat(container.sources())
        .extracting(
            SourceConfig::name, SourceConfig::uri, s -> s.backup().expression(), SourceConfig::rto)
        .isEqualTo(
            plan.sources().stream()
                .map(
                    s ->
                        org.assertj.core.groups.Tuple.tuple(
                            s.name(), s.uri(), s.backup().expression(), s.rto()))
                .toList());
  }

  @Test
  void defaultsAreThePlansAndFitTwoCores() throws IOException {
    ServeConfig config = read(VALID);
    SourceConfig docs = config.sources().get(0);
    assertThat(config.repositories()).containsExactly(dir.resolve("repo").toUri().resolve("repo"));
    assertThat(config.server().port()).isEqualTo(8090);
    assertThat(config.server().maxConcurrentJobs())
        .isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    assertThat(docs.retention()).isEqualTo(ServeConfig.Retention.PLAN);
    assertThat(docs.rpo()).isEqualTo(Duration.ofHours(1));
    assertThat(docs.backup().zone().getId()).isEqualTo("UTC");
    assertThat(docs.verify()).isEmpty();
    assertThat(docs.password()).isEmpty();
  }

  @Test
  void aSourceOverridesTheDefaults() throws IOException {
    ServeConfig config =
        read(
            """
            repositories: [repo]
            defaults: {retries: 5, rpo: 25h, retention: {daily: 7}}
            sources:
              a: {uri: "file:///a", backup: "0 2 * * *"}
              b: {uri: "file:///b", backup: "0 2 * * *", retries: 0, retention: {last: 3}}
            """);
    assertThat(config.source("a").orElseThrow().retries()).isEqualTo(5);
    assertThat(config.source("a").orElseThrow().rpo()).isEqualTo(Duration.ofHours(25));
    assertThat(config.source("a").orElseThrow().retention().daily()).isEqualTo(7);
    assertThat(config.source("b").orElseThrow().retries()).isZero();
    assertThat(config.source("b").orElseThrow().retention().last()).isEqualTo(3);
    assertThat(config.source("b").orElseThrow().rpo()).isEqualTo(Duration.ofHours(25));
  }

  @Test
  void theLogWindowIsReadPerSourceWithTheDefaultsAndSevenDaysOtherwise() throws IOException {
    ServeConfig config =
        read(
            """
            repositories: [repo]
            defaults: {retention: {daily: 7, log-window: 3d}}
            sources:
              a: {uri: "file:///a", backup: "0 2 * * *"}
              b: {uri: "file:///b", backup: "0 2 * * *", retention: {last: 3, log-window: PT36H}}
              c: {uri: "file:///c", backup: "0 2 * * *", retention: {last: 3}}
              d: {uri: "file:///d", backup: "0 2 * * *", retention: {log-window: 2w}}
            """);
    assertThat(config.source("a").orElseThrow().retention().logWindow())
        .isEqualTo(Duration.ofDays(3));
    assertThat(config.source("b").orElseThrow().retention().logWindow())
        .isEqualTo(Duration.ofHours(36));
    assertThat(config.source("b").orElseThrow().retention().toString())
        .endsWith("; log window 36h");
    assertThat(config.source("c").orElseThrow().retention().logWindow())
        .isEqualTo(Duration.ofDays(7));
    // only the window given: the plan's backup retention with it
    ServeConfig.Retention d = config.source("d").orElseThrow().retention();
    assertThat(d.logWindow()).isEqualTo(Duration.ofDays(14));
    assertThat(d.policy().toString()).isEqualTo(ServeConfig.Retention.PLAN.policy().toString());
    assertThat(read(VALID).sources().get(0).retention().logWindow()).isEqualTo(Duration.ofDays(7));
    assertThat(ServeConfig.Retention.PLAN.toString()).endsWith("; log window 7d");
  }

  @Test
  void aBadLogWindowNamesFileLineKeyAndTheExpectedForm() {
    ConfigException e = error(VALID + "    retention: {daily: 7, log-window: a week}\n");
    assertThat(e.line()).isEqualTo(6);
    assertThat(e.key()).isEqualTo("sources.docs.retention.log-window");
    assertThat(e.getMessage())
        .contains(":6: sources.docs.retention.log-window: 'a week' is not a positive duration")
        .contains("expected e.g. 30s, 90m, 2h, 7d, 2w or P7D");
    assertThat(error(VALID + "    retention: {log-window: 0d}\n").key())
        .isEqualTo("sources.docs.retention.log-window");
    assertThat(error(VALID + "    retention: {log_window: 7d}\n").getMessage())
        .contains("log-window");
  }

  @Test
  void aMissingFileSaysWhich() {
    assertThatThrownBy(() -> ConfigReader.read(dir.resolve("nope.yml"), SOURCES, SINKS))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("nope.yml");
  }

  @Test
  void anEmptyFile() {
    ConfigException e = error("");
    assertThat(e.getMessage()).contains("the file is empty");
  }

  @Test
  void yamlThatDoesNotParseNamesTheLine() {
    ConfigException e =
        error("repositories: [repo]\nsources:\n  docs: {uri: \"file:///x\"\n  bad\n");
    assertThat(e.line()).isGreaterThanOrEqualTo(3);
    assertThat(e.getMessage()).contains("not well-formed YAML");
  }

  @Test
  void aDocumentThatIsNotAMapping() {
    ConfigException e = error("- a\n- b\n");
    assertThat(e.line()).isEqualTo(1);
    assertThat(e.getMessage()).contains("must be a mapping of settings");
  }

  @Test
  void anUnknownKeyListsTheKnownOnes() {
    ConfigException e = error(VALID + "    schedule: \"0 3 * * *\"\n");
    assertThat(e.line()).isEqualTo(6);
    assertThat(e.key()).isEqualTo("sources.docs.schedule");
    assertThat(e.getMessage())
        .contains("unknown key; expected one of:")
        .contains("backup")
        .contains("verify");
  }

  @Test
  void aKeyTwiceIsRefused() {
    ConfigException e = error(VALID + "    backup: \"0 3 * * *\"\n");
    assertThat(e.line()).isEqualTo(6);
    assertThat(e.key()).isEqualTo("sources.docs.backup");
    assertThat(e.getMessage()).contains("appears twice").contains("line 5");
  }

  @Test
  void missingSourcesAndRepositories() {
    assertThat(error("repositories: [repo]\n").getMessage())
        .contains("sources: missing; expected a mapping from source name");
    assertThat(error("sources: {a: {uri: \"file:///a\", backup: \"0 2 * * *\"}}\n").getMessage())
        .contains("repositories: missing; expected a list");
    assertThat(error("repositories: []\nsources: {}\n").key()).isEqualTo("repositories");
    assertThat(error("repositories: [r]\nsources: {}\n").getMessage())
        .contains("no source is configured");
    assertThat(error("repositories: [r]\nsources:\n  a: {backup: \"0 2 * * *\"}\n").key())
        .isEqualTo("sources.a.uri");
    assertThat(error("repositories: [r]\nsources:\n  a: {uri: \"file:///a\"}\n").getMessage())
        .contains("sources.a.backup: missing; expected a cron expression");
  }

  @Test
  void aBadCronExpressionNamesLineKeyAndTheExpectedForm() {
    ConfigException e = error(VALID.replace("0 2 * * *", "0 25 * * *"));
    assertThat(e.line()).isEqualTo(5);
    assertThat(e.key()).isEqualTo("sources.docs.backup");
    assertThat(e.getMessage())
        .contains("'0 25 * * *' is not a cron expression")
        .contains("expected five fields, minute hour day-of-month month day-of-week");
    assertThat(error(VALID.replace("0 2 * * *", "every day")).key())
        .isEqualTo("sources.docs.backup");
  }

  @Test
  void anUnknownSchemeListsTheOnesOnTheClassPath() {
    ConfigException e = error(VALID.replace("file:///srv/docs", "oracle://db/x"));
    assertThat(e.line()).isEqualTo(4);
    assertThat(e.getMessage())
        .contains("no source type serves scheme 'oracle'")
        .contains("file, postgresql, redis, mongodb");
    ConfigException sink = error(VALID.replace("[repo]", "[\"ftp://host/x\"]"));
    assertThat(sink.key()).isEqualTo("repositories[0]");
    assertThat(sink.getMessage())
        .contains("no repository type serves scheme 'ftp'")
        .contains("file, s3");
  }

  @Test
  void aPasswordInTheUriIsRefusedWithoutEchoingIt() {
    ConfigException e = error(VALID.replace("file:///srv/docs", "postgresql://app:s3cret@db/app"));
    assertThat(e.key()).isEqualTo("sources.docs.uri");
    assertThat(e.getMessage()).contains("holds a password").contains("password: {env: VARIABLE}");
    assertThat(e.getMessage()).doesNotContain("s3cret");
  }

  @Test
  void aSecretGivenAsAValueIsRefusedWithoutEchoingIt() {
    ConfigException e = error(VALID + "    password: hunter2\n");
    assertThat(e.key()).isEqualTo("sources.docs.password");
    assertThat(e.line()).isEqualTo(6);
    assertThat(e.getMessage()).contains("by reference only: {env: VARIABLE} or {file:");
    assertThat(e.getMessage()).doesNotContain("hunter2");
    assertThat(error(VALID + "    password: {vault: x}\n").getMessage()).contains("unknown key");
  }

  @Test
  void secretsAreReadByReference() throws IOException {
    ServeConfig config = read(VALID + "    password: {env: DOCS_PASSWORD}\n");
    Secret secret = config.sources().get(0).password().orElseThrow();
    assertThat(secret.toString()).isEqualTo("env:DOCS_PASSWORD");
    assertThat(secret.value(java.util.Map.of("DOCS_PASSWORD", "pw"))).isEqualTo("pw");
    assertThatThrownBy(() -> secret.value(java.util.Map.of()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("environment variable DOCS_PASSWORD is not set");

    Path file = dir.resolve("pw");
    Files.writeString(file, "from-file\n");
    Secret fromFile =
        read(VALID + "    password: {file: pw}\n").sources().get(0).password().orElseThrow();
    Files.setPosixFilePermissions(
        file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> fromFile.value(java.util.Map.of()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("can be read or written by group or others; run `chmod 600");
    Files.setPosixFilePermissions(
        file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertThat(fromFile.value(java.util.Map.of())).isEqualTo("from-file");
  }

  @Test
  void badValuesNameTheKeyAndTheExpectedForm() {
    assertThat(error(VALID + "    rpo: soon\n").getMessage())
        .contains("sources.docs.rpo: 'soon' is not a positive duration; expected e.g. 30s");
    assertThat(error(VALID + "    retries: many\n").getMessage())
        .contains("sources.docs.retries: 'many' is not a whole number from 0 to 100");
    assertThat(error(VALID + "    encrypt: maybe\n").getMessage())
        .contains("'maybe' is not true or false");
    assertThat(error(VALID + "    compression: gzip\n").getMessage())
        .contains("'gzip' is not a compression; expected zstd, zstd:LEVEL (1-22) or none");
    assertThat(error(VALID + "    verify: {schedule: \"0 3 * * *\", level: deep}\n").getMessage())
        .contains("sources.docs.verify.level: 'deep' is not a verification level");
    assertThat(error(VALID + "    verify: {level: native}\n").getMessage())
        .contains("sources.docs.verify.schedule: missing");
    assertThat(error(VALID + "    retention: {daily: -1}\n").key())
        .isEqualTo("sources.docs.retention.daily");
    assertThat(error("time-zone: Mars/Olympus\n" + VALID).getMessage())
        .contains(":1: time-zone: 'Mars/Olympus' is not a time zone");
    assertThat(error("server: {listen: localhost}\n" + VALID).getMessage())
        .contains("server.listen: 'localhost' is not HOST:PORT");
    assertThat(error("server: {listen: \"127.0.0.1:99999\"}\n" + VALID).key())
        .isEqualTo("server.listen");
    assertThat(error("server: {lease-ttl: 1s}\n" + VALID).getMessage()).contains("at least 3s");
    assertThat(error(VALID.replace("  docs:", "  Docs!:")).getMessage())
        .contains("cannot name a source");
    assertThat(error(VALID.replace("[repo]", "[repo, repo]")).getMessage())
        .contains("listed twice");
  }

  @Test
  void schedulesReadTheirTimeZone() throws IOException {
    ServeConfig config = read("time-zone: Europe/Berlin\n" + VALID);
    Schedule backup = config.sources().get(0).backup();
    // 02:00 in Berlin in January is 01:00 UTC.
    assertThat(backup.next(Instant.parse("2024-01-15T00:00:00Z")))
        .contains(Instant.parse("2024-01-15T01:00:00Z"));
    assertThat(backup.previous(Instant.parse("2024-01-15T01:00:00Z")))
        .isEqualTo(Optional.of(Instant.parse("2024-01-15T01:00:00Z")));
    assertThat(backup.previous(Instant.parse("2024-01-15T00:59:59Z")))
        .contains(Instant.parse("2024-01-14T01:00:00Z"));
  }
}
