package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UriOptionsTest {

  static final UriOptions.Spec SPEC =
      UriOptions.spec("test sink")
          .known("region", "path-style", "part-size", "name")
          .repeatable("table")
          .secret("token")
          .refuse("password", "a password in the query ends up in logs; use TEST_PASSWORD");

  @Test
  void percentDecodesWithPlusAsAPlus() {
    UriOptions options = SPEC.parse(URI.create("x://h/p?name=a+b%20c%2Bd%C3%A9"));
    assertThat(options.get("name")).contains("a+b c+dé");
  }

  @Test
  void aBareNameIsTrueAndAnEmptyValueIsEmpty() {
    UriOptions options = SPEC.parse(URI.create("x://h?path-style&region="));
    assertThat(options.get("path-style")).contains("true");
    assertThat(options.flag("path-style", false)).isTrue();
    assertThat(options.get("region")).contains("");
    assertThat(options.flag("name", true)).isTrue(); // absent: the fallback
  }

  @Test
  void namesAreCaseInsensitiveAndEmptyPiecesSkipped() {
    UriOptions options = SPEC.parse(URI.create("x://h?REGION=eu&&Part-Size=5"));
    assertThat(options.asMap()).isEqualTo(Map.of("region", "eu", "part-size", "5"));
    assertThat(options.integer("part-size", 0)).isEqualTo(5);
    assertThat(SPEC.parseQuery(null).isEmpty()).isTrue();
  }

  @Test
  void unknownOptionsAreRefusedListingTheKnownOnes() {
    assertThatThrownBy(() -> SPEC.parse(URI.create("x://h?regoin=eu")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "test sink: unknown option 'regoin'; known options: name, part-size, path-style,"
                + " region, table, token");
  }

  @Test
  void duplicatesAreRefusedUnlessRepeatable() {
    assertThatThrownBy(() -> SPEC.parse(URI.create("x://h?region=a&REGION=b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("test sink: option 'region' is given twice; give it once");
    assertThat(SPEC.parse(URI.create("x://h?table=a&table=b")).all("table"))
        .isEqualTo(List.of("a", "b"));
  }

  @Test
  void refusedOptionsSayWhyWithoutTheirValue() {
    assertThatThrownBy(() -> SPEC.parse(URI.create("x://h?password=hunter2")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "test sink: option 'password' is refused: a password in the query ends up in logs;"
                + " use TEST_PASSWORD")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void secretsAreRedactedInToStringAndMessages() {
    UriOptions options = SPEC.parse(URI.create("x://h?region=eu&token=s3cr3t"));
    assertThat(options.get("token")).contains("s3cr3t");
    assertThat(options.toString()).isEqualTo("region=eu&token=***");
    UriOptions bad = UriOptions.spec("t").secret("token").parse(URI.create("x://h?token=s3cr3t"));
    assertThatThrownBy(() -> bad.flag("token", false))
        .hasMessage("t: option 'token' must be true or false, not '***'");
  }

  @Test
  void malformedValuesAreRefusedNamingTheComponent() {
    assertThatThrownBy(() -> SPEC.parseQuery("name=%ZZ"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "test sink: value of name is not well-formed percent-encoded UTF-8");
    assertThatThrownBy(() -> SPEC.parse(URI.create("x://h?name=%C3")))
        .hasMessageContaining("not UTF-8");
    assertThatThrownBy(() -> SPEC.parse(URI.create("x://h?=v")))
        .hasMessage("test sink: an option has a value but no name ('=...')");
    UriOptions options = SPEC.parse(URI.create("x://h?part-size=big&path-style=yes"));
    assertThatThrownBy(() -> options.integer("part-size", 0))
        .hasMessage("test sink: option 'part-size' must be an integer, not 'big'");
    assertThatThrownBy(() -> options.flag("path-style", false))
        .hasMessage("test sink: option 'path-style' must be true or false, not 'yes'");
  }

  @Test
  void askingForAnUndeclaredNameIsAProgrammerError() {
    assertThatThrownBy(() -> SPEC.parse(URI.create("x://h")).get("nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("option 'nope' is not declared in the spec of test sink");
  }
}
