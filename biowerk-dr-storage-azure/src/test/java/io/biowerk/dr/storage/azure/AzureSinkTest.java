package io.biowerk.dr.storage.azure;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What the sink refuses before any request: no server needed. */
class AzureSinkTest {

  @Test
  void aMalformedConnectionStringIsRefusedWithoutQuotingIt() {
    String secret = "c2VjcmV0LW5vdC10by1iZS1wcmludGVk";
    assertThatThrownBy(
            () ->
                AzureSink.open(
                    AzureOptions.builder("mybackups", "c1c")
                        .connectionString("this is no connection string;AccountKey=" + secret)
                        .build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "azure sink: cannot build a client for account 'mybackups' with the connection string given"
                + " (it is malformed); check it, and the endpoint")
        .hasMessageNotContaining(secret);
  }

  @Test
  void keysAreCheckedBeforeAnyRequest() {
    assertThatThrownBy(() -> AzureSink.checkKey("a/../b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("object key (a/../b)");
    assertThatThrownBy(() -> AzureSink.checkKey("a/"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("object key (a/) may not end with '/'");
    assertThatThrownBy(() -> AzureSink.checkKey("x".repeat(1025)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is longer than Azure's 1,024 characters");
  }
}
