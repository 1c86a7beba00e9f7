package io.biowerk.dr.core.keys;

import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyService;
import java.io.IOException;
import java.util.function.Function;

/** The {@code pkcs11} key service: {@link Pkcs11Keys}, keys in an HSM through SunPKCS11. */
public final class Pkcs11KeyService implements KeyService {

  @Override
  public String id() {
    return Pkcs11Keys.TYPE;
  }

  @Override
  public KeyProvider open(Function<String, String> settings) throws IOException {
    return Pkcs11Keys.open(settings);
  }
}
