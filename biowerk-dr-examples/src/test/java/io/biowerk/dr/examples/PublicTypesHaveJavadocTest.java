package io.biowerk.dr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every public type of every module's main sources has a Javadoc comment (issue 18: "Javadoc on
 * every public type"). Javadoc's doclint runs with its {@code missing} group off, because that
 * group also wants every public method and field; this test asks it of types only, top-level and
 * nested.
 */
class PublicTypesHaveJavadocTest {

  private static final Pattern PUBLIC_TYPE =
      Pattern.compile(
          "^\\s*public\\s+((abstract|final|static|sealed|non-sealed|strictfp)\\s+)*"
              + "(class|interface|enum|record|@interface)\\s+\\w+.*");

  @Test
  void everyPublicTypeHasJavadoc() throws IOException {
    Path root = Path.of("..").toAbsolutePath().normalize();
    List<Path> sources = new ArrayList<>();
    try (Stream<Path> modules = Files.list(root)) {
      for (Path module :
          modules.filter(p -> p.getFileName().toString().startsWith("biowerk-dr-")).toList()) {
        Path main = module.resolve("src/main/java");
        if (Files.isDirectory(main)) {
          try (Stream<Path> files = Files.walk(main)) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(sources::add);
          }
        }
      }
    }
    assertThat(sources).as("main sources found under " + root).hasSizeGreaterThan(100);
    List<String> missing = new ArrayList<>();
    for (Path file : sources) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        if (PUBLIC_TYPE.matcher(lines.get(i)).matches() && !documented(lines, i)) {
          missing.add(root.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
        }
      }
    }
    assertThat(missing)
        .as("public types without a Javadoc comment; write one saying what the type is for")
        .isEmpty();
  }

  /**
   * Whether the declaration at {@code line}, above its annotations (one-line or spread over several
   * lines), ends a comment that is Javadoc.
   */
  static boolean documented(List<String> lines, int line) {
    int i = line - 1;
    while (i >= 0) {
      String s = lines.get(i).strip();
      if (s.isEmpty() || s.startsWith("//")) {
        i--;
      } else if (s.startsWith("@") && count(s, '(') == count(s, ')')) {
        i--;
      } else if (s.endsWith(")") && !s.endsWith("*/")) {
        // the end of an annotation spread over several lines: up to its '@'
        int depth = 0;
        while (i >= 0) {
          String t = lines.get(i);
          depth += count(t, ')') - count(t, '(');
          if (depth <= 0 && t.strip().startsWith("@")) {
            break;
          }
          i--;
        }
        i--;
      } else {
        break;
      }
    }
    if (i < 0 || !lines.get(i).strip().endsWith("*/")) {
      return false;
    }
    while (i >= 0 && !lines.get(i).contains("/*")) {
      i--;
    }
    return i >= 0 && lines.get(i).contains("/**");
  }

  private static int count(String s, char c) {
    return (int) s.chars().filter(x -> x == c).count();
  }

  @Test
  void theCheckFindsAMissingComment() {
    // Not vacuous: the check tells a documented type from an undocumented one.
    assertThat(documented(List.of("/** Does X. */", "@Deprecated", "public final class A {"), 2))
        .isTrue();
    assertThat(documented(List.of("/* not Javadoc */", "public class B {"), 1)).isFalse();
    assertThat(documented(List.of("import x.Y;", "", "public interface C {"), 2)).isFalse();
    assertThat(documented(List.of("/** Does D. */", "@A(", "    b = 1)", "public class D {"), 3))
        .isTrue();
    assertThat(PUBLIC_TYPE.matcher("  public static final class D {").matches()).isTrue();
    assertThat(PUBLIC_TYPE.matcher("  public record E(int a) {").matches()).isTrue();
    assertThat(PUBLIC_TYPE.matcher("  public void f() {").matches()).isFalse();
  }
}
