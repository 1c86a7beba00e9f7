package io.biowerk.dr.cli.serve;

import io.biowerk.dr.cli.serve.ServeConfig.Check;
import io.biowerk.dr.cli.serve.ServeConfig.Keys;
import io.biowerk.dr.cli.serve.ServeConfig.Retention;
import io.biowerk.dr.cli.serve.ServeConfig.Server;
import io.biowerk.dr.cli.serve.ServeConfig.SourceConfig;
import io.biowerk.dr.cli.serve.ServeConfig.StreamConfig;
import io.biowerk.dr.cli.serve.YamlTree.ListNode;
import io.biowerk.dr.cli.serve.YamlTree.MapNode;
import io.biowerk.dr.cli.serve.YamlTree.Node;
import io.biowerk.dr.cli.serve.YamlTree.Scalar;
import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.Logs;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and checks the YAML configuration of {@code biowerk-dr serve} (see {@code
 * deploy/biowerk-dr.yml}). Every problem is a {@link ConfigException} naming the file, line and key
 * and saying what is expected; relative paths are read against the file's folder. Which URI schemes
 * exist is asked of the caller, so this class names no adapter.
 */
public final class ConfigReader {

  private static final Set<String> TOP =
      Set.of("server", "time-zone", "repositories", "keys", "defaults", "sources", "streams");
  private static final Set<String> SERVER =
      Set.of(
          "listen",
          "token-file",
          "max-concurrent-jobs",
          "shutdown-grace",
          "lease-ttl",
          "drill-reports",
          "drill-schedule",
          "drill-rules");
  private static final Set<String> KEYS = Set.of("file", "rotation", "reminder");
  private static final Set<String> SHARED =
      Set.of(
          "retention",
          "rpo",
          "rto",
          "grace",
          "retries",
          "retry-backoff",
          "timeout",
          "compression",
          "encrypt");
  private static final Set<String> SOURCE =
      union(SHARED, Set.of("uri", "password", "backup", "verify", "restore-test"));
  private static final Set<String> RETENTION =
      Set.of("last", "daily", "weekly", "monthly", "yearly", "within", "log-window");
  private static final Set<String> GFS_KEYS =
      Set.of("last", "daily", "weekly", "monthly", "yearly", "within");
  private static final Set<String> CHECK = Set.of("schedule", "level", "options");
  private static final Set<String> STREAM =
      Set.of("log", "uri", "max-lag", "run", "restart-backoff", "max-backoff");
  private static final Set<String> SECRET = Set.of("env", "file");
  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)([wdhms])");
  private static final Pattern SCHEME =
      Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:.*", Pattern.DOTALL);
  private static final Pattern COMPRESSION = Pattern.compile("none|zstd(:([1-9]|1\\d|2[0-2]))?");

  /** The default listener: the plan's {@code localhost:8090}, loopback only. */
  public static final String DEFAULT_LISTEN = "127.0.0.1:8090";

  private final Path file;
  private final Path dir;
  private final List<String> sourceSchemes;
  private final List<String> sinkSchemes;

  private ConfigReader(Path file, List<String> sourceSchemes, List<String> sinkSchemes) {
    this.file = file.toAbsolutePath().normalize();
    this.dir = this.file.getParent();
    this.sourceSchemes = List.copyOf(sourceSchemes);
    this.sinkSchemes = List.copyOf(sinkSchemes);
  }

  /**
   * Reads and checks {@code file}.
   *
   * @param sourceSchemes the source URI schemes on the class path ({@code Sources.schemes()})
   * @param sinkSchemes the repository URI schemes on the class path ({@code Sinks.schemes()})
   * @throws ConfigException if the configuration is wrong; the message names file, line and key
   * @throws IOException if the file cannot be read
   */
  public static ServeConfig read(Path file, List<String> sourceSchemes, List<String> sinkSchemes)
      throws IOException {
    return new ConfigReader(file, sourceSchemes, sinkSchemes).read();
  }

  private ServeConfig read() throws IOException {
    MapNode root = YamlTree.read(file);
    YamlTree.checkKeys(file, root, TOP);
    ZoneId zone =
        root.get("time-zone").isPresent() ? zone(root.get("time-zone").get()) : ServeConfig.UTC;
    Server server = server(map(root, "server"), zone);
    List<URI> repositories = repositories(root);
    Keys keys = keys(map(root, "keys"), zone);
    MapNode defaults = map(root, "defaults");
    YamlTree.checkKeys(file, defaults, SHARED);
    Node sourcesNode =
        root.get("sources")
            .orElseThrow(
                () ->
                    missing(
                        root,
                        "sources",
                        "a mapping from source name to its settings, e.g. sources: {config: {uri: /etc/biowerk,"
                            + " backup: \"0 */3 * * *\"}}"));
    MapNode sourcesMap = asMap(sourcesNode);
    if (sourcesMap.entries().isEmpty()) {
      throw error(sourcesMap, "no source is configured; add at least one under sources:");
    }
    List<SourceConfig> sources = new ArrayList<>();
    for (Map.Entry<String, Node> entry : sourcesMap.entries().entrySet()) {
      sources.add(
          source(
              entry.getKey(),
              sourcesMap.keyLines().get(entry.getKey()),
              asMap(entry.getValue()),
              defaults,
              zone));
    }
    List<StreamConfig> streams = new ArrayList<>();
    MapNode streamsMap = map(root, "streams");
    for (Map.Entry<String, Node> entry : streamsMap.entries().entrySet()) {
      String name = entry.getKey();
      MapNode node = asMap(entry.getValue());
      if (sources.stream().noneMatch(s -> s.name().equals(name))) {
        throw new ConfigException(
            file,
            streamsMap.keyLines().get(name),
            node.path(),
            "no source named '"
                + name
                + "'; a stream is keyed by the source whose base backups its log rolls forward,"
                + " one of: "
                + String.join(", ", sources.stream().map(SourceConfig::name).toList()));
      }
      streams.add(stream(name, streamsMap.keyLines().get(name), node));
    }
    return new ServeConfig(file, server, repositories, keys, sources, streams);
  }

  /**
   * The logs the adapters on the class path archive, each with its provider's description: {@code
   * "one of wal (PostgreSQL's write-ahead log), oplog (MongoDB's operation log)"}.
   */
  static String knownLogs() {
    List<String> logs = new ArrayList<>();
    for (LogProvider provider : Logs.all()) {
      logs.add(provider.log() + " (" + provider.description() + ")");
    }
    return logs.isEmpty()
        ? "a log, but no adapter on this class path archives one (add the database's adapter module)"
        : "one of " + String.join(", ", logs);
  }

  private StreamConfig stream(String source, int line, MapNode node) throws ConfigException {
    YamlTree.checkKeys(file, node, STREAM);
    Node logNode =
        node.get("log")
            .orElseThrow(
                () ->
                    new ConfigException(
                        file,
                        line,
                        node.path() + ".log",
                        "missing; expected the log to stream: " + knownLogs()));
    String log = text(logNode);
    if (!log.matches("[a-z]{1,16}")) {
      throw error(logNode, "'" + log + "' is not a log name; expected " + knownLogs());
    }
    Optional<URI> uri = Optional.empty();
    if (node.get("uri").isPresent()) {
      Node uriNode = node.get("uri").get();
      URI parsed = uri(uriNode, text(uriNode));
      checkNoPassword(uriNode, parsed);
      uri = Optional.of(parsed);
    }
    boolean run = node.get("run").isEmpty() || bool(node.get("run").get());
    Duration backoff = duration(node, "restart-backoff", Duration.ofSeconds(5));
    Duration maxBackoff = duration(node, "max-backoff", Duration.ofMinutes(5));
    if (maxBackoff.compareTo(backoff) < 0) {
      throw error(
          node.get("max-backoff").get(),
          "max-backoff ("
              + text(node.get("max-backoff").get())
              + ") is shorter than restart-backoff; expected at least as long");
    }
    return new StreamConfig(
        source,
        log,
        uri,
        duration(node, "max-lag", Duration.ofMinutes(15)),
        run,
        backoff,
        maxBackoff);
  }

  private Server server(MapNode node, ZoneId zone) throws ConfigException {
    YamlTree.checkKeys(file, node, SERVER);
    String host = "127.0.0.1";
    int port = 8090;
    Optional<Node> listen = node.get("listen");
    if (listen.isPresent()) {
      String text = text(listen.get());
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        throw error(
            listen.get(), "'" + text + "' is not HOST:PORT; expected e.g. " + DEFAULT_LISTEN);
      }
      host = text.substring(0, colon).replace("[", "").replace("]", "");
      try {
        port = Integer.parseInt(text.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (host.isEmpty() || port < 0 || port > 65535) {
        throw error(
            listen.get(),
            "'" + text + "' is not HOST:PORT with a port 0-65535; expected e.g. " + DEFAULT_LISTEN);
      }
    }
    Optional<Path> tokenFile = node.get("token-file").map(n -> path(n));
    int cores = Runtime.getRuntime().availableProcessors();
    int max =
        node.get("max-concurrent-jobs").isPresent()
            ? integer(node.get("max-concurrent-jobs").get(), 1, 64)
            : Math.max(1, cores / 2);
    Duration grace = duration(node, "shutdown-grace", Duration.ofSeconds(30));
    Duration lease = duration(node, "lease-ttl", Duration.ofSeconds(60));
    if (lease.compareTo(Duration.ofSeconds(3)) < 0) {
      throw error(
          node.get("lease-ttl").get(),
          "a lease must last at least 3s, so it can be renewed in time");
    }
    Path drills = node.get("drill-reports").map(this::path).orElse(dir.resolve("drill-reports"));
    Optional<Schedule> drillSchedule =
        node.get("drill-schedule").isPresent()
            ? Optional.of(schedule(node.get("drill-schedule").get(), zone))
            : Optional.empty();
    Optional<Path> drillRules = node.get("drill-rules").map(this::path);
    return new Server(host, port, tokenFile, max, grace, lease, drills, drillSchedule, drillRules);
  }

  private List<URI> repositories(MapNode root) throws ConfigException {
    Node node =
        root.get("repositories")
            .orElseThrow(
                () ->
                    missing(
                        root,
                        "repositories",
                        "a list of repository paths or URIs, e.g. repositories: [/var/backups/biowerk]"));
    if (!(node instanceof ListNode list) || list.items().isEmpty()) {
      throw error(
          node, "expected a non-empty list of repository paths or URIs, not " + node.describe());
    }
    List<URI> uris = new ArrayList<>();
    for (Node item : list.items()) {
      String text = text(item);
      URI uri;
      if (SCHEME.matcher(text).matches()) {
        uri = uri(item, text);
        if (!sinkSchemes.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
          throw error(
              item,
              "no repository type serves scheme '"
                  + uri.getScheme()
                  + "'; the schemes on the"
                  + " class path are: "
                  + String.join(", ", sinkSchemes));
        }
        checkNoPassword(item, uri);
      } else {
        uri =
            Path.of(text).isAbsolute()
                ? Path.of(text).toUri()
                : dir.resolve(text).normalize().toUri();
        uri = URI.create(uri.toString().replaceAll("(.)/$", "$1"));
      }
      if (uris.contains(uri)) {
        throw error(item, "the repository " + text + " is listed twice");
      }
      uris.add(uri);
    }
    return uris;
  }

  private Keys keys(MapNode node, ZoneId zone) throws ConfigException {
    YamlTree.checkKeys(file, node, KEYS);
    Optional<Schedule> reminder =
        node.get("reminder").isPresent()
            ? Optional.of(schedule(node.get("reminder").get(), zone))
            : Optional.empty();
    Duration rotation = duration(node, "rotation", Duration.ofDays(90));
    if (rotation.compareTo(Keys.REMIND_BEFORE) <= 0) {
      throw error(
          node.get("rotation").get(),
          "a rotation period must be longer than the "
              + Keys.REMIND_BEFORE.toDays()
              + " days the reminder starts before it; expected e.g. 90d");
    }
    return new Keys(node.get("file").map(this::path), rotation, reminder);
  }

  private SourceConfig source(String name, int line, MapNode node, MapNode defaults, ZoneId zone)
      throws ConfigException {
    try {
      BackupLayout.checkSourceName(name);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          file,
          line,
          node.path(),
          "'"
              + name
              + "' cannot name a source: expected 1-63"
              + " lower-case letters, digits, '-' or '_', starting with a letter or digit");
    }
    YamlTree.checkKeys(file, node, SOURCE);
    Node uriNode =
        node.get("uri")
            .orElseThrow(
                () ->
                    new ConfigException(
                        file,
                        line,
                        node.path() + ".uri",
                        "missing; expected the source URI, one of the schemes "
                            + String.join(", ", sourceSchemes)));
    String uriText = text(uriNode);
    URI uri;
    if (SCHEME.matcher(uriText).matches()) {
      uri = uri(uriNode, uriText);
    } else {
      uri =
          Path.of(uriText).isAbsolute()
              ? Path.of(uriText).toUri()
              : dir.resolve(uriText).normalize().toUri();
    }
    if (!sourceSchemes.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
      throw error(
          uriNode,
          "no source type serves scheme '"
              + uri.getScheme()
              + "'; the schemes on the class path"
              + " are: "
              + String.join(", ", sourceSchemes));
    }
    checkNoPassword(uriNode, uri);
    Optional<Secret> password =
        node.get("password").isPresent()
            ? Optional.of(secret(node.get("password").get()))
            : Optional.empty();
    Node backupNode =
        node.get("backup")
            .orElseThrow(
                () ->
                    new ConfigException(
                        file,
                        line,
                        node.path() + ".backup",
                        "missing; expected a cron expression for the full backups, e.g. \"0 2 * * *\" (daily at 02:00)"));
    Schedule backup = schedule(backupNode, zone);
    Optional<Check> verify =
        node.get("verify").isPresent()
            ? Optional.of(check(node.get("verify").get(), zone, VerificationLevel.DECODE))
            : Optional.empty();
    Optional<Check> restoreTest =
        node.get("restore-test").isPresent()
            ? Optional.of(check(node.get("restore-test").get(), zone, VerificationLevel.RESTORE))
            : Optional.empty();
    Retention retention =
        shared(node, defaults, "retention").isPresent()
            ? retention(shared(node, defaults, "retention").get())
            : Retention.PLAN;
    Duration rpo = sharedDuration(node, defaults, "rpo", Duration.ofHours(1));
    Duration rto = sharedDuration(node, defaults, "rto", Duration.ofHours(4));
    Duration grace = sharedDuration(node, defaults, "grace", Duration.ofMinutes(30));
    int retries =
        shared(node, defaults, "retries").isPresent()
            ? integer(shared(node, defaults, "retries").get(), 0, 100)
            : 2;
    Duration backoff = sharedDuration(node, defaults, "retry-backoff", Duration.ofMinutes(1));
    Duration timeout = sharedDuration(node, defaults, "timeout", Duration.ofHours(4));
    String compression = "zstd:3";
    Optional<Node> compressionNode = shared(node, defaults, "compression");
    if (compressionNode.isPresent()) {
      compression = text(compressionNode.get()).toLowerCase(Locale.ROOT);
      if (!COMPRESSION.matcher(compression).matches()) {
        throw error(
            compressionNode.get(),
            "'"
                + compression
                + "' is not a compression; expected zstd, zstd:LEVEL"
                + " (1-22) or none");
      }
    }
    boolean encrypt =
        shared(node, defaults, "encrypt").isEmpty()
            || bool(shared(node, defaults, "encrypt").get());
    return new SourceConfig(
        name,
        uri,
        password,
        backup,
        retention,
        verify,
        restoreTest,
        rpo,
        rto,
        grace,
        retries,
        backoff,
        timeout,
        compression,
        encrypt);
  }

  private Secret secret(Node node) throws ConfigException {
    if (!(node instanceof MapNode map) || map.entries().size() != 1) {
      throw error(
          node,
          "a secret is given by reference only: {env: VARIABLE} or {file: /path/to/file}, not "
              + (node instanceof Scalar ? "the value itself" : node.describe()));
    }
    YamlTree.checkKeys(file, map, SECRET);
    Map.Entry<String, Node> entry = map.entries().entrySet().iterator().next();
    String value = text(entry.getValue());
    return entry.getKey().equals("env")
        ? new Secret("env", value)
        : new Secret("file", path(entry.getValue()).toString());
  }

  private Check check(Node node, ZoneId zone, VerificationLevel defaultLevel)
      throws ConfigException {
    MapNode map = asMap(node);
    YamlTree.checkKeys(file, map, CHECK);
    Node scheduleNode =
        map.get("schedule")
            .orElseThrow(
                () ->
                    missing(
                        map,
                        "schedule",
                        "a cron expression, e.g. \"0 4 * * SUN\" (Sundays at 04:00)"));
    VerificationLevel level = defaultLevel;
    if (map.get("level").isPresent()) {
      String text = text(map.get("level").get());
      try {
        level = VerificationLevel.of(text);
      } catch (IllegalArgumentException e) {
        throw error(
            map.get("level").get(),
            "'"
                + text
                + "' is not a verification level; expected one of stored,"
                + " decode, native, restore");
      }
    }
    Map<String, String> options = new LinkedHashMap<>();
    if (map.get("options").isPresent()) {
      MapNode optionsMap = asMap(map.get("options").get());
      for (Map.Entry<String, Node> entry : optionsMap.entries().entrySet()) {
        options.put(entry.getKey(), text(entry.getValue()));
      }
    }
    return new Check(schedule(scheduleNode, zone), level, options);
  }

  private Retention retention(Node node) throws ConfigException {
    MapNode map = asMap(node);
    YamlTree.checkKeys(file, map, RETENTION);
    Duration logWindow = duration(map, "log-window", Retention.PLAN.logWindow());
    if (GFS_KEYS.stream().noneMatch(k -> map.get(k).isPresent())) {
      // only the log window given: the plan's 30 daily, 12 weekly, 12 monthly for the backups
      return new Retention(
          Retention.PLAN.last(),
          Retention.PLAN.daily(),
          Retention.PLAN.weekly(),
          Retention.PLAN.monthly(),
          Retention.PLAN.yearly(),
          Retention.PLAN.within(),
          logWindow);
    }
    Retention retention =
        new Retention(
            count(map, "last"),
            count(map, "daily"),
            count(map, "weekly"),
            count(map, "monthly"),
            count(map, "yearly"),
            map.get("within").isPresent()
                ? Optional.of(duration(map.get("within").get()))
                : Optional.empty(),
            logWindow);
    try {
      retention.policy();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw error(
          node,
          "not a usable retention policy ("
              + e.getMessage()
              + "); expected e.g. {daily: 30, weekly:"
              + " 12, monthly: 12, log-window: 7d}");
    }
    return retention;
  }

  // ---- values

  private Schedule schedule(Node node, ZoneId zone) throws ConfigException {
    String text = text(node);
    try {
      return Schedule.parse(text, zone);
    } catch (IllegalArgumentException e) {
      throw error(
          node,
          "'"
              + text
              + "' is not a cron expression ("
              + e.getMessage()
              + "); expected five fields,"
              + " minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\" (daily at 02:00) or \"0 */3 * * *\"");
    }
  }

  private ZoneId zone(Node node) throws ConfigException {
    String text = text(node);
    try {
      return ZoneId.of(text);
    } catch (DateTimeException e) {
      throw error(
          node,
          "'"
              + text
              + "' is not a time zone; expected UTC (the default) or a region such as"
              + " Europe/Berlin");
    }
  }

  private URI uri(Node node, String text) throws ConfigException {
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      throw error(
          node,
          "not a valid URI ("
              + e.getReason()
              + " at index "
              + e.getIndex()
              + "); expected"
              + " scheme://host/...");
    }
  }

  private void checkNoPassword(Node node, URI uri) throws ConfigException {
    String authority = uri.getRawAuthority();
    if (authority != null
        && authority.contains("@")
        && authority.substring(0, authority.lastIndexOf('@')).contains(":")) {
      throw error(
          node,
          "the URI holds a password; secrets are given by reference only: remove it and add"
              + " password: {env: VARIABLE} or password: {file: /path} to the source");
    }
  }

  private Path path(Node node) {
    String text = ((Scalar) node).text() == null ? "" : ((Scalar) node).text();
    return dir.resolve(text).normalize();
  }

  private String text(Node node) throws ConfigException {
    if (!(node instanceof Scalar scalar) || scalar.text() == null || scalar.text().isBlank()) {
      throw error(node, "expected a value, not " + node.describe());
    }
    return scalar.text().strip();
  }

  private int integer(Node node, int min, int max) throws ConfigException {
    String text = text(node);
    try {
      int value = Integer.parseInt(text);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw error(node, "'" + text + "' is not a whole number from " + min + " to " + max);
  }

  private int count(MapNode map, String key) throws ConfigException {
    return map.get(key).isPresent() ? integer(map.get(key).get(), 0, 100_000) : 0;
  }

  private boolean bool(Node node) throws ConfigException {
    String text = text(node).toLowerCase(Locale.ROOT);
    return switch (text) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw error(node, "'" + text + "' is not true or false");
    };
  }

  private Duration duration(MapNode map, String key, Duration otherwise) throws ConfigException {
    return map.get(key).isPresent() ? duration(map.get(key).get()) : otherwise;
  }

  private Duration sharedDuration(MapNode source, MapNode defaults, String key, Duration otherwise)
      throws ConfigException {
    Optional<Node> node = shared(source, defaults, key);
    return node.isPresent() ? duration(node.get()) : otherwise;
  }

  private static Optional<Node> shared(MapNode source, MapNode defaults, String key) {
    return source.get(key).or(() -> defaults.get(key));
  }

  private Duration duration(Node node) throws ConfigException {
    String text = text(node);
    Matcher matcher = SHORT_DURATION.matcher(text.toLowerCase(Locale.ROOT));
    Duration value = null;
    if (matcher.matches()) {
      long n = Long.parseLong(matcher.group(1));
      value =
          switch (matcher.group(2)) {
            case "w" -> Duration.ofDays(7 * n);
            case "d" -> Duration.ofDays(n);
            case "h" -> Duration.ofHours(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
          };
    } else {
      try {
        value = Duration.parse(text.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        // reported below
      }
    }
    if (value == null || value.isNegative() || value.isZero()) {
      throw error(
          node,
          "'" + text + "' is not a positive duration; expected e.g. 30s, 90m, 2h, 7d, 2w or P7D");
    }
    return value;
  }

  private MapNode map(MapNode parent, String key) throws ConfigException {
    Optional<Node> node = parent.get(key);
    if (node.isEmpty()) {
      return new MapNode(key, parent.keyLines().getOrDefault(key, 0), Map.of(), Map.of());
    }
    return asMap(node.get());
  }

  private MapNode asMap(Node node) throws ConfigException {
    if (node instanceof MapNode map) {
      return map;
    }
    throw error(
        node, "expected a mapping (key: value lines indented below it), not " + node.describe());
  }

  private ConfigException error(Node node, String problem) {
    return new ConfigException(file, node.line(), node.path(), problem);
  }

  private ConfigException missing(MapNode parent, String key, String expected) {
    String path = parent.path().isEmpty() ? key : parent.path() + "." + key;
    return new ConfigException(file, parent.line(), path, "missing; expected " + expected);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    java.util.HashSet<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }
}
