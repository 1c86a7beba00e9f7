package io.biowerk.dr.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link VaultTransitKeys} against a real Vault: runs with {@code -Dgroups=live} when {@code
 * BIOWERK_DR_VAULT_ADDR} (or {@code VAULT_ADDR}), a token and {@code BIOWERK_DR_VAULT_KEY} (an
 * existing Transit key) are in the environment; skipped otherwise, saying so.
 */
@Tag("live")
class VaultTransitLiveTest {

  @Test
  void aDataKeyRoundTripsThroughARealTransitKey() throws Exception {
    boolean configured =
        (System.getenv(VaultTransitKeys.ADDR) != null || System.getenv("VAULT_ADDR") != null)
            && (System.getenv(VaultTransitKeys.TOKEN) != null
                || System.getenv(VaultTransitKeys.TOKEN_FILE) != null
                || System.getenv("VAULT_TOKEN") != null)
            && System.getenv(VaultTransitKeys.KEY) != null;
    assumeTrue(
        configured,
        "no Vault configured: set BIOWERK_DR_VAULT_ADDR, BIOWERK_DR_VAULT_TOKEN(_FILE) and"
            + " BIOWERK_DR_VAULT_KEY to run this test");
    KeyRing ring = KeyRing.of(VaultTransitKeys.open(System::getenv));
    EnvelopeCodec codec =
        EnvelopeCodec.encryptingTo(
            List.of(Recipient.wrappingKey(ring.wrappingKey(ring.activeId()).orElseThrow())));
    byte[] first = EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(codec.parameters()), ring);
    byte[] second = EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(codec.parameters()), ring);
    assertThat(first).hasSize(32).isEqualTo(second);
  }
}
