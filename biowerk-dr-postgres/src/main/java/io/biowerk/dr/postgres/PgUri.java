package io.biowerk.dr.postgres;

import static com.google.common.base.Preconditions.checkArgument;

import io.biowerk.dr.core.UriOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A parsed {@code postgresql://user[:password]@host:port/dbname?options} URI, with the password
 * resolved the way libpq does (URI, then {@code PGPASSWORD}, then the password file) and never
 * shown: {@link #toString()} and {@link #redacted()} leave it out. Immutable.
 */
final class PgUri {

  private static final Logger LOG = LoggerFactory.getLogger(PgUri.class);
  static final Set<String> SCHEMES = Set.of("postgresql", "postgres");

  /**
   * libpq connection options every PostgreSQL URI may carry; JDBC and the tools get the same
   * values.
   */
  static final Set<String> CONNECTION_OPTIONS = Set.of("sslmode", "sslrootcert");

  private final String host;
  private final int port;
  private final String user;
  private final String database;
  private final Optional<String> password;
  private final String passwordOrigin;
  private final Map<String, List<String>> options;

  private PgUri(
      String host,
      int port,
      String user,
      String database,
      Optional<String> password,
      String passwordOrigin,
      Map<String, List<String>> options) {
    this.host = host;
    this.port = port;
    this.user = user;
    this.database = database;
    this.password = password;
    this.passwordOrigin = passwordOrigin;
    this.options = options;
  }

  /**
   * Parses {@code uri}, allowing only the {@code allowed} query options.
   *
   * @throws IllegalArgumentException if the URI is not a PostgreSQL URI or an option is unknown
   */
  static PgUri parse(URI uri, Set<String> allowed) {
    return parse(uri, allowed, System.getenv(), Path.of(System.getProperty("user.home", "/")));
  }

  static PgUri parse(URI uri, Set<String> allowed, Map<String, String> env, Path home) {
    checkArgument(
        uri.getScheme() != null && SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT)),
        "postgresql: URI scheme (%s) must be postgresql or postgres",
        uri.getScheme());
    checkArgument(
        uri.getRawAuthority() != null,
        "postgresql: URI (%s) needs a host: postgresql://user@host:5432/dbname",
        redactedForm(uri));
    String host = uri.getHost();
    checkArgument(
        host != null && !host.isEmpty(),
        "postgresql: URI (%s) needs a host: postgresql://user@host:5432/dbname",
        redactedForm(uri));
    int port = uri.getPort() >= 0 ? uri.getPort() : intOr(env.get("PGPORT"), 5432);
    String user = null;
    String uriPassword = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      if (colon >= 0) {
        uriPassword = decode(userInfo.substring(colon + 1));
      }
    }
    if (user == null || user.isEmpty()) {
      user = env.getOrDefault("PGUSER", System.getProperty("user.name", "postgres"));
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String database = decode(path.startsWith("/") ? path.substring(1) : path);
    checkArgument(
        !database.contains("/"), "postgresql: database name (%s) may not contain '/'", database);
    if (database.isEmpty()) {
      database = env.getOrDefault("PGDATABASE", user);
    }
    UriOptions parsed = spec(allowed).parse(uri);
    Map<String, List<String>> options = new LinkedHashMap<>();
    for (String name : parsed.names()) {
      options.put(name, parsed.all(name));
    }
    Optional<String> password = Optional.ofNullable(uriPassword);
    String origin = "the URI";
    if (password.isEmpty() && env.get("PGPASSWORD") != null) {
      password = Optional.of(env.get("PGPASSWORD"));
      origin = "PGPASSWORD";
    }
    if (password.isEmpty()) {
      Path file =
          env.get("PGPASSFILE") != null ? Path.of(env.get("PGPASSFILE")) : home.resolve(".pgpass");
      password = fromPassFile(file, host, port, database, user);
      origin = file.toString();
    }
    return new PgUri(
        host, port, user, database, password, password.isPresent() ? origin : "none", options);
  }

  private static Set<String> union(Set<String> allowed) {
    TreeSet<String> all = new TreeSet<>(allowed);
    all.addAll(CONNECTION_OPTIONS);
    return all;
  }

  /**
   * Reads the libpq password file: {@code host:port:database:user:password}, {@code *} matching
   * anything.
   */
  static Optional<String> fromPassFile(
      Path file, String host, int port, String database, String user) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      for (PosixFilePermission p : perms) {
        if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
          // libpq ignores such a file too: a password file others can read is a leak.
          LOG.warn(
              "postgresql: ignoring password file {}: it is readable by group or others; chmod 0600 it",
              file);
          return Optional.empty();
        }
      }
    } catch (UnsupportedOperationException | IOException e) {
      // not a POSIX file system: use the file as libpq on such systems does
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      LOG.warn("postgresql: cannot read password file {}: {}", file, e.toString());
      return Optional.empty();
    }
    for (String line : lines) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      List<String> fields = splitPassLine(line);
      if (fields.size() < 5) {
        continue;
      }
      if (matches(fields.get(0), host)
          && matches(fields.get(1), Integer.toString(port))
          && matches(fields.get(2), database)
          && matches(fields.get(3), user)) {
        return Optional.of(fields.get(4));
      }
    }
    return Optional.empty();
  }

  private static boolean matches(String pattern, String value) {
    return pattern.equals("*") || pattern.equals(value);
  }

  private static List<String> splitPassLine(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        field.append(line.charAt(++i));
      } else if (c == ':' && fields.size() < 4) {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    return fields;
  }

  private static int intOr(String value, int fallback) {
    try {
      return value == null ? fallback : Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /** pg_dump options that may be given more than once ({@code table=a&table=b}). */
  static final Set<String> REPEATABLE =
      Set.of("schema", "exclude-schema", "table", "exclude-table", "exclude-table-data");

  /**
   * The query grammar of a PostgreSQL URI that accepts {@code allowed} and the connection options.
   */
  static UriOptions.Spec spec(Set<String> allowed) {
    UriOptions.Spec spec =
        UriOptions.spec("postgresql")
            .refuse(
                "password",
                "a password in the query would end up in logs; put it in PGPASSWORD or ~/.pgpass"
                    + " instead");
    for (String name : union(allowed)) {
      if (REPEATABLE.contains(name)) {
        spec.repeatable(name);
      } else {
        spec.known(name);
      }
    }
    return spec;
  }

  /** Percent-decoding as RFC 3986 has it ({@code +} stays a plus): {@link UriOptions#decode}. */
  static String decode(String raw) {
    return UriOptions.decode(raw);
  }

  /** The URI with the password removed, for messages when parsing fails. */
  static String redactedForm(URI uri) {
    String info = uri.getRawUserInfo();
    if (info == null || info.indexOf(':') < 0) {
      return uri.toString();
    }
    return uri.toString().replace(info + "@", info.substring(0, info.indexOf(':')) + "@");
  }

  String host() {
    return host;
  }

  int port() {
    return port;
  }

  String user() {
    return user;
  }

  String database() {
    return database;
  }

  Optional<String> password() {
    return password;
  }

  /**
   * Where the password came from ({@code the URI}, {@code PGPASSWORD}, a file path, {@code none}).
   */
  String passwordOrigin() {
    return passwordOrigin;
  }

  /** The same server and user, another database. */
  PgUri withDatabase(String other) {
    return new PgUri(host, port, user, other, password, passwordOrigin, options);
  }

  List<String> all(String option) {
    return Collections.unmodifiableList(options.getOrDefault(option, List.of()));
  }

  Optional<String> option(String option) {
    List<String> values = options.getOrDefault(option, List.of());
    return values.isEmpty() ? Optional.empty() : Optional.of(values.get(values.size() - 1));
  }

  boolean flag(String option, boolean fallback) {
    Optional<String> value = option(option);
    if (value.isEmpty()) {
      return fallback;
    }
    String v = value.get().toLowerCase(Locale.ROOT);
    checkArgument(
        v.equals("true") || v.equals("false") || v.equals("1") || v.equals("0"),
        "postgresql: option %s (%s) must be true or false",
        option,
        value.get());
    return v.equals("true") || v.equals("1");
  }

  int intOption(String option, int fallback, int min) {
    Optional<String> value = option(option);
    if (value.isEmpty()) {
      return fallback;
    }
    int n;
    try {
      n = Integer.parseInt(value.get());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "postgresql: option " + option + " (" + value.get() + ") must be a whole number");
    }
    checkArgument(n >= min, "postgresql: option %s (%s) must be at least %s", option, n, min);
    return n;
  }

  /** {@code host:port}, for messages. */
  String server() {
    return host + ":" + port;
  }

  /** {@code postgresql://user@host:port/dbname}: no password, no options. */
  String redacted() {
    return "postgresql://" + user + "@" + server() + "/" + database;
  }

  /** Opens a JDBC connection to {@link #database()}; the caller closes it. */
  Connection connect() throws SQLException {
    return connect(database);
  }

  /**
   * Opens a JDBC connection to {@code db} on the same server as the same user; the caller closes
   * it.
   */
  Connection connect(String db) throws SQLException {
    return connect(db, 15);
  }

  /** As {@link #connect(String)}, giving up connecting after {@code timeoutSeconds}. */
  Connection connect(String db, int timeoutSeconds) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    password.ifPresent(p -> props.setProperty("password", p));
    props.setProperty("ApplicationName", "biowerk-dr");
    props.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
    option("sslmode").ifPresent(v -> props.setProperty("sslmode", v));
    option("sslrootcert").ifPresent(v -> props.setProperty("sslrootcert", v));
    String url =
        "jdbc:postgresql://"
            + (host.contains(":") ? "[" + host + "]" : host)
            + ":"
            + port
            + "/"
            + java.net.URLEncoder.encode(db, StandardCharsets.UTF_8).replace("+", "%20");
    return DriverManager.getConnection(url, props);
  }

  /**
   * The environment for a child libpq tool: the parent's, minus any inherited password and
   * connection defaults, plus the resolved password in {@code PGPASSWORD} (never on the command
   * line, where {@code ps} would show it).
   */
  Map<String, String> toolEnvironment(Map<String, String> inherited) {
    Map<String, String> env = new HashMap<>(inherited);
    for (String name :
        List.of(
            "PGPASSWORD",
            "PGHOST",
            "PGHOSTADDR",
            "PGPORT",
            "PGUSER",
            "PGDATABASE",
            "PGSERVICE",
            "PGOPTIONS")) {
      env.remove(name);
    }
    password.ifPresent(p -> env.put("PGPASSWORD", p));
    env.putIfAbsent("PGCONNECT_TIMEOUT", "15");
    option("sslmode").ifPresent(v -> env.put("PGSSLMODE", v));
    option("sslrootcert").ifPresent(v -> env.put("PGSSLROOTCERT", v));
    env.put("PGAPPNAME", "biowerk-dr");
    return env;
  }

  /**
   * The libpq connection arguments for a tool: {@code -h host -p port -U user -w} (never prompts).
   */
  List<String> toolConnectionArgs() {
    return List.of("-h", host, "-p", Integer.toString(port), "-U", user, "-w");
  }

  @Override
  public String toString() {
    return redacted();
  }
}
