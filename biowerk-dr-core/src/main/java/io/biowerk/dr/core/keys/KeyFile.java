package io.biowerk.dr.core.keys;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.KeyFileException;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.internal.AtomicFiles;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A key ring kept in a private file: the active key id and every key, one per line.
 *
 * <pre>
 * # BIOwerk DR key ring. Keep this file private (chmod 600) and a copy in your vault.
 * active: k20261130-8f3a
 * key k20261130-8f3a: 6u0kYB1+3x...base64 of 32 bytes...=
 * </pre>
 *
 * <p>The file must not be readable or writable by group or others; a file that is, is refused with
 * a message saying how to fix it. The file is read on every call, so a rotation by another process
 * is seen. Key bytes never appear in messages or {@link #toString()}.
 */
public final class KeyFile implements KeyProvider {

  private static final DateTimeFormatter ID_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

  private final Path path;

  private KeyFile(Path path) {
    this.path = requireNonNull(path, "path");
  }

  /** A provider reading {@code path}; nothing is read until a key is asked for. */
  public static KeyFile at(Path path) {
    return new KeyFile(path);
  }

  /** The file. */
  public Path path() {
    return path;
  }

  /** Whether the file exists. */
  public boolean exists() {
    return Files.exists(path);
  }

  /**
   * Creates the file with one new random key, active, and mode 0600; the parent directory is
   * created with mode 0700 if missing.
   *
   * @return the new key's id
   * @throws FileAlreadyExistsException if the file exists
   * @throws IOException if it cannot be written
   */
  public String create(Clock clock) throws IOException {
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(
          path.toString(),
          null,
          "keys: the key file exists; use `biowerk-dr keys rotate` to add a key to it");
    }
    MasterKey key = MasterKey.generate(newId(clock, Set.of()));
    Map<String, MasterKey> keys = new LinkedHashMap<>();
    keys.put(key.id(), key);
    write(key.id(), keys);
    return key.id();
  }

  /**
   * Adds a new random key and makes it active; older keys stay and still decrypt older backups.
   *
   * @return the new key's id
   * @throws IOException if the file cannot be read or written
   */
  public String rotate(Clock clock) throws IOException {
    Contents contents = read();
    MasterKey key = MasterKey.generate(newId(clock, contents.keys.keySet()));
    Map<String, MasterKey> keys = new LinkedHashMap<>(contents.keys);
    keys.put(key.id(), key);
    write(key.id(), keys);
    return key.id();
  }

  /**
   * Creates the file holding {@code key} alone, as its active key (an X25519 private key of a
   * recipient, for a restore host), mode 0600.
   *
   * @throws FileAlreadyExistsException if the file exists
   * @throws IOException if it cannot be written
   */
  public void createWith(MasterKey key) throws IOException {
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(
          path.toString(), null, "keys: the key file exists; choose another path");
    }
    write(key.id(), Map.of(key.id(), key));
  }

  /**
   * Removes the key {@code id} (retirement). The caller has checked that no backup needs it.
   *
   * @throws IllegalArgumentException if it is the active key or not in the file
   * @throws IOException if the file cannot be read or written
   */
  public void remove(String id) throws IOException {
    Contents contents = read();
    if (id.equals(contents.active)) {
      throw new IllegalArgumentException(
          "keys: '" + id + "' is the active key; rotate to a new key before retiring it");
    }
    if (!contents.keys.containsKey(id)) {
      throw new IllegalArgumentException(
          "keys: key file "
              + path
              + " holds no key '"
              + id
              + "' (it holds "
              + contents.keys.keySet()
              + ")");
    }
    Map<String, MasterKey> keys = new LinkedHashMap<>(contents.keys);
    keys.remove(id);
    write(contents.active, keys);
  }

  @Override
  public Optional<MasterKey> key(String id) throws IOException {
    return Optional.ofNullable(read().keys.get(id));
  }

  @Override
  public Optional<String> activeKeyId() throws IOException {
    return Optional.of(read().active);
  }

  @Override
  public Set<String> keyIds() throws IOException {
    return Set.copyOf(read().keys.keySet());
  }

  @Override
  public String toString() {
    return "KeyFile[" + path + "]";
  }

  /**
   * A new key id of the form key files use, {@code k<yyyyMMdd>-<4 hex digits>} (the day of {@code
   * clock}, so the id tells the key's age), not among {@code taken}: also the name of a key made in
   * a key service by {@code keys compromised}.
   */
  public static String newKeyId(Clock clock, Set<String> taken) {
    return newId(clock, Set.copyOf(taken));
  }

  private static String newId(Clock clock, Set<String> taken) {
    String base = "k" + ID_DATE.format(clock.instant()) + "-";
    java.security.SecureRandom random = new java.security.SecureRandom();
    while (true) {
      String id = base + String.format("%04x", random.nextInt(0x10000));
      if (!taken.contains(id)) {
        return id;
      }
    }
  }

  private record Contents(String active, Map<String, MasterKey> keys) {}

  private Contents read() throws IOException {
    checkPermissions();
    List<String> lines;
    try {
      lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new KeyFileException(
          "keys: key file "
              + path
              + " does not exist; create it with `biowerk-dr keys"
              + " generate --key-file "
              + path
              + "` or restore it from your vault",
          path);
    }
    String active = null;
    Map<String, MasterKey> keys = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("active:")) {
        active = line.substring("active:".length()).strip();
      } else if (line.startsWith("key ")) {
        int colon = line.indexOf(':');
        if (colon < 0) {
          throw malformed(i + 1, "a key line reads 'key <id>: <base64 of 32 bytes>'");
        }
        String id = line.substring(4, colon).strip();
        byte[] bytes;
        try {
          bytes = Base64.getDecoder().decode(line.substring(colon + 1).strip());
        } catch (IllegalArgumentException e) {
          throw malformed(i + 1, "the key of '" + id + "' is not valid base64");
        }
        try {
          if (bytes.length != MasterKey.LENGTH) {
            throw malformed(i + 1, "the key of '" + id + "' is " + bytes.length + " bytes, not 32");
          }
          try {
            keys.put(id, new MasterKey(id, bytes));
          } catch (IllegalArgumentException e) {
            throw malformed(i + 1, e.getMessage());
          }
        } finally {
          Arrays.fill(bytes, (byte) 0);
        }
      } else {
        throw malformed(i + 1, "expected 'active: <id>' or 'key <id>: <base64>'");
      }
    }
    if (active == null) {
      throw new KeyFileException(
          "keys: key file " + path + " names no active key; add a line 'active: <id>'", path);
    }
    if (!keys.containsKey(active)) {
      throw new KeyFileException(
          "keys: key file "
              + path
              + " names active key '"
              + active
              + "' but holds no key with that id",
          path);
    }
    return new Contents(active, keys);
  }

  private KeyFileException malformed(int line, String what) {
    return new KeyFileException(
        "keys: key file " + path + " line " + line + " is malformed: " + what, path);
  }

  private void checkPermissions() throws IOException {
    PrivateFiles.checkPrivate(path, "keys: key file", "key");
  }

  private void write(String active, Map<String, MasterKey> keys) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (!Files.isDirectory(parent)) {
      Files.createDirectories(
          parent,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    List<String> lines = new ArrayList<>();
    lines.add(
        "# BIOwerk DR key ring. Keep this file private (chmod 600) and a copy in your vault:");
    lines.add("# without it, the backups it encrypted cannot be restored.");
    lines.add("active: " + active);
    for (MasterKey key : keys.values()) {
      byte[] bytes = key.material();
      try {
        lines.add("key " + key.id() + ": " + Base64.getEncoder().encodeToString(bytes));
      } finally {
        Arrays.fill(bytes, (byte) 0);
      }
    }
    Path temp = AtomicFiles.tempBeside(path);
    // Created private: a temp file made with the default umask and narrowed afterwards would leave
    // the keys
    // readable by others for a moment.
    try (FileChannel channel =
        FileChannel.open(
            temp,
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      ByteChannels.writeFully(
          channel,
          ByteBuffer.wrap((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)));
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    try {
      AtomicFiles.moveIntoPlace(temp, path);
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
