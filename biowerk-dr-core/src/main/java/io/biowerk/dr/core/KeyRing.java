package io.biowerk.dr.core;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The keys a repository can use: new backups are encrypted with the active key, and every key any
 * provider knows still decrypts older backups. Rotation changes the active id and never rewrites
 * data.
 *
 * <p>Providers are asked in order; the first that names an active key wins. Immutable and
 * thread-safe.
 */
public final class KeyRing {

  private static final KeyRing EMPTY = new KeyRing(List.of());

  private final List<KeyProvider> providers;

  private KeyRing(List<KeyProvider> providers) {
    this.providers = List.copyOf(providers);
  }

  /** A ring over {@code providers}, asked in order. */
  public static KeyRing of(KeyProvider... providers) {
    return new KeyRing(List.of(providers));
  }

  /** A ring over {@code providers}, asked in order. */
  public static KeyRing of(List<KeyProvider> providers) {
    return new KeyRing(providers);
  }

  /** A ring with no keys, for unencrypted repositories. */
  public static KeyRing empty() {
    return EMPTY;
  }

  /**
   * The key new backups are encrypted with.
   *
   * @throws KeyNotFoundException if no provider names an active key, or the named key is missing
   * @throws IOException if a provider cannot be read
   */
  public MasterKey active() throws IOException {
    for (KeyProvider provider : providers) {
      Optional<String> id = provider.activeKeyId();
      if (id.isPresent()) {
        return resolve(id.get());
      }
    }
    throw new KeyNotFoundException(
        "keys: no active encryption key is configured; create one with `biowerk-dr keys generate` (or pass"
            + " --key-file), or back up with --no-encrypt",
        null);
  }

  /**
   * The key with {@code id}.
   *
   * @throws KeyNotFoundException if no provider knows it; the message lists the ids that are known
   * @throws IOException if a provider cannot be read
   */
  public MasterKey resolve(String id) throws IOException {
    requireNonNull(id, "id");
    for (KeyProvider provider : providers) {
      Optional<MasterKey> key = provider.key(id);
      if (key.isPresent()) {
        return key.get();
      }
    }
    throw new KeyNotFoundException(
        "keys: no key with id '"
            + id
            + "' is available (known ids: "
            + ids()
            + "); add the key file that holds it, e.g. from your vault, with --key-file",
        id);
  }

  /**
   * The key {@code id} if a provider holds it in a service that wraps data keys itself ({@link
   * KeyProvider#wrappingKey}); empty when the key is a plain key, or unknown.
   *
   * @throws IOException if a provider cannot be read
   */
  public Optional<WrappingKey> wrappingKey(String id) throws IOException {
    requireNonNull(id, "id");
    for (KeyProvider provider : providers) {
      Optional<WrappingKey> key = provider.wrappingKey(id);
      if (key.isPresent()) {
        return key;
      }
    }
    return Optional.empty();
  }

  /**
   * The id of the key new backups are wrapped to: the first provider's that names one.
   *
   * @throws KeyNotFoundException if no provider names an active key
   * @throws IOException if a provider cannot be read
   */
  public String activeId() throws IOException {
    for (KeyProvider provider : providers) {
      Optional<String> id = provider.activeKeyId();
      if (id.isPresent()) {
        return id.get();
      }
    }
    throw new KeyNotFoundException(
        "keys: no active encryption key is configured; create one with `biowerk-dr keys generate` (or pass"
            + " --key-file), or back up with --no-encrypt",
        null);
  }

  /**
   * Every key id the providers know, sorted.
   *
   * @throws IOException if a provider cannot be read
   */
  public Set<String> ids() throws IOException {
    Set<String> ids = new TreeSet<>();
    for (KeyProvider provider : providers) {
      ids.addAll(provider.keyIds());
    }
    return ids;
  }

  /** The providers, in order. */
  public List<KeyProvider> providers() {
    return new ArrayList<>(providers);
  }

  @Override
  public String toString() {
    return "KeyRing" + providers;
  }
}
