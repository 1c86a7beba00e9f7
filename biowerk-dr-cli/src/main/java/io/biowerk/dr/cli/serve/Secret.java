package io.biowerk.dr.cli.serve;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A secret named by reference in the configuration, never written in it: an environment variable
 * ({@code {env: ORDERS_DB_PASSWORD}}) or a file ({@code {file: /run/secrets/orders-db}}) that group
 * and others cannot read. Its value is read when it is needed and never appears in {@link
 * #toString()} or a message.
 *
 * @param kind {@code env} or {@code file}
 * @param name the variable's name, or the file's path
 */
public record Secret(String kind, String name) {

  private static final Set<PosixFilePermission> READABLE_BY_OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);

  public Secret {
    requireNonNull(kind, "kind");
    requireNonNull(name, "name");
  }

  /**
   * The secret's value.
   *
   * @param variables the process environment
   * @throws IOException if the variable is unset, or the file is missing, unreadable, empty or not
   *     private
   */
  public String value(Map<String, String> variables) throws IOException {
    if (kind.equals("env")) {
      String value = variables.get(name);
      if (value == null || value.isEmpty()) {
        throw new IOException(
            "serve: environment variable "
                + name
                + " is not set; set it to the secret (the"
                + " configuration names it, never the value)");
      }
      return value;
    }
    return readPrivateFile(Path.of(name), "secret file");
  }

  /**
   * The bearer token of the HTTP API from {@code path}, under the rules of a secret file.
   *
   * @throws IOException if it is missing, unreadable, empty or readable by others
   */
  public static String readPrivateFileForToken(Path path) throws IOException {
    return readPrivateFile(path, "token file");
  }

  /**
   * The first line of a file that group and others can neither read nor write.
   *
   * @param what what the file is, for messages ({@code "token file"})
   * @throws IOException if it is missing, unreadable, empty or not private
   */
  static String readPrivateFile(Path path, String what) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new NoSuchFileException(
          path.toString(), null, "serve: " + what + " " + path + " does not exist");
    }
    PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
    if (view != null) {
      Set<PosixFilePermission> permissions = EnumSet.copyOf(view.readAttributes().permissions());
      permissions.retainAll(READABLE_BY_OTHERS);
      if (!permissions.isEmpty()) {
        throw new IOException(
            "serve: "
                + what
                + " "
                + path
                + " can be read or written by group or others; run"
                + " `chmod 600 "
                + path
                + "`");
      }
    }
    String value =
        Files.readString(path, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
    if (value.isEmpty()) {
      throw new IOException(
          "serve: " + what + " " + path + " is empty; write the secret on its first line");
    }
    return value;
  }

  @Override
  public String toString() {
    return kind + ":" + name;
  }
}
