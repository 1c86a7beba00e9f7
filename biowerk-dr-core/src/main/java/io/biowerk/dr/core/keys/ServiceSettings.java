package io.biowerk.dr.core.keys;

import java.util.function.Function;

/** Reads the settings of a key service (environment variables or their stand-ins in tests). */
final class ServiceSettings {

  private ServiceSettings() {}

  /** The setting {@code name}, stripped, or null when it is unset or blank. */
  static String get(Function<String, String> settings, String name) {
    String value = settings.apply(name);
    return value == null || value.isBlank() ? null : value.strip();
  }
}
