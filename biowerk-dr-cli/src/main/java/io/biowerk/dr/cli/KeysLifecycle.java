package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.WrappingKey;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.codec.KeyWrap;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.keys.KeyRecords;
import io.biowerk.dr.core.keys.RecipientFile;
import io.biowerk.dr.core.keys.Rewrap;
import io.biowerk.dr.core.keys.ServiceRotation;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code keys} subcommands that retire keys and make write-only hosts: {@code rewrap}, {@code
 * retire}, {@code generate-recipient}.
 */
final class KeysLifecycle {
  private KeysLifecycle() {}

  /** {@code keys rewrap}. */
  @Command(
      name = "rewrap",
      header = "Re-wrap every backup's data key to the active key.",
      description = {
        "Re-wraps the data key of every format-2 backup and archived log segment still"
            + " wrapped to another master key, so"
            + " that key can be retired. The target is the active key: with --key-provider the"
            + " service's (pkcs11, vault-transit or another key service), which moves backups from key files into"
            + " the service; --to ID names a key of the key file, which moves them back. Rewrites only manifests (never a data object), checks"
            + " each backup by decrypting its first segment with the new wrap, and writes the new"
            + " wrap next to the old before removing the old: a crash leaves every backup restorable"
            + " with either key, and running it again finishes the job. Public-key wraps are kept.",
        ""
      })
  static final class RewrapCommand extends CliCommand {
    @Mixin RepositoryOptions repositories;
    @Mixin KeyOptions keys;

    @Option(
        names = "--to",
        paramLabel = "ID",
        description = {
          "Re-wrap to this key instead of the active one: a key of the key file (to move backups"
              + " out of a key service, with --key-provider still naming the service so its keys"
              + " unwrap) or of the service."
        })
    String to;

    @Override
    public Integer call() throws Exception {
      Environment env = env();
      KeyRing ring = keys.ring(env);
      String targetId = to != null ? MasterKey.checkId(to) : ring.activeId();
      // A key of the key file named with --to; else the key of the chosen key service
      // (--key-provider) if it holds it; else a key file's (or $BIOWERK_DR_KEY's).
      KeyFile keyFile = keys.file(env);
      boolean inFile = to != null && Files.exists(keyFile.path()) && keyFile.keyIds().contains(to);
      Optional<WrappingKey> service = inFile ? Optional.empty() : ring.wrappingKey(targetId);
      MasterKey file = service.isPresent() ? null : ring.resolve(targetId);
      List<Map<String, Object>> results = new ArrayList<>();
      List<URI> uris = repositories.uris(env);
      List<Sink> sinks = repositories.openAllExisting(env);
      for (int i = 0; i < sinks.size(); i++) {
        String repo = Uris.redact(uris.get(i)).toString();
        Rewrap rewrap =
            service.isPresent()
                ? Rewrap.of(sinks.get(i), ring, service.get())
                : Rewrap.of(sinks.get(i), ring, file);
        Rewrap.Outcome outcome = rewrap.progress(line -> note(repo + ": " + line)).run();
        note(
            repo
                + ": rewrapped "
                + outcome.rewrapped()
                + " of "
                + outcome.backups()
                + " backups and log segments to "
                + targetId
                + " ("
                + outcome.segmentsRewrapped()
                + " of "
                + outcome.segments()
                + " log segments; "
                + outcome.current()
                + " already current; read "
                + outcome.bytesRead()
                + " bytes of data objects, wrote "
                + outcome.bytesWritten()
                + " bytes of manifests and no data)");
        if (outcome.formatOne() > 0) {
          note(
              repo
                  + ": "
                  + outcome.formatOne()
                  + " format-1 backups or log segments keep needing the key they were made with"
                  + " (their key is bound into the data object); they stop needing it when"
                  + " pruned: "
                  + String.join(", ", outcome.formatOneIds()));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("repository", repo);
        result.put("keyId", targetId);
        result.put("backups", outcome.backups());
        result.put("rewrapped", outcome.rewrapped());
        result.put("current", outcome.current());
        result.put("segments", outcome.segments());
        result.put("segmentsRewrapped", outcome.segmentsRewrapped());
        result.put("formatOne", outcome.formatOneIds());
        result.put("bytesRead", outcome.bytesRead());
        result.put("bytesWritten", outcome.bytesWritten());
        results.add(result);
      }
      if (json) {
        printJson(Map.of("ok", true, "repositories", results));
      }
      return ExitCodes.OK;
    }
  }

