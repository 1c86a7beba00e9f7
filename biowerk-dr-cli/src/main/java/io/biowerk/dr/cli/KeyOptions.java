package io.biowerk.dr.cli;

import io.biowerk.dr.core.KeyFileException;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.KeyServices;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.WrappingKey;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.keys.EnvironmentKeys;
import io.biowerk.dr.core.keys.KeyFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The {@code --key-file} and {@code --key-provider} options and the key defaults: the given file,
 * else {@code $BIOWERK_DR_KEY_FILE}, else {@code ~/.config/biowerk-dr/key}; keys in {@code
 * $BIOWERK_DR_KEY} join the ring. The file named explicitly (option or variable) holds the active
 * key; with neither, keys from {@code $BIOWERK_DR_KEY} are active if set (containers), else the
 * default file's.
 */
final class KeyOptions {

  /** The built-in provider: key files and {@code $BIOWERK_DR_KEY}. */
  static final String FILE = "file";

  /** The default key file, under the home directory. */
  static final String DEFAULT = ".config/biowerk-dr/key";

  @Option(
      names = {"-k", "--key-file"},
      paramLabel = "FILE",
      description = {
        "Key file (mode 0600). Default: $BIOWERK_DR_KEY_FILE, else ~/"
            + DEFAULT
            + ", created on the first encrypted backup."
      })
  String keyFile;

  @Option(
      names = "--key-provider",
      paramLabel = "ID",
      description = {
        "Where master keys live: file (the key file and $BIOWERK_DR_KEY, the default), pkcs11 (an"
            + " HSM through SunPKCS11, settings BIOWERK_DR_PKCS11_*), vault-transit (Vault's Transit"
            + " engine, BIOWERK_DR_VAULT_*), vault-kv (master keys in a Vault KV v2 secret,"
            + " BIOWERK_DR_VAULT_KV_PATH), or another key service on the class path (its module names"
            + " its settings). Default: $"
            + Environment.KEY_PROVIDER_VARIABLE
            + ", else file. With a service its active key wraps new backups; key files still"
            + " open older ones."
      })
  String keyProvider;

