package io.biowerk.dr.cli.serve;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A configuration file of {@code biowerk-dr serve} that cannot be used: it names the file, the
 * line, the key (a dotted path such as {@code sources.orders.backup}) and says what is expected
 * there.
 */
public final class ConfigException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final int line;
  private final String key;

  /**
   * @param file the configuration file
   * @param line the 1-based line of the offending value, or 0 when the problem is the file as a
   *     whole
   * @param key the dotted key path, or an empty string for the document root
   * @param problem what is wrong and what is expected
   */
  public ConfigException(Path file, int line, String key, String problem) {
    super(
        "serve config: "
            + file
            + (line > 0 ? ":" + line : "")
            + ": "
            + (key.isEmpty() ? "" : key + ": ")
            + problem);
    this.file = requireNonNull(file, "file");
    this.line = line;
    this.key = requireNonNull(key, "key");
  }

  /** The configuration file. */
  public Path file() {
    return file;
  }

  /** The 1-based line of the offending value, or 0 when the problem is the file as a whole. */
  public int line() {
    return line;
  }

  /**
   * The dotted key path of the offending value ({@code sources.orders.backup}), empty for the root.
   */
  public String key() {
    return key;
  }
}
