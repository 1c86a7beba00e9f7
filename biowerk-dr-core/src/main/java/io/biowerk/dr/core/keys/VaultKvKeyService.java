package io.biowerk.dr.core.keys;

import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyService;
import java.io.IOException;
import java.util.function.Function;

/** The {@code vault-kv} key service: {@link VaultKvKeys}, master keys in Vault's KV v2 engine. */
public final class VaultKvKeyService implements KeyService {

  @Override
  public String id() {
    return VaultKvKeys.TYPE;
  }

  @Override
  public KeyProvider open(Function<String, String> settings) throws IOException {
    return VaultKvKeys.open(settings);
  }
}
