package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ObjectKeysTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "a/b", "orders/daily/orders_20240115_020000.dump.zst", "a.b/..c/d."})
  void validKeys(String key) {
    assertThat(ObjectKeys.checkKey(key)).isEqualTo(key);
    assertThat(ObjectKeys.checkPrefix(key)).isEqualTo(key);
    assertThat(ObjectKeys.checkPrefix(key + "/")).isEqualTo(key + "/");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/a", "a/", "a//b", "./a", "a/../b", "a/.", "a\\b", "a\0b", "//"})
  void invalidKeys(String key) {
    assertThatThrownBy(() -> ObjectKeys.checkKey(key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("object key");
    assertThat(ObjectKeys.isValidKey(key)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "a//", "a//b/", "../", "/a/"})
  void invalidPrefixes(String prefix) {
    assertThatThrownBy(() -> ObjectKeys.checkPrefix(prefix))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(prefix);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a", "a/", "a/b"})
  void validPrefixes(String prefix) {
    assertThat(ObjectKeys.checkPrefix(prefix)).isEqualTo(prefix);
  }
}
