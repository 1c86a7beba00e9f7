package io.biowerk.dr.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The contract tests' own checks fail, and say what they saw, where AssertJ's did before. */
class ChecksTest {

  @Test
  void assertMatchesNamesTheValueAndThePattern() {
    Checks.assertMatches("[a-z]+", "abc", "a kind");
    assertThatThrownBy(() -> Checks.assertMatches("[a-z]+", "ABC", "a kind"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("a kind <ABC> does not match [a-z]+");
    assertThatThrownBy(() -> Checks.assertMatches("[a-z]+", null, "a kind"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("a kind is null");
  }

  @Test
  void assertNotBlankAndAssertContainsShowTheText() {
    Checks.assertNotBlank("x", "a detail");
    assertThatThrownBy(() -> Checks.assertNotBlank(" ", "a detail"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("a detail is blank");
    Checks.assertContains("needle", "haystack with a needle", "a message");
    assertThatThrownBy(() -> Checks.assertContains("needle", "haystack", "a message"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("a message <haystack> does not contain <needle>");
  }

  @Test
  void assertUtf8ComparesTheDecodedText() {
    Checks.assertUtf8("ä", "ä".getBytes(StandardCharsets.UTF_8), "an object");
    assertThatThrownBy(
            () -> Checks.assertUtf8("old", "new".getBytes(StandardCharsets.UTF_8), "an object"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("an object")
        .hasMessageContaining("<old>")
        .hasMessageContaining("<new>");
  }

  @Test
  void assertThrowsContainingChecksTypeAndMessage() {
    IllegalStateException e =
        Checks.assertThrowsContaining(
            IllegalStateException.class,
            () -> {
              throw new IllegalStateException("stream closed");
            },
            "closed",
            "a write");
    assertThat(e).hasMessage("stream closed");
    assertThatThrownBy(
            () ->
                Checks.assertThrowsContaining(
                    IllegalStateException.class,
                    () -> {
                      throw new IllegalStateException("busy");
                    },
                    "closed",
                    "a write"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("a write: the message of")
        .hasMessageContaining("<busy> does not contain <closed>");
    assertThatThrownBy(
            () ->
                Checks.assertThrowsContaining(
                    IllegalStateException.class, () -> {}, "closed", "a write after close"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("a write after close")
        .hasMessageContaining("IllegalStateException");
  }

  @Test
  void assertThrowsWithMessageRefusesABlankMessage() {
    assertThatThrownBy(
            () ->
                Checks.assertThrowsWithMessage(
                    java.io.IOException.class,
                    () -> {
                      throw new java.io.IOException("");
                    },
                    "a damaged restore"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("a damaged restore: the message of");
  }
}
