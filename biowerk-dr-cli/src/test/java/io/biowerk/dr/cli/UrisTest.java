package io.biowerk.dr.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UrisTest {

  @TempDir Path dir;

  @Test
  void plainPathsAndRelativeFileUrisBecomeAbsoluteFileUris() throws Exception {
    Cli cli = new Cli(dir);
    Environment env =
        new Environment(
            cli.variables,
            cli.home,
            cli.work,
            new java.io.PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, UTF_8))),
            new java.io.PrintWriter(new BufferedWriter(new OutputStreamWriter(System.err, UTF_8))),
            false,
            cli.clock);
    assertThat(Uris.parse("docs", "x", env)).isEqualTo(Uris.fileUri(cli.work.resolve("docs")));
    assertThat(Uris.parse("file:docs", "x", env)).isEqualTo(Uris.fileUri(cli.work.resolve("docs")));
    assertThat(Uris.parse("/var/backups/", "x", env)).isEqualTo(URI.create("file:///var/backups"));
    assertThat(Uris.parse("~/keys", "x", env)).isEqualTo(Uris.fileUri(cli.home.resolve("keys")));
    assertThat(Uris.parse("file:///srv/data", "x", env)).isEqualTo(URI.create("file:///srv/data"));
    assertThat(Uris.parse("s3://bucket/prefix", "x", env))
        .isEqualTo(URI.create("s3://bucket/prefix"));
    assertThat(Uris.fileUri(Path.of("/"))).isEqualTo(URI.create("file:///"));
  }

  @Test
  void aMalformedUriIsAUsageErrorThatDoesNotEchoThePassword() throws Exception {
    Cli cli = new Cli(dir);
    Cli.Result result = cli.run("backup", "postgresql://app:s3cret@db host/orders");
    assertThat(result.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err())
        .contains("source URI")
        .contains("is not a valid URI")
        .doesNotContain("s3cret");
    assertThatThrownBy(() -> Uris.parse("redis://:pw@[bad", "repository", null))
        .isInstanceOf(UsageException.class)
        .hasMessageNotContaining("pw");
  }

  @Test
  void redactionRemovesPasswordsAndSecretParameters() {
    assertThat(
            Uris.redact(
                URI.create("postgresql://app:s3cret@db.internal:5432/orders?sslmode=require")))
        .isEqualTo("postgresql://app@db.internal:5432/orders?sslmode=require");
    assertThat(Uris.redact(URI.create("redis://:s3cret@127.0.0.1:6379")))
        .isEqualTo("redis://127.0.0.1:6379");
    assertThat(
            Uris.redact(
                URI.create("s3://bucket/p?access_key=AKIA&secret_key=xyz&region=eu-west-1")))
        .isEqualTo("s3://bucket/p?access_key=***&secret_key=***&region=eu-west-1");
    assertThat(Uris.redact(URI.create("mongodb://u:p@a:1,b:2/db?password=x")))
        .isEqualTo("mongodb://u@a:1,b:2/db?password=***");
    assertThat(Uris.redact(URI.create("file:///etc/biowerk"))).isEqualTo("file:///etc/biowerk");
  }
}
