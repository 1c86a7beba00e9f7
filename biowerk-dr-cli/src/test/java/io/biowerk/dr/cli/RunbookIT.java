package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code docs/runbook.md} as written: every {@code bash} and {@code cron} block, in the order
 * of the page, as one DR exercise through the real launcher, against a PostgreSQL database of this
 * test's own (127.0.0.1:5432, or {@code BIOWERK_DR_PG_HOSTPORT}), two private {@code redis-server}
 * processes (production and staging), a MongoDB wire-protocol server ({@link IsolatedMongoServer})
 * and file repositories in a temporary directory. So the runbook cannot drift from the tool again.
 *
 * <p>What the test changes in a block before running it is what the page says it changes ({@link
 * #substitute}): paths under a temporary root, host names to its servers, one database name per
 * host, a second file repository for the S3 bucket, the example times to moments of the exercise.
 * Between blocks it does what the page tells the operator to do outside its blocks (the machine is
 * lost before "Full system recovery"; the environment file is written again after it). A block
 * annotated {@code <!-- runbook-test: skip REASON -->} is not run; the reason is required. Crontab
 * lines run the way cron runs them: {@code env -i} with cron's {@code PATH=/usr/bin:/bin}, {@code
 * HOME}, {@code SHELL}, {@code LOGNAME} only, through {@code /bin/sh -c}, in the home directory.
 */
class RunbookIT {

  static final String SERVER = System.getenv().getOrDefault("REDIS_SERVER", "redis-server");
  static final String CLIENT = System.getenv().getOrDefault("REDIS_CLI", "redis-cli");
  static final String CRON_PATH = "/usr/bin:/bin";

  @TempDir Path dir;
  final String hostPort = System.getenv().getOrDefault("BIOWERK_DR_PG_HOSTPORT", "127.0.0.1:5432");
  final String token = token();
  final List<String> databases = new ArrayList<>();
  final List<Process> started = new ArrayList<>();
  Path root;
  Path sys;
  Path home;
  Path shell;
  Path bin;
  int redisPort;
  int stagingRedisPort;
  IsolatedMongoServer mongo;

  /** What the page's example times become: set once the scheduled backups have run. */
  Instant exampleTime;

  private static String token() {
    byte[] b = new byte[4];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  // ---- the page ------------------------------------------------------------------------------

  /** A fenced block of the page: its line, language, text, the section it is in, its annotation. */
  record Block(int line, String language, String text, String section, String annotation) {

    boolean isCommands() {
      return language.equals("bash") || language.equals("cron");
    }

    /** The reason a block is not run, or null when it runs. */
    String skipReason() {
      if (annotation == null || !annotation.startsWith("skip")) {
        return null;
      }
      String reason = annotation.substring("skip".length()).strip();
      if (reason.isEmpty()) {
        throw new IllegalStateException(
            "runbook line "
                + line
                + ": a 'runbook-test: skip' annotation must say why the block cannot run here");
      }
      return reason;
    }

    /** The file a block is the contents of ({@code runbook-test: file PATH}), or null. */
    String file() {
      return annotation != null && annotation.startsWith("file ")
          ? annotation.substring("file ".length()).strip()
          : null;
    }
  }

  static final Pattern ANNOTATION = Pattern.compile("<!--\\s*runbook-test:\\s*(.*?)\\s*-->");

  /** The fenced blocks of a Markdown page, each with the annotation on the line before it. */
  static List<Block> blocks(String markdown) {
    List<Block> blocks = new ArrayList<>();
    String[] lines = markdown.split("\n", -1);
    String section = "";
    String annotation = null;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.startsWith("#")) {
        section = line.replaceFirst("^#+\\s*", "");
      }
      if (line.startsWith("```")) {
        String language = line.substring(3).strip();
        StringBuilder text = new StringBuilder();
        int start = i + 1;
        for (i++; i < lines.length && !lines[i].startsWith("```"); i++) {
          text.append(lines[i]).append('\n');
        }
        if (i >= lines.length) {
          throw new IllegalStateException("runbook line " + start + ": a block is never closed");
        }
        blocks.add(new Block(start, language, text.toString(), section, annotation));
        annotation = null;
        continue;
      }
      Matcher m = ANNOTATION.matcher(line.strip());
      if (m.matches()) {
        if (!m.group(1).startsWith("skip") && !m.group(1).startsWith("file ")) {
          throw new IllegalStateException(
              "runbook line " + (i + 1) + ": unknown annotation '" + m.group(1) + "'");
        }
        annotation = m.group(1);
      } else if (!line.isBlank()) {
        annotation = null;
      }
    }
    return blocks;
  }

  /**
   * The block as it runs here: paths under the temporary root, hosts at this test's servers,
   * databases with names of this test's own, the bucket as a file repository, example times as
   * moments of the exercise.
   */
  String substitute(String text) {
    String out = text;
    out = out.replace("s3://biowerk-backups-production", sys.toUri() + "cloud/biowerk-backups");
    for (String path :
        List.of(
            "/opt/biowerk-dr",
            "/etc/biowerk-dr",
            "/etc/biowerk",
            "/var/backups",
            "/var/lib/biowerk",
            "/srv/restore-test")) {
      out =
          Pattern.compile("(?<=^|[\\s'\"=(]|file://)" + Pattern.quote(path) + "(?=[/\\s'\"?.]|$)")
              .matcher(out)
              .replaceAll(Matcher.quoteReplacement(sys + path));
    }
    Matcher pg =
        Pattern.compile("postgresql://\\w+@(db|127\\.0\\.0\\.1|staging|clean-host):5432/(\\w+)")
            .matcher(out);
    StringBuilder replaced = new StringBuilder();
    while (pg.find()) {
      pg.appendReplacement(
          replaced,
          Matcher.quoteReplacement(
              "postgresql://postgres@" + hostPort + "/" + database(pg.group(1), pg.group(2))));
    }
    pg.appendTail(replaced);
    out = replaced.toString();
    out = out.replaceAll("redis://(redis|127\\.0\\.0\\.1):6379", "redis://127.0.0.1:" + redisPort);
    out = out.replace("redis://staging:6379", "redis://127.0.0.1:" + stagingRedisPort);
    out =
        out.replaceAll(
            "mongodb://(\\w+@)?(mongo|127\\.0\\.0\\.1):27017/(\\w+)",
            "mongodb://127.0.0.1:" + mongoPort() + "/$3?serverSelectionTimeoutMS=3000");
    out = out.replaceAll("2024-01-15T\\d\\d:\\d\\d:\\d\\dZ", exampleTime.toString());
    return out;
  }

  /** One database per host and name: production is one server ({@code db} = 127.0.0.1). */
  String database(String host, String name) {
    String kind =
        switch (host) {
          case "db", "127.0.0.1" -> "prod";
          case "staging" -> "staging";
          default -> "clean";
        };
    String db = "rb" + token + "_" + kind + "_" + name;
    if (!databases.contains(db)) {
      databases.add(db);
    }
    return db;
  }

  private int mongoPort() {
    Matcher m = Pattern.compile(":(\\d+)/").matcher(mongo.uri());
    assertThat(m.find()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  // ---- servers and processes -----------------------------------------------------------------

  @BeforeEach
  void setUp() throws Exception {
    root = Path.of(System.getProperty("biowerk.root", "..")).toAbsolutePath().normalize();
    assertThat(root.resolve("biowerk-dr")).as("the launcher").isExecutable();
    sys = Files.createDirectories(dir.resolve("sys"));
    home = Files.createDirectories(dir.resolve("home"));
    shell = Files.createDirectories(dir.resolve("shell"));
    // /opt/biowerk-dr is the checkout; biowerk-dr on the PATH a symbolic link into it, as the page
    // says
    Files.createDirectories(sys.resolve("opt"));
    Files.createSymbolicLink(sys.resolve("opt/biowerk-dr"), root);
    bin = Files.createDirectories(dir.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("biowerk-dr"), sys.resolve("opt/biowerk-dr/biowerk-dr"));
    redisPort = startRedis("redis");
    stagingRedisPort = startRedis("staging");
    mongo = IsolatedMongoServer.start();
    exampleTime = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (String db : databases) {
      execute("postgres", "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    }
    for (Process process : started) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    if (mongo != null) {
      mongo.close();
    }
  }

  int startRedis(String name) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path data = Files.createDirectories(dir.resolve("redis-" + name));
    Process process =
        new ProcessBuilder(
                SERVER,
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                data.toString(),
                "--logfile",
                data.resolve("log").toString())
            .start();
    started.add(process);
    for (int i = 0; i < 200; i++) {
      if (redis(port, "PING").equals("PONG")) {
        return port;
      }
      Thread.sleep(25);
    }
    throw new IOException("redis-server on port " + port + " did not start");
  }

  String redis(int port, String commands) throws Exception {
    Process cli =
        new ProcessBuilder(CLIENT, "-p", Integer.toString(port)).redirectErrorStream(true).start();
    cli.getOutputStream().write((commands + "\n").getBytes(StandardCharsets.UTF_8));
    cli.getOutputStream().close();
    String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    cli.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  Connection connect(String db) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", "postgres");
    return DriverManager.getConnection("jdbc:postgresql://" + hostPort + "/" + db, props);
  }

  void execute(String db, String sql) throws SQLException {
    try (Connection c = connect(db);
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  String query(String db, String sql) throws SQLException {
    try (Connection c = connect(db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  record Run(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private Run run(ProcessBuilder builder, String what) throws Exception {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process process = builder.start();
    assertThat(process.waitFor(10, TimeUnit.MINUTES)).as(what + " finished").isTrue();
    return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  /**
   * A block as an operator types it: bash with {@code -e -u -o pipefail} (any failing command fails
   * the block), the environment file loaded when it exists, biowerk-dr on the PATH, in a shell
   * directory of its own, no terminal.
   */
  Run bash(String script) throws Exception {
    Path env = sys.resolve("etc/biowerk-dr/env");
    String text = (Files.exists(env) ? ". " + env + "\n" : "") + script;
    ProcessBuilder builder =
        new ProcessBuilder("bash", "-euo", "pipefail", "-c", text).directory(shell.toFile());
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(k -> k.startsWith("BIOWERK_DR_") || k.equals("JAVA_OPTS"));
    environment.put("PATH", bin + ":" + CRON_PATH);
    environment.put("HOME", home.toString());
    return run(builder, "a runbook block");
  }

  /** One crontab line's command, in cron's bare environment. */
  Run cron(String command) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(
                "env",
                "-i",
                "PATH=" + CRON_PATH,
                "HOME=" + home,
                "SHELL=/bin/sh",
                "LOGNAME=root",
                "/bin/sh",
                "-c",
                command)
            .directory(home.toFile());
    return run(builder, "a crontab line");
  }

  /** The command of each crontab entry of a block: the text after the five time fields. */
  static List<String> crontab(String block) {
    List<String> commands = new ArrayList<>();
    for (String line : block.split("\n", -1)) {
      String entry = line.strip();
      if (entry.isEmpty() || entry.startsWith("#")) {
        continue;
      }
      String[] fields = entry.split("\\s+", 6);
      assertThat(fields)
          .as("a crontab entry has five time fields and a command: " + line)
          .hasSize(6);
      assertThat(fields[5])
          .as("cron has no PATH of yours: the command by its absolute path, the environment loaded")
          .startsWith(". /etc/biowerk-dr/env && /opt/biowerk-dr/biowerk-dr ");
      assertThat(fields[5]).as("cron reads % as a newline").doesNotContain("%");
      commands.add(fields[5]);
    }
    return commands;
  }

  // ---- the exercise --------------------------------------------------------------------------

  @Test
  void everyCommandBlockOfTheRunbookRunsAsWritten() throws Exception {
    String page = Files.readString(root.resolve("docs/runbook.md"));
    List<Block> blocks = blocks(page);
    List<Block> commands = blocks.stream().filter(Block::isCommands).toList();
    assertThat(commands).as("the runbook's command blocks").hasSizeGreaterThanOrEqualTo(9);

    // Production as the page finds it: a database with orders, Redis keys, MongoDB documents, the
    // configuration directory.
    String prod = database("db", "biowerk");
    execute("postgres", "CREATE DATABASE " + prod);
    execute(prod, "CREATE TABLE orders (id int PRIMARY KEY, item text)");
    execute(prod, "INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 100) g");
    redis(redisPort, "SET order:1 pending\nSET order:2 shipped\nSELECT 1\nSET session:9 x");
    insertMongo(mongo, 25);
    Path config = Files.createDirectories(sys.resolve("etc/biowerk"));
    Files.writeString(config.resolve("compose.yml"), "services: {db: {image: postgres:15}}\n");
    Files.createDirectories(config.resolve("certs"));
    Files.writeString(config.resolve("certs/api.pem"), "-----BEGIN CERTIFICATE-----\n");

    String envFile = null;
    int ran = 0;
    for (Block block : commands) {
      String where = "runbook line " + block.line() + " (" + block.section() + ")";
      if (block.skipReason() != null) {
        continue;
      }
      if (block.section().startsWith("Full system recovery")) {
        loseTheMachine();
      }
      if (block.file() != null) {
        Path file = Path.of(substitute(block.file()));
        envFile = block.text();
        writePrivate(file, substitute(block.text()));
        ran++;
        continue;
      }
      if (block.language().equals("cron")) {
        for (String command : crontab(block.text())) {
          Run run = cron(substitute(command));
          checkCronLine(where, command, run);
        }
      } else {
        Run run = bash(substitute(block.text()));
        assertThat(run.code()).as(where + "\n" + run).isZero();
        checkBlock(block, run);
      }
      ran++;
      if (block.section().startsWith("Full system recovery")) {
        // "Then write /etc/biowerk-dr/env ... again"
        assertThat(envFile).as("the environment file block comes first").isNotNull();
        writePrivate(sys.resolve("etc/biowerk-dr/env"), substitute(envFile));
      }
      if (block.section().startsWith("Scheduled work")) {
        // After the scheduled backups: a table created after them, which --force must remove
        execute(prod, "CREATE TABLE created_after_the_backup (id int)");
        // The example times (a target time, a breach) are after these backups finished
        Thread.sleep(1100);
        exampleTime = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      }
    }
    long skipped = commands.stream().filter(b -> b.skipReason() != null).count();
    assertThat(ran + skipped).isEqualTo(commands.size());
    assertThat(skipped).as("blocks that cannot run here are few").isLessThanOrEqualTo(2);
  }

  private void writePrivate(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
  }

  private static void insertMongo(IsolatedMongoServer server, int n) {
    try (MongoClient client = MongoClients.create(server.uri())) {
      for (int i = 1; i <= n; i++) {
        client.getDatabase("biowerk").getCollection("orders").insertOne(new Document("_id", i));
      }
    }
  }

  private static long countMongo(IsolatedMongoServer server) {
    try (MongoClient client = MongoClients.create(server.uri())) {
      return client.getDatabase("biowerk").getCollection("orders").countDocuments();
    }
  }

  /**
   * Before "Full system recovery": the key file is in the vault (saved where the page expects it),
   * the machine with its local repository, configuration, key and environment file is gone, the
   * database servers are new and empty.
   */
  private void loseTheMachine() throws Exception {
    Files.copy(sys.resolve("etc/biowerk-dr/backup-keys"), shell.resolve("key-from-vault.txt"));
    for (String gone : List.of("var/backups/biowerk", "etc/biowerk", "etc/biowerk-dr")) {
      io.biowerk.dr.core.internal.FileTrees.delete(sys.resolve(gone));
    }
    execute("postgres", "DROP DATABASE " + database("db", "biowerk") + " WITH (FORCE)");
    redis(redisPort, "FLUSHALL");
    mongo.close();
    mongo = IsolatedMongoServer.start();
  }

  private void checkCronLine(String where, String command, Run run) throws Exception {
    String what = where + ": " + command + "\n" + run;
    if (command.contains(" status --fail-on-violation")) {
      // exit 1 while an objective has nothing to measure yet (no restore test of a source);
      // the JSON is written either way and every source's RPO is met
      assertThat(run.code()).as(what).isIn(0, 1);
      JsonNode status = Json.read(Files.readString(sys.resolve("var/lib/biowerk/dr-status.json")));
      assertThat(status.get("damaged").asInt()).as(what).isZero();
      List<String> sources = new ArrayList<>();
      for (JsonNode row : status.get("sources")) {
        sources.add(row.get("source").asText());
      }
      assertThat(sources).as(what).contains("postgres", "mongodb", "redis", "config");
      return;
    }
    assertThat(run.code()).as(what).isZero();
    if (command.contains(" backup ")) {
      assertThat(run.out()).as(what).startsWith("backup ");
    }
  }

  /** What each section's block must have achieved, beyond exiting 0. */
  private void checkBlock(Block block, Run run) throws Exception {
    String prod = database("db", "biowerk");
    String section = block.section();
    if (section.startsWith("Setting up")) {
      assertThat(sys.resolve("etc/biowerk-dr/backup-keys")).isRegularFile();
      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(sys.resolve("etc/biowerk-dr/backup-keys"))))
          .isEqualTo("rw-------");
    } else if (section.startsWith("Full restore")) {
      assertThat(query(prod, "SELECT count(*) FROM orders")).isEqualTo("100");
      assertThat(query(prod, "SELECT to_regclass('created_after_the_backup') IS NULL"))
          .as("--force gives the backup's state: a table created after it is gone")
          .isEqualTo("t");
    } else if (section.startsWith("Full system recovery")) {
      assertThat(query(prod, "SELECT count(*) FROM orders")).isEqualTo("100");
      assertThat(Files.readString(sys.resolve("etc/biowerk/certs/api.pem")))
          .isEqualTo("-----BEGIN CERTIFICATE-----\n");
      assertThat(redis(redisPort, "GET order:2")).isEqualTo("shipped");
      assertThat(countMongo(mongo)).isEqualTo(25);
      assertThat(sys.resolve("var/backups/biowerk/postgres")).isDirectory();
    } else if (section.startsWith("Point-in-time")) {
      assertThat(query(database("127.0.0.1", "biowerk_pitr"), "SELECT count(*) FROM orders"))
          .isEqualTo("100");
      assertThat(run.out() + run.err()).contains("postgres_");
    } else if (section.startsWith("Key rotation")) {
      List<String> lines = Files.readAllLines(sys.resolve("etc/biowerk-dr/backup-keys"));
      assertThat(lines.stream().filter(l -> l.startsWith("key ")).count())
          .as("the old key retired, the new one active")
          .isEqualTo(1);
    } else if (section.startsWith("Security incident")) {
      assertThat(query(database("clean-host", "biowerk"), "SELECT count(*) FROM orders"))
          .isEqualTo("100");
      assertThat(Files.readString(sys.resolve("etc/biowerk.clean/compose.yml")))
          .isEqualTo("services: {db: {image: postgres:15}}\n");
    }
  }

  // ---- cron's bare environment ----------------------------------------------------------------

  @Test
  void aCrontabLineLoadsItsEnvironmentAndWithoutItRefusesInsteadOfInventingState()
      throws Exception {
    Path keys = sys.resolve("etc/biowerk-dr/backup-keys");
    Files.createDirectories(keys.getParent());
    Run generate = bash("biowerk-dr keys generate --key-file " + keys);
    assertThat(generate.code()).as(generate.toString()).isZero();
    writePrivate(
        sys.resolve("etc/biowerk-dr/env"),
        "export BIOWERK_DR_REPO="
            + sys.resolve("var/backups/biowerk")
            + "\nexport BIOWERK_DR_KEY_FILE="
            + keys
            + "\n");
    Files.createDirectories(sys.resolve("etc/biowerk"));
    Files.writeString(sys.resolve("etc/biowerk/app.env"), "A=1\n");
    String launcher = sys.resolve("opt/biowerk-dr/biowerk-dr").toString();
    String source = "'file://" + sys.resolve("etc/biowerk") + "?name=config'";

    // The issue's finding: from cron without the environment file, the backup used to exit 0 into
    // ./biowerk-backups under cron's directory with a new key nobody stored.
    Run bare = cron(launcher + " backup " + source);
    assertThat(bare.code()).as(bare.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(bare.err()).contains("no repository is configured").contains("/etc/biowerk-dr/env");
    assertThat(home.resolve("biowerk-backups")).doesNotExist();
    assertThat(home.resolve(".config/biowerk-dr/key")).doesNotExist();

    // A bare command name is not found with cron's PATH
    Run unqualified = cron(". " + sys.resolve("etc/biowerk-dr/env") + " && biowerk-dr --version");
    assertThat(unqualified.code()).as(unqualified.toString()).isEqualTo(127);

    // The runbook's form: absolute path, environment loaded
    Run loaded =
        cron(". " + sys.resolve("etc/biowerk-dr/env") + " && " + launcher + " backup " + source);
    assertThat(loaded.code()).as(loaded.toString()).isZero();
    Run verify =
        cron(
            ". " + sys.resolve("etc/biowerk-dr/env") + " && " + launcher + " verify latest:config");
    assertThat(verify.code()).as(verify.toString()).isZero();
    assertThat(home.resolve("biowerk-backups")).doesNotExist();
  }

  // ---- the parser
  // --------------------------------------------------------------------------------

  @Test
  void blocksCarryTheirSectionAndAnnotationAndASkipMustSayWhy() {
    String page =
        """
        # T
        ## One
        ```bash
        echo 1
        ```
        <!-- runbook-test: skip needs an AWS account -->
        ```bash
        aws s3 ls
        ```
        ## Two
        <!-- runbook-test: file /etc/x -->
        ```bash
        A=1
        ```
        <!-- runbook-test: skip -->
        ```cron
        * * * * * x
        ```
        """;
    List<Block> blocks = blocks(page);
    assertThat(blocks).extracting(Block::section).containsExactly("One", "One", "Two", "Two");
    assertThat(blocks.get(0).skipReason()).isNull();
    assertThat(blocks.get(1).skipReason()).isEqualTo("needs an AWS account");
    assertThat(blocks.get(2).file()).isEqualTo("/etc/x");
    assertThatThrownBy(() -> blocks.get(3).skipReason())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("must say why");
    assertThatThrownBy(() -> blocks("<!-- runbook-test: maybe -->\n```bash\nx\n```\n"))
        .hasMessageContaining("unknown annotation 'maybe'");
    assertThatThrownBy(() -> blocks("```bash\nx\n")).hasMessageContaining("never closed");
    assertThatThrownBy(() -> crontab("0 2 * * * biowerk-dr backup x\n"))
        .hasMessageContaining("absolute path");
  }
}