  /** The key provider in effect, lower case: {@code file} unless a service is chosen. */
  String providerId(Environment env) {
    String id =
        keyProvider != null
            ? keyProvider
            : env.variable(Environment.KEY_PROVIDER_VARIABLE).orElse(FILE);
    return id.strip().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The provider of the key service chosen with {@code --key-provider}, opened with the
   * environment's settings; empty for {@code file}.
   *
   * @throws io.biowerk.dr.core.ProviderNotFoundException if no such service is on the class path
   * @throws IOException if the service cannot be opened
   */
  Optional<KeyProvider> service(Environment env) throws IOException {
    String id = providerId(env);
    if (id.equals(FILE)) {
      return Optional.empty();
    }
    return Optional.of(KeyServices.open(id, env.variables()::get));
  }

  /**
   * Whom a new backup's data key is wrapped to for the master key: the chosen service's active key
   * (wrapped inside the service), else the key file's active key, created on first use.
   *
   * @throws IOException if the service or a key file cannot be read
   */
  Recipient activeRecipient(Environment env) throws IOException {
    if (providerId(env).equals(FILE)) {
      return Recipient.masterKey(activeForBackup(env));
    }
    KeyRing ring = ring(env);
    String id = ring.activeId();
    Optional<WrappingKey> wrapping = ring.wrappingKey(id);
    return wrapping.isPresent()
        ? Recipient.wrappingKey(wrapping.get())
        : Recipient.masterKey(ring.resolve(id));
  }

  /** The key file in effect. */
  KeyFile file(Environment env) {
    return KeyFile.at(path(env));
  }

  Path path(Environment env) {
    if (keyFile != null) {
      return env.resolve(keyFile);
    }
    return env.variable(Environment.KEY_FILE_VARIABLE)
        .map(env::resolve)
        .orElse(env.home().resolve(DEFAULT));
  }

  /** Whether the key file was named (option or variable) rather than defaulted. */
  boolean explicit(Environment env) {
    return keyFile != null || env.variable(Environment.KEY_FILE_VARIABLE).isPresent();
  }

  EnvironmentKeys environmentKeys(Environment env) {
    return EnvironmentKeys.fromVariable(EnvironmentKeys.DEFAULT_VARIABLE, env.variables()::get);
  }

  /**
   * The ring for reading and writing. A key file named explicitly is always in it, so that a
   * missing or unsafe one is reported when a key is needed; the default one only if it exists.
   */
  KeyRing ring(Environment env) throws IOException {
    KeyFile file = file(env);
    EnvironmentKeys variable = environmentKeys(env);
    List<KeyProvider> providers = new ArrayList<>();
    // A chosen service comes first, so its active key wraps new backups.
    service(env).ifPresent(providers::add);
    boolean fileIn = explicit(env) || file.exists();
    if (explicit(env) || !variable.isSet()) {
      if (fileIn) {
        providers.add(file);
      }
      if (variable.isSet()) {
        providers.add(variable);
      }
    } else {
      providers.add(variable);
      if (fileIn) {
        providers.add(file);
      }
    }
    return KeyRing.of(providers);
  }

  /**
   * The ring for reading, checked first: a key file that was named (option or variable) or that
   * exists must be usable, so a wrong one is reported with its reason instead of quietly leaving
   * the ring without its keys.
   *
   * @throws KeyFileException if such a file is missing, unsafe, malformed or not a file
   * @throws IOException if it cannot be read
   */
  KeyRing usableRing(Environment env) throws IOException {
    KeyFile file = file(env);
    if (explicit(env) || Files.exists(file.path(), LinkOption.NOFOLLOW_LINKS)) {
      Path path = file.path();
      String named = keyFile != null ? "--key-file" : "$" + Environment.KEY_FILE_VARIABLE;
      if (!explicit(env)) {
        named = "the default key file";
      }
      if (Files.isDirectory(path)) {
        throw new KeyFileException(
            "keys: " + named + " " + path + " is a directory, not a key file; name the file", path);
      }
      try {
        file.keyIds();
      } catch (KeyFileException e) {
        throw e;
      } catch (IOException e) {
        KeyFileException unusable =
            new KeyFileException(
                "keys: "
                    + named
                    + " "
                    + path
                    + " cannot be read ("
                    + Errors.message(e)
                    + "); fix it or name another key file",
                path);
        unusable.initCause(e);
        throw unusable;
      }
    }
    return ring(env);
  }

  /**
   * The key a new backup is encrypted with. When no key exists anywhere, the key file is created
   * (mode 0600) and the new key is printed once on stderr, with the warning to keep a copy in a
   * vault; only when a person is at a terminal to see it ({@link Environment#attended()}).
   *
   * @throws UsageException if no key is configured and nobody is at a terminal to see a new one
   * @throws IOException if a key file cannot be read or created
   */
  MasterKey activeForBackup(Environment env) throws IOException {
    KeyFile file = file(env);
    if (!file.exists() && !environmentKeys(env).isSet()) {
      if (!env.attended()) {
        throw unattendedKeyRefusal(env, file.path());
      }
      String id = file.create(env.clock());
      announceNewKey(env, file.path(), id, "created a new encryption key");
    }
    return ring(env).active();
  }

  /**
   * Why a backup without a terminal does not create its key: a key created where nobody sees it
   * printed is a key nobody stored, and the backups it encrypts could not be restored. A key file
   * named but missing is refused too (a vault mount that failed, a typo in the environment file).
   */
  private UsageException unattendedKeyRefusal(Environment env, Path path) {
    String what =
        keyFile != null
            ? "the key file " + path + " (--key-file) does not exist"
            : env.variable(Environment.KEY_FILE_VARIABLE).isPresent()
                ? "the key file "
                    + path
                    + " ($"
                    + Environment.KEY_FILE_VARIABLE
                    + ") does not exist"
                : "no encryption key is configured (no --key-file, $"
                    + Environment.KEY_FILE_VARIABLE
                    + " or $"
                    + EnvironmentKeys.DEFAULT_VARIABLE
                    + ", and no key file at "
                    + path
                    + ")";
    return new UsageException(
        what
            + " and no terminal is attached, so no key is created: a key created where nobody sees"
            + " it is a key nobody stored, and its backups could not be restored. Create the key"
            + " once from a terminal (biowerk-dr keys generate --key-file FILE), store it in your"
            + " vault, and set $"
            + Environment.KEY_FILE_VARIABLE
            + " or pass --key-file (from cron, load the environment file that sets it, e.g."
            + " . /etc/biowerk-dr/env); or back up with --no-encrypt");
  }

  /**
   * Prints a new key once: where it is, its id, the key line itself and the warning to store it in
   * a vault. This is the only place key material is ever printed.
   */
  static void announceNewKey(Environment env, Path path, String id, String what)
      throws IOException {
    io.biowerk.dr.core.keys.KeyRecords.beside(path).recordCreated(id, env.clock().instant());
    String line = keyLine(path, id).orElse("(see the file)");
    var err = env.err();
    err.println("biowerk-dr: " + what + " " + id + " in " + path + " (mode 0600)");
    err.println(
        "biowerk-dr: WARNING: store a copy of this key in your password vault NOW. Without it the"
            + " backups it encrypts cannot be restored. It is printed this once:");
    err.println(line);
    err.flush();
  }

  private static Optional<String> keyLine(Path path, String id) throws IOException {
    for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
      if (line.startsWith("key " + id + ":")) {
        return Optional.of(line);
      }
    }
    return Optional.empty();
  }
}
