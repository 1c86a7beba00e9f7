package io.biowerk.dr.core.log;

import io.biowerk.dr.core.ProviderNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds {@link LogProvider}s on the class path (module path) through {@link ServiceLoader}. */
public final class Logs {

  private Logs() {}

  /** Every log provider found, sorted by log name. */
  public static List<LogProvider> all() {
    List<LogProvider> providers = new ArrayList<>();
    ServiceLoader.load(LogProvider.class, Logs.class.getClassLoader()).forEach(providers::add);
    if (providers.isEmpty() && Thread.currentThread().getContextClassLoader() != null) {
      ServiceLoader.load(LogProvider.class).forEach(providers::add);
    }
    providers.sort(java.util.Comparator.comparing(LogProvider::log));
    return providers;
  }

  /**
   * The provider of the log named {@code log}.
   *
   * @throws ProviderNotFoundException if none is installed; the message lists the logs found
   */
  public static LogProvider forLog(String log) throws ProviderNotFoundException {
    List<String> found = new ArrayList<>();
    for (LogProvider provider : all()) {
      if (provider.log().equals(log)) {
        return provider;
      }
      found.add(provider.log());
    }
    throw new ProviderNotFoundException(
        "no provider of the log '"
            + log
            + "' is available; found: "
            + (found.isEmpty() ? "none" : String.join(", ", found))
            + ". Install the module that archives it.",
        log,
        found);
  }
}
