package io.biowerk.dr.core.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeyPrefixTest {

  @Test
  void keysMapToNamesUnderThePrefixAndBack() {
    KeyPrefix prefix = KeyPrefix.of(KeyPrefix.normalize("/backups/prod/"));
    assertThat(prefix).hasToString("backups/prod");
    assertThat(prefix.name("pg/daily/a.dump")).isEqualTo("backups/prod/pg/daily/a.dump");
    assertThat(prefix.namePrefix("")).isEqualTo("backups/prod/");
    assertThat(prefix.key("backups/prod/pg/daily/a.dump")).contains("pg/daily/a.dump");
    assertThat(prefix.key("backups/prod/")).as("the prefix itself").isEmpty();
    assertThat(prefix.key("backups/prod/pg/")).as("a folder marker").isEmpty();
  }

  @Test
  void noPrefixMapsKeysToThemselves() {
    KeyPrefix none = KeyPrefix.of(KeyPrefix.normalize("/"));
    assertThat(none.name("a/b")).isEqualTo("a/b");
    assertThat(none.key("a/b")).contains("a/b");
    assertThat(none.namePrefix("a/")).isEqualTo("a/");
  }

  @Test
  void badKeysAndUnnormalizedPrefixesAreRefused() {
    KeyPrefix prefix = KeyPrefix.of("p");
    assertThatThrownBy(() -> prefix.name("a//b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> prefix.name("a/")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KeyPrefix.of("/p"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("prefix (/p) must not start or end with '/'");
  }
}
