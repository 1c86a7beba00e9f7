package io.biowerk.dr.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link VaultKvKeys} against a real Vault: runs with {@code -Dgroups=live} when {@code
 * BIOWERK_DR_VAULT_ADDR} (or {@code VAULT_ADDR}), a token and {@code BIOWERK_DR_VAULT_KV_PATH} (a
 * KV v2 secret holding at least one key, see docs/keys.md) are in the environment; skipped
 * otherwise, saying so. Never run on the project's machines, which have no Vault.
 */
@Tag("live")
class VaultKvLiveTest {

  @Test
  void theActiveKeyOfARealSecretWrapsAndOpensADataKey() throws Exception {
    boolean configured =
        (System.getenv(VaultTransitKeys.ADDR) != null || System.getenv("VAULT_ADDR") != null)
            && (System.getenv(VaultTransitKeys.TOKEN) != null
                || System.getenv(VaultTransitKeys.TOKEN_FILE) != null
                || System.getenv("VAULT_TOKEN") != null)
            && System.getenv(VaultKvKeys.PATH) != null;
    assumeTrue(
        configured,
        "no Vault configured: set BIOWERK_DR_VAULT_ADDR, BIOWERK_DR_VAULT_TOKEN(_FILE) and"
            + " BIOWERK_DR_VAULT_KV_PATH to run this test");
    KeyRing ring = KeyRing.of(VaultKvKeys.open(System::getenv));
    MasterKey active = ring.active();
    assertThat(active.material()).hasSize(MasterKey.LENGTH);
    EnvelopeCodec codec = EnvelopeCodec.encryptingTo(List.of(Recipient.masterKey(active)));
    assertThat(EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(codec.parameters()), ring))
        .hasSize(32);
  }
}
