package io.biowerk.dr.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.KeyRing;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EnvironmentKeysTest {

  static final byte[] ONE = filled(1);
  static final byte[] TWO = filled(2);
  static final String B64_ONE = Base64.getEncoder().encodeToString(ONE);
  static final String B64_TWO = Base64.getEncoder().encodeToString(TWO);

  static byte[] filled(int value) {
    byte[] bytes = new byte[32];
    Arrays.fill(bytes, (byte) value);
    return bytes;
  }

  static EnvironmentKeys keys(String value) {
    return EnvironmentKeys.fromVariable("BIOWERK_DR_KEY", Map.of("BIOWERK_DR_KEY", value)::get);
  }

  @Test
  void theFirstEntryIsActiveAndEveryEntryResolves() throws Exception {
    EnvironmentKeys keys = keys("k2:" + B64_TWO + ", k1:" + B64_ONE);
    assertThat(keys.isSet()).isTrue();
    assertThat(keys.activeKeyId()).contains("k2");
    assertThat(keys.keyIds()).containsExactlyInAnyOrder("k1", "k2");
    assertThat(keys.key("k1").orElseThrow().material()).isEqualTo(ONE);
    assertThat(keys.key("k2").orElseThrow().material()).isEqualTo(TWO);
    assertThat(keys.key("k3")).isEmpty();
    assertThat(keys.toString()).isEqualTo("EnvironmentKeys[$BIOWERK_DR_KEY]");
  }

  @Test
  void anUnsetVariableHasNoKeysAndARingSaysHowToConfigureOne() throws Exception {
    EnvironmentKeys unset = EnvironmentKeys.fromVariable("BIOWERK_DR_KEY", name -> null);
    assertThat(unset.isSet()).isFalse();
    assertThat(unset.activeKeyId()).isEmpty();
    assertThat(unset.keyIds()).isEmpty();
    assertThat(keys("  ").isSet()).isFalse();
    assertThatThrownBy(() -> KeyRing.of(unset).active())
        .isInstanceOf(KeyNotFoundException.class)
        .hasMessageStartingWith("keys: no active encryption key is configured")
        .hasMessageContaining("biowerk-dr keys generate");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "no-colon-here",
        ":" + "ONE",
        "k1:not*base64",
        "k1:AAAA",
        "bad id!:ONE",
        "k2:TWO,broken"
      })
  void malformedEntriesAreRefusedWithoutShowingTheValue(String value) {
    String resolved = value.replace("ONE", B64_ONE).replace("TWO", B64_TWO);
    EnvironmentKeys keys = keys(resolved);
    assertThatThrownBy(keys::activeKeyId)
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("keys: ")
        .hasMessageContaining("$BIOWERK_DR_KEY")
        .hasMessageNotContaining(B64_ONE)
        .hasMessageNotContaining(B64_TWO);
  }

  @Test
  void aWrongLengthSaysTheLength() {
    assertThatThrownBy(
            () -> keys("k1:" + Base64.getEncoder().encodeToString(new byte[16])).keyIds())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is 16 bytes, not 32");
  }
}
