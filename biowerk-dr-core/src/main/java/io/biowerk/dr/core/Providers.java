package io.biowerk.dr.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
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
    return find(type, wanted, keys, p -> "", what, hint);
  }

  /**
   * As {@link #find(Class, String, Function, String, String)}, the message naming the artifact that
   * brings each key found: {@code found: file (biowerk-dr-core), s3 (biowerk-dr-storage-s3)}.
   */
  static <P> P find(
      Class<P> type,
      String wanted,
      Function<P, ? extends Iterable<String>> keys,
      Function<P, String> artifact,
      String what,
      String hint)
      throws ProviderNotFoundException {
    Optional<P> match = lookup(type, wanted, keys);
    if (match.isPresent()) {
      return match.get();
    }
    Map<String, String> found = new TreeMap<>();
    for (P provider : load(type)) {
      for (String key : keys.apply(provider)) {
        found.put(key.toLowerCase(Locale.ROOT), artifact.apply(provider));
      }
    }
    List<String> shown = new ArrayList<>();
    found.forEach((key, from) -> shown.add(from.isEmpty() ? key : key + " (" + from + ")"));
    throw new ProviderNotFoundException(
        "no "
            + what
            + " '"
            + wanted
            + "' is available; found: "
            + (shown.isEmpty() ? "none" : String.join(", ", shown))
            + ". "
            + hint,
        wanted,
        new ArrayList<>(found.keySet()));
  }

  /** The provider of {@code type} whose keys contain {@code wanted}, if one is on the path. */
  static <P> Optional<P> lookup(
      Class<P> type, String wanted, Function<P, ? extends Iterable<String>> keys) {
    String needle = wanted == null ? "" : wanted.toLowerCase(Locale.ROOT);
    for (P provider : load(type)) {
      for (String key : keys.apply(provider)) {
        if (key.equalsIgnoreCase(needle)) {
          return Optional.of(provider);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Every key of every provider of {@code type} with the artifact that brings it, sorted by key:
   * {@code file -> biowerk-dr-core}.
   */
  static <P> Map<String, String> describe(
      Class<P> type, Function<P, ? extends Iterable<String>> keys, Function<P, String> artifact) {
    Map<String, String> all = new TreeMap<>();
    for (P provider : load(type)) {
      for (String key : keys.apply(provider)) {
        all.putIfAbsent(key.toLowerCase(Locale.ROOT), artifact.apply(provider));
      }
    }
    return all;
  }

  /** Every key of every provider of {@code type}, sorted. */
  static <P> List<String> keys(Class<P> type, Function<P, ? extends Iterable<String>> keys) {
    TreeSet<String> all = new TreeSet<>();
    load(type).forEach(p -> keys.apply(p).forEach(all::add));
    return List.copyOf(all);
  }

  /** The Java module name of {@code provider}, or its package on the class path. */
  static String artifactOf(Object provider) {
    Module module = provider.getClass().getModule();
    return module.isNamed() ? module.getName() : provider.getClass().getPackageName();
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
