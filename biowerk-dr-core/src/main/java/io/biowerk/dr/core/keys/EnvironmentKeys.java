package io.biowerk.dr.core.keys;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.MasterKey;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Keys from an environment variable, for containers and CI where a file is awkward. The variable
 * holds {@code <id>:<base64 of 32 bytes>} entries separated by commas; the first is active: {@code
 * BIOWERK_DR_KEY=k2:6u0k...=,k1:Qm9v...=}. Key bytes never appear in messages or {@link
 * #toString()}.
 */
public final class EnvironmentKeys implements KeyProvider {

  /** The variable read by default. */
  public static final String DEFAULT_VARIABLE = "BIOWERK_DR_KEY";

  private final String variable;
  private final Function<String, String> environment;

  private EnvironmentKeys(String variable, Function<String, String> environment) {
    this.variable = requireNonNull(variable, "variable");
    this.environment = requireNonNull(environment, "environment");
  }

  /** Keys from {@code variable} in this process's environment. */
  public static EnvironmentKeys fromVariable(String variable) {
    return new EnvironmentKeys(variable, System::getenv);
  }

  /** Keys from {@code variable} looked up in {@code environment} (for tests and embedding). */
  public static EnvironmentKeys fromVariable(
      String variable, Function<String, String> environment) {
    return new EnvironmentKeys(variable, environment);
  }

  /** Whether the variable is set. */
  public boolean isSet() {
    String value = environment.apply(variable);
    return value != null && !value.isBlank();
  }

  @Override
  public Optional<MasterKey> key(String id) throws IOException {
    return Optional.ofNullable(parse().get(id));
  }

  @Override
  public Optional<String> activeKeyId() throws IOException {
    return parse().keySet().stream().findFirst();
  }

  @Override
  public Set<String> keyIds() throws IOException {
    return Set.copyOf(parse().keySet());
  }

  @Override
  public String toString() {
    return "EnvironmentKeys[$" + variable + "]";
  }

  // String.split drops trailing empty entries, as wanted here: "k1:...,k2:...," is two keys, as it
  // always was.
  @SuppressWarnings("StringSplitter")
  private Map<String, MasterKey> parse() throws IOException {
    String value = environment.apply(variable);
    Map<String, MasterKey> keys = new LinkedHashMap<>();
    if (value == null || value.isBlank()) {
      return keys;
    }
    String[] entries = value.split(",");
    for (int i = 0; i < entries.length; i++) {
      String entry = entries[i].strip();
      int colon = entry.indexOf(':');
      if (colon <= 0) {
        throw new IOException(
            "keys: entry "
                + (i + 1)
                + " of $"
                + variable
                + " is malformed; each entry reads <id>:<base64 of 32 bytes>");
      }
      String id = entry.substring(0, colon);
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(entry.substring(colon + 1));
      } catch (IllegalArgumentException e) {
        throw new IOException(
            "keys: the key of '" + id + "' in $" + variable + " is not valid base64");
      }
      try {
        if (bytes.length != MasterKey.LENGTH) {
          throw new IOException(
              "keys: the key of '"
                  + id
                  + "' in $"
                  + variable
                  + " is "
                  + bytes.length
                  + " bytes, not 32");
        }
        keys.put(id, new MasterKey(id, bytes));
      } catch (IllegalArgumentException e) {
        throw new IOException(
            "keys: entry " + (i + 1) + " of $" + variable + ": " + e.getMessage());
      } finally {
        Arrays.fill(bytes, (byte) 0);
      }
    }
    return keys;
  }
}
