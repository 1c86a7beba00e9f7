package io.biowerk.dr.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.function.Function;

/** Finds ServiceLoader providers by a key the data chooses (URI scheme, codec id). */
final class Providers {

  private Providers() {}

  /**
   * The provider of {@code type} whose keys contain {@code wanted}.
   *
   * @param what what is looked up, for the message ("sink for URI scheme", "codec id")
   * @throws ProviderNotFoundException if none does; the message lists every key found
   */
  static <P> P find(
      Class<P> type,
      String wanted,
      Function<P, ? extends Iterable<String>> keys,
      String what,
      String hint)
      throws ProviderNotFoundException {
    String needle = wanted == null ? "" : wanted.toLowerCase(Locale.ROOT);
    TreeSet<String> found = new TreeSet<>();
    for (P provider : load(type)) {
      for (String key : keys.apply(provider)) {
        if (key.equalsIgnoreCase(needle)) {
          return provider;
        }
        found.add(key);
      }
    }
    throw new ProviderNotFoundException(
        "no "
            + what
            + " '"
            + wanted
            + "' is available; found: "
            + (found.isEmpty() ? "none" : String.join(", ", found))
            + ". "
            + hint,
        wanted,
        new ArrayList<>(found));
  }

  static <P> List<P> load(Class<P> type) {
    List<P> providers = new ArrayList<>();
    ServiceLoader.load(type, Providers.class.getClassLoader()).forEach(providers::add);
    if (providers.isEmpty() && Thread.currentThread().getContextClassLoader() != null) {
      ServiceLoader.load(type).forEach(providers::add);
    }
    return providers;
  }
}
