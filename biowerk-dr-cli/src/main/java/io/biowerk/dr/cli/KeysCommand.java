package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.keys.EnvironmentKeys;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.keys.KeyRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code biowerk-dr keys}: the encryption keys: generate the first, list them, rotate to a new one.
 */
@Command(
    name = "keys",
    sortOptions = false,
    header = "Generate, list and rotate encryption keys.",
    description = {
      "Manages the master keys backups are encrypted with. Rotation adds a new active key and"
          + " keeps the old ones, which still decrypt older backups; no backup is rewritten. Keep a copy of the"
          + " key file in your vault: without it, its backups cannot be restored.",
      ""
    },
    subcommands = {
      KeysCommand.Generate.class,
      KeysCommand.ListKeys.class,
      KeysCommand.Rotate.class,
      KeysLifecycle.RewrapCommand.class,
      KeysLifecycle.Retire.class,
      KeysLifecycle.GenerateRecipient.class,
      KeysLifecycle.ConfirmBackup.class,
      KeysLifecycle.Compromised.class
    })
final class KeysCommand extends CliCommand {

  /** The runbook rotates keys every 90 days. */
  static final Duration ROTATION = Duration.ofDays(90);

  private static final Pattern DATED_ID = Pattern.compile("k(\\d{8})-[0-9a-f]{4}");

  @Override
  public Integer call() {
    env()
        .err()
        .println(
            "biowerk-dr: keys: missing subcommand; one of: generate, list, rotate, rewrap, retire, generate-recipient, confirm-backup, compromised");
    spec.commandLine().usage(env().err());
    return ExitCodes.USAGE;
  }

  /** {@code keys generate}. */
  @Command(
      name = "generate",
      header = "Create the key file with a new key.",
      description = {
        "Creates the key file with a new random key (mode 0600) and prints the key once, to store"
            + " in your vault. Refuses to overwrite an existing key file.",
        ""
      })
  static final class Generate extends CliCommand {
    @Mixin KeyOptions keys;