  /** {@code keys retire}. */
  @Command(
      name = "retire",
      header = "Remove an old key once no backup needs it.",
      description = {
        "Removes key ID from the key file after checking every repository: refuses while any"
            + " backup or archived log segment is still wrapped to it (run `keys rewrap` first) or is a format-1 backup"
            + " made with it, and refuses the active key (run `keys rotate` first).",
        ""
      })
  static final class Retire extends CliCommand {
    @Mixin RepositoryOptions repositories;
    @Mixin KeyOptions keys;

    @Parameters(index = "0", paramLabel = "ID", description = "The key id to retire.")
    String id;

    @Override
    public Integer call() throws Exception {
      Environment env = env();
      KeyFile file = keys.file(env);
      if (!file.keyIds().contains(id)) {
        throw new UsageException(
            "keys retire: the key file "
                + file.path()
                + " holds no key '"
                + id
                + "'; `biowerk-dr keys list` shows the ids");
      }
      boolean service = !keys.providerId(env).equals(KeyOptions.FILE);
      boolean fileActive = file.activeKeyId().orElse("").equals(id);
      if (fileActive && !service) {
        throw new UsageException(
            "keys retire: '"
                + id
                + "' is the active key; run `biowerk-dr keys rotate` and `biowerk-dr keys rewrap`"
                + " first");
      }
      if (fileActive && file.keyIds().size() > 1) {
        // With a key service active, the key file's own active key may go, but only as its last
        // key.
        throw new UsageException(
            "keys retire: '"
                + id
                + "' is the active key of "
                + file.path()
                + ", which holds other keys; retire those first (the file is deleted with its last"
                + " key)");
      }
      List<URI> uris = repositories.uris(env);
      List<String> needing = needing(repositories, env, id);
      if (!needing.isEmpty()) {
        note(
            "keys retire: refusing to retire '"
                + id
                + "': "
                + needing.size()
                + " backups or log segments still need it: "
                + String.join(", ", needing.subList(0, Math.min(needing.size(), 20)))
                + (needing.size() > 20 ? ", ..." : "")
                + ". Run `biowerk-dr keys rewrap` for format-2 backups; a format-1 backup needs the"
                + " key until it is pruned");
        if (json) {
          printJson(Map.of("ok", false, "keyId", id, "neededBy", needing));
        }
        return ExitCodes.FAILURE;
      }
      if (fileActive) {
        // Its last key, and the service's key wraps everything: the key file goes as a whole.
        Files.delete(file.path());
      } else {
        file.remove(id);
      }
      note(
          "retired key "
              + id
              + ": removed from "
              + file.path()
              + (fileActive ? " (its last key: the file is deleted)" : "")
              + "; no backup in "
              + uris.size()
              + " repositories needs it. Also delete its copies in your vault and offline stores");
      if (json) {
        printJson(Map.of("ok", true, "keyId", id, "keyFile", file.path().toString()));
      }
      return ExitCodes.OK;
    }
  }

  /**
   * The backups (repository and id) and archived WAL/oplog segments (repository and manifest key)
   * in {@code repositories} that still need key {@code id}.
   */
  static List<String> needing(RepositoryOptions repositories, Environment env, String id)
      throws java.io.IOException {
    List<String> needing = new ArrayList<>();
    List<URI> uris = repositories.uris(env);
    List<Sink> sinks = repositories.openAllExisting(env);
    for (int i = 0; i < sinks.size(); i++) {
      for (Rewrap.Stored stored : Rewrap.everything(sinks.get(i))) {
        BackupManifest manifest = stored.manifest();
        if (Rewrap.keysOf(manifest).contains(id)) {
          needing.add(
              Uris.redact(uris.get(i))
                  + " "
                  + stored.label()
                  + (Rewrap.isFormatOne(manifest) ? " (format 1)" : ""));
        }
      }
    }
    return needing;
  }

