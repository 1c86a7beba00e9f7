package io.biowerk.dr.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.function.Executable;

/**
 * The few checks the contract tests make that JUnit's {@link org.junit.jupiter.api.Assertions} has
 * no single method for, each with a failure message that shows the value checked. The test kit uses
 * only JUnit's API at compile scope, so that a user of the kit gets no other test framework.
 */
final class Checks {

  private Checks() {}

  /** Asserts that {@code actual} matches {@code regex} as a whole. */
  static void assertMatches(String regex, String actual, String what) {
    assertNotNull(actual, () -> what + " is null; expected it to match " + regex);
    assertTrue(
        Pattern.matches(regex, actual), () -> what + " <" + actual + "> does not match " + regex);
  }

  /** Asserts that {@code actual} is neither null nor blank. */
  static void assertNotBlank(String actual, String what) {
    assertNotNull(actual, () -> what + " is null; expected a non-blank text");
    assertFalse(actual.isBlank(), () -> what + " is blank: <" + actual + ">");
  }

  /** Asserts that {@code actual} contains {@code part}. */
  static void assertContains(String part, String actual, String what) {
    assertNotNull(actual, () -> what + " is null; expected it to contain <" + part + ">");
    assertTrue(
        actual.contains(part), () -> what + " <" + actual + "> does not contain <" + part + ">");
  }

  /** Asserts that {@code actual} is the UTF-8 encoding of {@code expected}. */
  static void assertUtf8(String expected, byte[] actual, String what) {
    assertNotNull(actual, () -> what + " is null");
    assertEquals(expected, new String(actual, StandardCharsets.UTF_8), what);
  }

  /**
   * Asserts that {@code call} throws an instance of {@code type} whose message contains {@code
   * part}, and returns the exception.
   */
  static <T extends Throwable> T assertThrowsContaining(
      Class<T> type, Executable call, String part, String what) {
    T e = assertThrows(type, call, what);
    assertContains(part, e.getMessage(), what + ": the message of " + e);
    return e;
  }

  /**
   * Asserts that {@code call} throws an instance of {@code type} with a non-blank message, and
   * returns the exception.
   */
  static <T extends Throwable> T assertThrowsWithMessage(
      Class<T> type, Executable call, String what) {
    T e = assertThrows(type, call, what);
    assertNotBlank(e.getMessage(), what + ": the message of " + e);
    return e;
  }
}