    @Override
    public Integer call() throws Exception {
      Environment env = env();
      Optional<io.biowerk.dr.core.KeyProvider> service = keys.service(env);
      if (service.isPresent()) {
        return generateInService(env, service.get());
      }
      KeyFile file = keys.file(env);
      String id = file.create(env.clock());
      KeyOptions.announceNewKey(env, file.path(), id, "generated key");
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("ok", true);
        result.put("keyId", id);
        result.put("keyFile", file.path().toString());
        printJson(result);
      } else {
        out().println(id);
        out().flush();
      }
      return ExitCodes.OK;
    }
  }

  /**
   * {@code keys generate --key-provider pkcs11}: creates the key named by {@code
   * BIOWERK_DR_PKCS11_KEY} inside the HSM, where it stays; other services keep their keys in their
   * own consoles.
   */
  static Integer generateInService(Environment env, io.biowerk.dr.core.KeyProvider service)
      throws IOException {
    if (!(service instanceof io.biowerk.dr.core.keys.Pkcs11Keys hsm)) {
      throw new UsageException(
          "keys generate: the key provider "
              + service
              + " keeps its keys itself; create the key with the service's own tools and name it"
              + " in its settings (docs/keys.md)");
    }
    String label =
        hsm.activeKeyId()
            .orElseThrow(
                () ->
                    new UsageException(
                        "keys generate: set "
                            + io.biowerk.dr.core.keys.Pkcs11Keys.KEY
                            + " to the label of the key to create in the HSM"));
    hsm.generate(label);
    env.err()
        .println(
            "biowerk-dr: generated key "
                + label
                + " inside the HSM ("
                + hsm
                + "); it cannot be exported, so back the token up with the HSM's own tools");
    env.err().flush();
    env.out().println(label);
    env.out().flush();
    return ExitCodes.OK;
  }

  /**
   * The key ids that backups in the repositories in effect were encrypted with and that {@code
   * held} lacks, each with how many backups need it. Nothing when the repository is the default one
   * and does not exist (keys listed before any backup).
   */
  static Map<String, Integer> missingKeys(
      Environment env, RepositoryOptions repositories, Set<String> held) throws IOException {
    Map<String, Integer> missing = new TreeMap<>();
    if (repositories.repos.isEmpty()
        && env.variable(Environment.REPO_VARIABLE).isEmpty()
        && !Files.isDirectory(env.resolve(RepositoryOptions.DEFAULT))) {
      return missing;
    }
    for (Sink sink : repositories.openAllExisting(env)) {
      for (BackupRecord record : Catalog.of(sink).withClock(env.clock()).list()) {
        record
            .manifest()
            .keyId()
            .filter(id -> !held.contains(id))
            .ifPresent(id -> missing.merge(id, 1, Integer::sum));
      }
    }
    return missing;
  }

  /** {@code keys list}. */
  @Command(
      name = "list",
      header = "List key ids and the active key.",
      description = {
        "Lists the key ids in the ring (never the keys), which one is active, and warns when the"
            + " active key is older than the 90-day rotation period.",
        ""
      })
  static final class ListKeys extends CliCommand {
    @Mixin KeyOptions keys;
    @Mixin RepositoryOptions repositories;

    @Option(
        names = "--warn-after",
        paramLabel = "DAYS",
        defaultValue = "80",
        description = "Warn when the active key is older than DAYS. Default: ${DEFAULT-VALUE}.")
    int warnAfterDays;

    @Option(
        names = "--max-age",
        paramLabel = "DAYS",
        defaultValue = "90",
        description =
            "The rotation policy: an active key older than DAYS is a violation. Default:"
                + " ${DEFAULT-VALUE}.")
    int maxAgeDays;

    @Override
    public Integer call() throws Exception {
      Environment env = env();
      KeyFile file = keys.file(env);
      EnvironmentKeys variable = keys.environmentKeys(env);
      String active = keys.ring(env).providers().isEmpty() ? null : keys.ring(env).active().id();
      List<Map<String, Object>> rows = new ArrayList<>();
      Map<String, Integer> backups = KeyPolicy.backupsPerKey(repositories, env);
      KeyRecords records = KeyRecords.beside(file.path());
      if (file.exists() || keys.explicit(env)) {
        for (String id : new TreeSet<>(file.keyIds())) {
          Map<String, Object> row = row(id, id.equals(active), file.path().toString());
          KeyPolicy.annotate(row, id, records, backups, env.clock().instant());
          rows.add(row);
        }
      }
      if (variable.isSet()) {
        for (String id : new TreeSet<>(variable.keyIds())) {
          Map<String, Object> row =
              row(id, id.equals(active), "$" + EnvironmentKeys.DEFAULT_VARIABLE);
          KeyPolicy.annotate(row, id, records, backups, env.clock().instant());
          rows.add(row);
        }
      }
      Set<String> held = new TreeSet<>();
      rows.forEach(row -> held.add(String.valueOf(row.get("id"))));
      Map<String, Integer> missing = missingKeys(env, repositories, held);
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("keyFile", file.path().toString());
        result.put("active", active);
        result.put("keys", rows);
        result.put("missing", missing);
        printJson(result);
      } else if (rows.isEmpty()) {
        note(
            "no keys: "
                + file.path()
                + " does not exist and $"
                + EnvironmentKeys.DEFAULT_VARIABLE
                + " is not set;"
                + " the first encrypted backup creates the key file, or run `biowerk-dr keys generate`");
      } else {
        List<List<String>> table = new ArrayList<>();
        for (Map<String, Object> row : rows) {
          table.add(
              List.of(
                  String.valueOf(row.get("id")),
                  Boolean.TRUE.equals(row.get("active")) ? "*" : "",
                  row.get("created") == null ? "-" : String.valueOf(row.get("created")),
                  String.valueOf(row.get("from")),
                  row.get("ageDays") == null ? "-" : row.get("ageDays") + "d",
                  row.get("backups") == null ? "-" : String.valueOf(row.get("backups")),
                  row.get("offlineCopy") == null ? "no" : String.valueOf(row.get("offlineCopy"))));
        }
        for (Map.Entry<String, Integer> m : missing.entrySet()) {
          table.add(
              List.of(
                  m.getKey(),
                  "",
                  "-",
                  "MISSING: needed by " + m.getValue() + " backup(s)",
                  "-",
                  String.valueOf(m.getValue()),
                  "-"));
        }
        out()
            .print(
                Format.table(
                    List.of("ID", "ACTIVE", "CREATED", "FROM", "AGE", "BACKUPS", "OFFLINE COPY"),
                    table));
        out().flush();
      }
      if (!missing.isEmpty()) {
        throw new KeyNotFoundException(
            "keys: the repository holds backups encrypted with key(s) "
                + String.join(", ", missing.keySet())
                + " that the ring lacks, so they cannot be restored with these keys; add the"
                + " key line(s) from your vault to the key file (rotation keeps old keys)",
            missing.keySet().iterator().next());
      }
      if (active != null) {
        Optional<Instant> created = KeyPolicy.created(active, records);
        if (created.isPresent()) {
          Duration age = Duration.between(created.get(), env.clock().instant());
          if (age.compareTo(Duration.ofDays(maxAgeDays)) > 0) {
            note(
                "POLICY VIOLATION: the active key "
                    + active
                    + " is "
                    + age.toDays()
                    + " days old; the runbook rotates keys every "
                    + maxAgeDays
                    + " days: run `biowerk-dr keys rotate`, then `biowerk-dr keys rewrap`");
          } else if (age.compareTo(Duration.ofDays(warnAfterDays)) > 0) {
            note(
                "the active key "
                    + active
                    + " is "
                    + age.toDays()
                    + " days old; rotation is due at "
                    + maxAgeDays
                    + " days: plan `biowerk-dr keys rotate`");
          }
        }
        for (Map<String, Object> row : rows) {
          if (row.get("offlineCopy") == null) {
            note(
                "no offline copy of key "
                    + row.get("id")
                    + " is recorded; store one, then run `biowerk-dr keys confirm-backup "
                    + row.get("id")
                    + "`");
          }
        }
      }
      return ExitCodes.OK;
    }

    private static Map<String, Object> row(String id, boolean active, String from) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", id);
      row.put("active", active);
      row.put(
          "created",
          created(id)
              .map(i -> DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC).format(i))
              .orElse(null));
      row.put("from", from);
      return row;
    }
  }

  /** {@code keys rotate}. */
  @Command(
      name = "rotate",
      header = "Add a new active key; old keys stay.",
      description = {
        "Adds a new random key to the key file and makes it active. Older keys stay in the file"
            + " and keep decrypting older backups. Store the new key in your vault.",
        ""
      })
  static final class Rotate extends CliCommand {
    @Mixin KeyOptions keys;

    @Override
    public Integer call() throws Exception {
      Environment env = env();
      KeyFile file = keys.file(env);
      Set<String> before = file.keyIds();
      String id = file.rotate(env.clock());
      KeyOptions.announceNewKey(env, file.path(), id, "rotated: new active key");
      note(
          "the previous keys ("
              + String.join(", ", new TreeSet<>(before))
              + ") stay in the file and still"
              + " decrypt older backups; update the copy in your vault");
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("ok", true);
        result.put("keyId", id);
        result.put("previous", new TreeSet<>(before));
        result.put("keyFile", file.path().toString());
        printJson(result);
      } else {
        out().println(id);
        out().flush();
      }
      return ExitCodes.OK;
    }
  }

  /** The creation day of an id generated by {@code KeyFile} ({@code k20261130-8f3a}). */
  static Optional<Instant> created(String id) {
    Matcher matcher = DATED_ID.matcher(id);
    if (!matcher.matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          LocalDate.parse(matcher.group(1), DateTimeFormatter.BASIC_ISO_DATE)
              .atStartOfDay(ZoneOffset.UTC)
              .toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