  /** {@code keys confirm-backup}. */
  @Command(
      name = "confirm-backup",
      header = "Record that a copy of a key is stored offline.",
      description = {
        "Records (in the key file's .records file, no secret) that a copy of key ID is stored"
            + " offline, with the time; `keys list` shows it.",
        ""
      })
  static final class ConfirmBackup extends CliCommand {
    @Mixin KeyOptions keys;

    @Parameters(index = "0", paramLabel = "ID", description = "The key id.")
    String id;

    @Override
    public Integer call() throws Exception {
      Environment env = env();
      KeyFile file = keys.file(env);
      if (!file.keyIds().contains(id)) {
        throw new UsageException(
            "keys confirm-backup: the key file "
                + file.path()
                + " holds no key '"
                + id
                + "'; `biowerk-dr keys list` shows the ids");
      }
      KeyRecords.beside(file.path()).recordOfflineCopy(id, env.clock().instant());
      note("recorded an offline copy of key " + id + " at " + env.clock().instant());
      if (json) {
        printJson(Map.of("ok", true, "keyId", id, "offlineCopy", env.clock().instant().toString()));
      }
      return ExitCodes.OK;
    }
  }

  /** {@code keys compromised}. */
  @Command(
      name = "compromised",
      header = "Incident mode: rotate, rewrap everything, retire the key, list suspect backups.",
      description = {
        "For a key that leaked: makes a new active key if ID is active, re-wraps every backup of"
            + " every repository to the active key, retires ID, and lists the backups made at or after"
            + " --since as suspect (they may have been made by an intruder, or of data an intruder"
            + " changed). Restore from a backup made before the breach: `restore ... --target-time`."
            + " With --key-provider naming a service and ID one of its keys, the new key is made in"
            + " the service (pkcs11, vault-transit) and ID is removed from it (pkcs11); where the"
            + " service or the permissions here cannot, the command prints the exact commands to"
            + " run instead (key services that cannot make or remove keys from here, and removing"
            + " a Transit key).",
        ""
      })
  static final class Compromised extends CliCommand {
    @Mixin RepositoryOptions repositories;
    @Mixin KeyOptions keys;

    @Parameters(index = "0", paramLabel = "ID", description = "The compromised key id.")
    String id;

    @Option(
        names = "--since",
        paramLabel = "TIME",
        description = "When the breach may have started (ISO-8601, e.g. 2026-12-01T00:00:00Z).")
    String since;

    @Option(
        names = "--new-key",
        paramLabel = "ID",
        description = {
          "When ID is the active key of the chosen key service: the id of the new key to make in"
              + " it. Default: a new dated id such as k20261207-3f9a."
        })
    String newKey;

