package io.biowerk.dr.core;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/** Finds {@link KeyService}s by id and opens them. */
public final class KeyServices {

  private KeyServices() {}

  /**
   * The key service with {@code id}.
   *
   * @throws ProviderNotFoundException if none is on the class or module path; the message lists
   *     every id found
   */
  public static KeyService find(String id) throws ProviderNotFoundException {
    requireNonNull(id, "id");
    return Providers.find(
        KeyService.class,
        id,
        service -> List.of(service.id()),
        "key provider",
        "Choose one of those with --key-provider (or $BIOWERK_DR_KEY_PROVIDER), or add the module"
            + " that brings '"
            + id
            + "' to the class path; without either, keys come from"
            + " the key file.");
  }

  /**
   * Opens the provider of service {@code id} with {@code settings}.
   *
   * @throws ProviderNotFoundException if no such service is found
   * @throws IOException if the service cannot be opened
   */
  public static KeyProvider open(String id, Function<String, String> settings) throws IOException {
    return find(id).open(requireNonNull(settings, "settings"));
  }
}
