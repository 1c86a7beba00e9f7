package io.biowerk.dr.core.keys;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.KeyFileException;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.codec.KeyWrap;
import io.biowerk.dr.core.codec.Recipient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A file of public keys that backups are wrapped to: lines {@code recipient <id>: <base64 of a
 * 32-byte X25519 public key>}, comments with {@code #}. Public keys are not secret, so the file may
 * be readable by others; it holds nothing that decrypts a backup. Immutable; reads on each call.
 */
public final class RecipientFile {

  private final Path path;

  private RecipientFile(Path path) {
    this.path = requireNonNull(path, "path");
  }

  /** The recipient file at {@code path}. */
  public static RecipientFile at(Path path) {
    return new RecipientFile(path);
  }

  /** The line that names recipient {@code id} with {@code publicKey}. */
  public static String line(String id, byte[] publicKey) {
    return "recipient "
        + MasterKey.checkId(id)
        + ": "
        + Base64.getEncoder().encodeToString(publicKey);
  }

  /**
   * The recipients in the file, in order.
   *
   * @throws KeyFileException if it is missing, holds none, or a line is malformed (with its number)
   * @throws IOException if it cannot be read
   */
  public List<Recipient> recipients() throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new KeyFileException(
          "keys: recipient file "
              + path
              + " does not exist; make one with `biowerk-dr keys generate-recipient`",
          path);
    }
    List<Recipient> recipients = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (!line.startsWith("recipient ") || colon < 0) {
        throw malformed(
            i + 1, "expected 'recipient <id>: <base64 of a 32-byte X25519 public key>'");
      }
      String id = line.substring("recipient ".length(), colon).strip();
      byte[] key;
      try {
        key = Base64.getDecoder().decode(line.substring(colon + 1).strip());
        MasterKey.checkId(id);
      } catch (IllegalArgumentException e) {
        throw malformed(i + 1, "the id or the base64 public key of '" + id + "' is not valid");
      }
      if (key.length != KeyWrap.KEY_LENGTH) {
        throw malformed(
            i + 1, "the public key of '" + id + "' is " + key.length + " bytes, not 32");
      }
      recipients.add(Recipient.x25519(id, key));
    }
    if (recipients.isEmpty()) {
      throw new KeyFileException(
          "keys: recipient file " + path + " names no recipient; add a 'recipient <id>: ...' line",
          path);
    }
    return recipients;
  }

  private KeyFileException malformed(int line, String what) {
    return new KeyFileException(
        "keys: recipient file " + path + " line " + line + " is malformed: " + what, path);
  }

  @Override
  public String toString() {
    return "RecipientFile[" + path + "]";
  }
}