    @Override
    public Integer call() throws Exception {
      Environment env = env();
      java.time.Instant from = null;
      if (since != null) {
        try {
          from = java.time.Instant.parse(since);
        } catch (java.time.format.DateTimeParseException e) {
          throw new UsageException(
              "keys compromised: --since '"
                  + since
                  + "' is not an ISO-8601 instant such as"
                  + " 2026-12-01T00:00:00Z");
        }
      }
      KeyFile file = keys.file(env);
      KeyRing ring = keys.ring(env);
      // The chosen key service, if any, is the ring's first provider.
      KeyProvider service =
          keys.providerId(env).equals(KeyOptions.FILE) ? null : ring.providers().get(0);
      boolean inFile =
          service == null
              ? file.keyIds().contains(id)
              : Files.exists(file.path()) && file.keyIds().contains(id);
      boolean inService =
          !inFile
              && service != null
              && (service.keyIds().contains(id)
                  || service.wrappingKey(id).isPresent()
                  || !needing(repositories, env, id).isEmpty());
      if (!inFile && !inService) {
        throw new UsageException(
            "keys compromised: the key file "
                + file.path()
                + " holds no key '"
                + id
                + "'"
                + (service == null
                    ? ""
                    : ", the key service " + service + " does not list it, and no backup needs it")
                + "; `biowerk-dr keys list` shows the ids");
      }
      ServiceRotation rotation = service instanceof ServiceRotation r ? r : null;
      List<String> steps = new ArrayList<>();
      String created = null;
      String targetId;
      if (inService) {
        if (id.equals(service.activeKeyId().orElse(null))) {
          String fresh = newKey != null ? MasterKey.checkId(newKey) : freshId(env, service);
          Optional<String> how =
              rotation == null
                  ? Optional.of(
                      "create a new key in it with the service's own tools and make it the active"
                          + " key in its settings")
                  : rotation.createKey(fresh);
          if (how.isPresent()) {
            note(
                "keys compromised: '"
                    + id
                    + "' is the active key of "
                    + service
                    + ", and no new key can be made there from here; "
                    + how.get()
                    + "; then run `biowerk-dr keys compromised "
                    + id
                    + "` again. Nothing was changed.");
            if (json) {
              Map<String, Object> result = new LinkedHashMap<>();
              result.put("ok", false);
              result.put("keyId", id);
              result.put("operatorSteps", List.of(how.get()));
              printJson(result);
            }
            return ExitCodes.FAILURE;
          }
          created = fresh;
          note("incident: created key " + fresh + " in " + service + "; it wraps from now on");
          targetId = fresh;
        } else {
          targetId = serviceActive(service, rotation);
        }
      } else if (service != null) {
        targetId = serviceActive(service, rotation);
      } else {
        if (file.activeKeyId().orElse("").equals(id)) {
          String fresh = file.rotate(env.clock());
          KeyOptions.announceNewKey(env, file.path(), fresh, "incident: new active key");
          ring = keys.ring(env);
        }
        targetId = ring.activeId();
      }
      Optional<WrappingKey> serviceTarget = ring.wrappingKey(targetId);
      MasterKey fileTarget = serviceTarget.isPresent() ? null : ring.resolve(targetId);
      List<URI> uris = repositories.uris(env);
      List<Sink> sinks = repositories.openAllExisting(env);
      List<String> suspect = new ArrayList<>();
      int rewrapped = 0;
      for (int i = 0; i < sinks.size(); i++) {
        String repo = Uris.redact(uris.get(i)).toString();
        Rewrap rewrap =
            serviceTarget.isPresent()
                ? Rewrap.of(sinks.get(i), ring, serviceTarget.get())
                : Rewrap.of(sinks.get(i), ring, fileTarget);
        rewrapped += rewrap.progress(line -> note(repo + ": " + line)).run().rewrapped();
        if (from != null) {
          for (BackupRecord record : Catalog.of(sinks.get(i)).withClock(env.clock()).list()) {
            if (!record.manifest().finishedAt().isBefore(from)) {
              suspect.add(repo + " " + record.manifest().id());
            }
          }
        }
      }
      List<String> needing = needing(repositories, env, id);
      boolean retired = needing.isEmpty();
      boolean removed = false;
      if (retired && inFile) {
        if (file.activeKeyId().orElse("").equals(id) && file.keyIds().size() == 1) {
          // With a key service active, the key file's only key goes with the file.
          Files.delete(file.path());
        } else {
          if (file.activeKeyId().orElse("").equals(id)) {
            String fresh = file.rotate(env.clock());
            KeyOptions.announceNewKey(env, file.path(), fresh, "incident: new active key file key");
          }
          file.remove(id);
        }
        removed = true;
        note(
            "retired compromised key "
                + id
                + " from "
                + file.path()
                + "; rewrapped "
                + rewrapped
                + " backups to "
                + targetId);
        note("update the vault copy of the key file and delete the compromised key from it");
      } else if (retired) {
        Optional<String> how =
            rotation == null
                ? Optional.of("remove key '" + id + "' with the key service's own tools")
                : rotation.removeKey(id);
        how.ifPresent(steps::add);
        removed = how.isEmpty();
        note(
            (how.isEmpty()
                    ? "retired compromised key " + id + ": removed from " + service
                    : "no backup needs compromised key " + id + " any more")
                + "; rewrapped "
                + rewrapped
                + " backups to "
                + targetId);
      } else {
        note(
            "keys compromised: could not retire '"
                + id
                + "': "
                + needing.size()
                + " format-1 backups still need it and stay readable to whoever holds the leaked"
                + " key: "
                + String.join(", ", needing)
                + ". Treat them as exposed; prune them once newer backups cover them");
      }
      if (created != null) {
        steps.add(
            "set "
                + rotation.activeKeySetting()
                + "="
                + created
                + " wherever backups are made or restored: it still names the compromised key");
      }
      for (String step : steps) {
        note("STILL TO DO: " + step);
      }
      if (from != null) {
        note(
            suspect.size()
                + " backups were made at or after "
                + from
                + " and are suspect: "
                + (suspect.isEmpty() ? "none" : String.join(", ", suspect))
                + ". Restore from a backup made before it (`restore ... --target-time`)");
      }
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("ok", retired);
        result.put("keyId", id);
        result.put("activeKeyId", targetId);
        if (created != null) {
          result.put("createdKey", created);
        }
        result.put("rewrapped", rewrapped);
        result.put("retired", removed);
        result.put("stillNeededBy", needing);
        result.put("operatorSteps", steps);
        result.put("suspect", suspect);
        printJson(result);
      }
      return retired ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    /** A new dated id that neither the service nor any key file in the ring knows. */
    private static String freshId(Environment env, KeyProvider service) throws java.io.IOException {
      return KeyFile.newKeyId(env.clock(), service.keyIds());
    }

