package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgUriTest {

  @TempDir Path home;

  PgUri parse(String uri, Map<String, String> env) {
    return PgUri.parse(URI.create(uri), PostgresSource.OPTIONS, env, home);
  }

  @Test
  void readsUserHostPortDatabaseAndOptions() {
    PgUri uri =
        parse("postgresql://alice@db.example:6543/orders?schema=a&schema=b&jobs=4", Map.of());
    assertThat(uri.user()).isEqualTo("alice");
    assertThat(uri.host()).isEqualTo("db.example");
    assertThat(uri.port()).isEqualTo(6543);
    assertThat(uri.database()).isEqualTo("orders");
    assertThat(uri.all("schema")).containsExactly("a", "b");
    assertThat(uri.intOption("jobs", 1, 1)).isEqualTo(4);
    assertThat(uri.password()).isEmpty();
  }

  @Test
  void defaultsFollowLibpq() {
    PgUri uri = parse("postgres://bob@h", Map.of("PGPORT", "5999"));
    assertThat(uri.port()).isEqualTo(5999);
    assertThat(uri.database()).isEqualTo("bob");
  }

  @Test
  void passwordFromTheUriIsNeverShown() {
    PgUri uri = parse("postgresql://alice:s%40cret@h:5432/db", Map.of("PGPASSWORD", "other"));
    assertThat(uri.password()).contains("s@cret");
    assertThat(uri.toString()).isEqualTo("postgresql://alice@h:5432/db").doesNotContain("cret");
    assertThat(uri.redacted()).doesNotContain("cret");
    assertThat(uri.toolConnectionArgs()).noneMatch(a -> a.contains("cret"));
    assertThat(uri.toolEnvironment(Map.of("PGPASSWORD", "inherited", "HOME", "/h")))
        .containsEntry("PGPASSWORD", "s@cret")
        .containsEntry("HOME", "/h");
    assertThat(
            PostgresSource.of(URI.create("postgresql://alice:s%40cret@h:5432/db?jobs=2"))
                .toString())
        .isEqualTo("postgresql://alice@h:5432/db?jobs=2");
  }

  @Test
  void passwordFromPgpasswordThenFromThePasswordFile() throws Exception {
    assertThat(parse("postgresql://alice@h:5432/db", Map.of("PGPASSWORD", "envpw")).password())
        .contains("envpw");
    Path pgpass = home.resolve(".pgpass");
    Files.writeString(
        pgpass,
        "# comment\nother:5432:*:alice:nope\nh:5432:db:alice:file\\:pw\n*:*:*:*:fallback\n");
    Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
    PgUri uri = parse("postgresql://alice@h:5432/db", Map.of());
    assertThat(uri.password()).contains("file:pw");
    assertThat(uri.passwordOrigin()).isEqualTo(pgpass.toString());
    assertThat(parse("postgresql://carol@x:1/y", Map.of()).password()).contains("fallback");
    assertThat(uri.toolEnvironment(Map.of())).containsEntry("PGPASSWORD", "file:pw");
  }

  @Test
  void aPasswordFileOthersCanReadIsIgnoredAsLibpqDoes() throws Exception {
    Path pgpass = home.resolve(".pgpass");
    Files.writeString(pgpass, "*:*:*:*:leaky\n");
    Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-r--r--"));
    PgUri uri = parse("postgresql://alice@h:5432/db", Map.of());
    assertThat(uri.password()).isEmpty();
    assertThat(uri.toolEnvironment(Map.of("PGPASSWORD", "inherited")))
        .doesNotContainKey("PGPASSWORD");
  }

  @Test
  void pgpassfileNamesAnotherFile() throws Exception {
    Path file = home.resolve("elsewhere");
    Files.writeString(file, "h:5432:db:alice:there\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    assertThat(
            parse("postgresql://alice@h:5432/db", Map.of("PGPASSFILE", file.toString())).password())
        .contains("there");
  }

  @Test
  void unknownOptionsAndPasswordsInTheQueryAreRefused() {
    assertThatThrownBy(() -> parse("postgresql://a:pw@h/db?jobz=2", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("postgresql: unknown option 'jobz'; known options: ")
        .hasMessageContaining("known options: ")
        .hasMessageNotContaining("pw");
    assertThatThrownBy(() -> parse("postgresql://a@h/db?password=x", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("put it in PGPASSWORD or ~/.pgpass")
        .hasMessageNotContaining("=x");
    assertThatThrownBy(() -> parse("postgresql://a@h/db?jobs=1&jobs=2", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("postgresql: option 'jobs' is given twice; give it once");
    assertThat(parse("postgresql://a@h/db?table=a&TABLE=b%2Bc", Map.of()).all("table"))
        .containsExactly("a", "b+c");
    assertThatThrownBy(() -> PostgresSource.of(URI.create("postgresql://a@h/db?jobs=0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("postgresql: option jobs (0) must be at least 1");
    assertThatThrownBy(() -> PgUri.parse(URI.create("mysql://h/db"), Set.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be postgresql or postgres");
  }

  @Test
  void sourceNameAndFormatFollowThePlanLayout() {
    PostgresSource plain = PostgresSource.of(URI.create("postgresql://a@h/db"));
    assertThat(plain.name()).isEqualTo("postgres");
    assertThat(plain.format()).isEqualTo("dump");
    assertThat(plain.kind()).isEqualTo("postgresql");
    PostgresSource parallel =
        PostgresSource.of(URI.create("postgresql://a@h/db?jobs=3&name=orders"));
    assertThat(parallel.name()).isEqualTo("orders");
    assertThat(parallel.format()).isEqualTo("dirtar");
    assertThatThrownBy(() -> PostgresSource.of(URI.create("postgresql://a@h/db?name=Bad%20Name")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void conninfoQuotesAnyDatabaseName() {
    assertThat(PostgresSource.conninfoDbname("plain")).isEqualTo("dbname='plain'");
    assertThat(PostgresSource.conninfoDbname("it's=odd\\")).isEqualTo("dbname='it\\'s=odd\\\\'");
  }
}
