package io.biowerk.dr.core.keys;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.KeyFileException;
import io.biowerk.dr.core.MasterKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What is known about each key besides its bytes: when it was created and when an operator
 * confirmed that a copy is stored offline. Kept in a small text file beside the key file ({@code
 * <key file>.records}, lines {@code created <id> <ISO instant>} and {@code offline <id> <ISO
 * instant>}), which holds no secret. Reads on each call; writes atomically (temporary file and
 * rename).
 */
public final class KeyRecords {

  private final Path path;

  private KeyRecords(Path path) {
    this.path = requireNonNull(path, "path");
  }

  /** The records beside the key file {@code keyFile}. */
  public static KeyRecords beside(Path keyFile) {
    return new KeyRecords(keyFile.resolveSibling(keyFile.getFileName() + ".records"));
  }

  /** The records file. */
  public Path path() {
    return path;
  }

  /** When key {@code id} was created, if recorded. */
  public Optional<Instant> created(String id) throws IOException {
    return Optional.ofNullable(read("created").get(id));
  }

  /** When a copy of key {@code id} was confirmed to be stored offline, if ever. */
  public Optional<Instant> offlineCopy(String id) throws IOException {
    return Optional.ofNullable(read("offline").get(id));
  }

  /** Records that key {@code id} was created at {@code when}. */
  public void recordCreated(String id, Instant when) throws IOException {
    append("created", id, when);
  }

  /** Records the operator's confirmation that a copy of {@code id} is stored offline. */
  public void recordOfflineCopy(String id, Instant when) throws IOException {
    append("offline", id, when);
  }

  private Map<String, Instant> read(String kind) throws IOException {
    Map<String, Instant> values = new LinkedHashMap<>();
    if (!Files.exists(path)) {
      return values;
    }
    List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String[] parts = lines.get(i).strip().split(" ", -1);
      if ((parts.length == 1 && parts[0].isEmpty()) || parts[0].startsWith("#")) {
        continue;
      }
      if (parts.length != 3) {
        throw new KeyFileException(
            "keys: key records "
                + path
                + " line "
                + (i + 1)
                + " is malformed; expected"
                + " '<created|offline> <id> <ISO instant>'",
            path);
      }
      if (parts[0].equals(kind)) {
        try {
          values.put(parts[1], Instant.parse(parts[2]));
        } catch (DateTimeParseException e) {
          throw new KeyFileException(
              "keys: key records " + path + " line " + (i + 1) + " has no valid time", path);
        }
      }
    }
    return values;
  }

  private void append(String kind, String id, Instant when) throws IOException {
    MasterKey.checkId(id);
    List<String> lines =
        Files.exists(path)
            ? new ArrayList<>(Files.readAllLines(path, StandardCharsets.UTF_8))
            : new ArrayList<>(
                List.of(
                    "# BIOwerk DR key records (no secrets): creation times and"
                        + " offline-copy confirmations"));
    lines.add(kind + " " + id + " " + when);
    Path temp = path.resolveSibling(path.getFileName() + ".tmp");
    Files.deleteIfExists(temp);
    Files.createFile(
        temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.write(temp, lines, StandardCharsets.UTF_8);
    Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public String toString() {
    return "KeyRecords[" + path + "]";
  }
}