    /** The service's active key, the target of the rewrap when the compromised key is another. */
    private static String serviceActive(KeyProvider service, ServiceRotation rotation)
        throws java.io.IOException {
      return service
          .activeKeyId()
          .orElseThrow(
              () ->
                  new UsageException(
                      "keys compromised: the key service "
                          + service
                          + " names no active key to move the backups to; set "
                          + (rotation == null
                              ? "its active-key setting"
                              : rotation.activeKeySetting())
                          + " to the key new backups should use"));
    }
  }

  /** {@code keys generate-recipient}. */
  @Command(
      name = "generate-recipient",
      header = "Make an X25519 key pair for write-only backup hosts.",
      description = {
        "Writes the private key to FILE (mode 0600, a key file a restore reads with --key-file)"
            + " and the public key to FILE.pub. Backup hosts get only FILE.pub (`backup --recipient"
            + " FILE.pub`): they can write backups but not read them. Keep FILE offline.",
        ""
      })
  static final class GenerateRecipient extends CliCommand {
    @Option(
        names = "--id",
        required = true,
        paramLabel = "ID",
        description = "The recipient's id, recorded in every backup wrapped to it.")
    String id;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE",
        description =
            "Where to write the private key (mode 0600); the public key goes to FILE.pub.")
    String out;

    @Override
    public Integer call() throws Exception {
      Environment env = env();
      MasterKey.checkId(id);
      Path privatePath = env.resolve(out);
      Path publicPath = privatePath.resolveSibling(privatePath.getFileName() + ".pub");
      if (Files.exists(publicPath)) {
        throw new UsageException(
            "keys generate-recipient: " + publicPath + " exists; choose another --out");
      }
      byte[][] pair = KeyWrap.newX25519KeyPair();
      try {
        KeyFile.at(privatePath).createWith(new MasterKey(id, pair[0]));
      } finally {
        Arrays.fill(pair[0], (byte) 0);
      }
      String line = RecipientFile.line(id, pair[1]);
      Files.writeString(
          publicPath,
          "# BIOwerk DR recipient (public key: not secret). Back up with --recipient "
              + publicPath.getFileName()
              + "\n"
              + line
              + "\n",
          StandardCharsets.UTF_8);
      note("wrote the private key of recipient " + id + " to " + privatePath + " (mode 0600)");
      note("wrote the public key to " + publicPath + "; give only this file to backup hosts");
      note(
          "keep the private key OFFLINE: copy "
              + privatePath
              + " to two offline media (an encrypted USB key in a safe, a printed copy), check"
              + " that a restore works with it (`biowerk-dr restore ... --key-file "
              + privatePath.getFileName()
              + "`), then delete it from this machine");
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("ok", true);
        result.put("id", id);
        result.put("privateKeyFile", privatePath.toString());
        result.put("publicKeyFile", publicPath.toString());
        printJson(result);
      } else {
        out().println(line);
        out().flush();
      }
      return ExitCodes.OK;
    }
  }
}
