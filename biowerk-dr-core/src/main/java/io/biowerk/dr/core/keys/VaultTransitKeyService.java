package io.biowerk.dr.core.keys;

import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyService;
import java.io.IOException;
import java.util.function.Function;

/** The {@code vault-transit} key service: {@link VaultTransitKeys}, Vault's Transit engine. */
public final class VaultTransitKeyService implements KeyService {

  @Override
  public String id() {
    return VaultTransitKeys.TYPE;
  }

  @Override
  public KeyProvider open(Function<String, String> settings) throws IOException {
    return VaultTransitKeys.open(settings);
  }
}
