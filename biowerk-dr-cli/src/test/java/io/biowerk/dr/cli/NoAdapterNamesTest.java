package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 item 1: core and the CLI name no adapter. Scans every file under {@code
 * biowerk-dr-core/src/main} and {@code biowerk-dr-cli/src/main} for the names and URI schemes of
 * the adapter modules (databases, clouds, their logs and tools); what the CLI shows about an
 * adapter (schemes, logs, import formats, examples) must come from the provider found on the class
 * path. Comments are not scanned: a Javadoc example naming a database changes no behaviour and no
 * message; code, string literals (help, messages) and resources are.
 *
 * <p>The allow-list is short and each entry says why; an entry that no longer matches anything
 * fails the test, so it cannot outlive its reason.
 */
class NoAdapterNamesTest {

  /**
   * The adapters' names, schemes, logs and tools: PostgreSQL ({@code postgres}, {@code
   * postgresql://}, {@code pg_dump}, {@code wal}, its {@code archive_command}), MongoDB, Redis (and
   * its RDB format), S3, Azure Blob, Google Cloud Storage ({@code gs://}; not Guava's {@code
   * com.google}), AWS KMS.
   */
  static final Pattern ADAPTER =
      Pattern.compile(
          "postgres|\\bpg_|\\bpgbench|mongo|\\bbson\\b|redis|\\brdb\\b|\\bs3\\b|azure|\\bgcs\\b"
              + "|\\bgs://|google.cloud|googleapis|\\bgcp\\b|\\bwal\\b|oplog|archive_command"
              + "|restore_command|\\baws\\b|\\bkms\\b",
          Pattern.CASE_INSENSITIVE);

  /** A place where an adapter may be named: a file (path suffix), the term found, and why. */
  record Allowed(String file, String term, String why) {}

  static final List<Allowed> ALLOWED =
      List.of(
          new Allowed(
              "biowerk-dr-core/src/main/java/module-info.java",
              "postgres",
              "'exports ... to' must name the modules that may use core's internal packages (issue"
                  + " 12 item 2 asks for qualified exports instead of public helpers)"),
          new Allowed("biowerk-dr-core/src/main/java/module-info.java", "redis", "as above"),
          new Allowed("biowerk-dr-core/src/main/java/module-info.java", "mongo", "as above"),
          new Allowed("biowerk-dr-core/src/main/java/module-info.java", "s3", "as above"),
          new Allowed("biowerk-dr-core/src/main/java/module-info.java", "azure", "as above"),
          new Allowed("biowerk-dr-core/src/main/java/module-info.java", "gcs", "as above"),
          new Allowed(
              "biowerk-dr-core/src/main/java/io/biowerk/dr/core/BackupLayout.java",
              "wal",
              "the repository's storage format reserves the log folders under a source, so listing"
                  + " and key rewrap see every segment even without the log's adapter on the class"
                  + " path (a rewrap that skipped them would let 'keys retire' strand them)"),
          new Allowed(
              "biowerk-dr-core/src/main/java/io/biowerk/dr/core/BackupLayout.java",
              "oplog",
              "as above"),
          new Allowed(
              "biowerk-dr-core/src/main/java/io/biowerk/dr/core/catalog/Catalog.java",
              "wal",
              "uses BackupLayout's reserved log folders (above): they are not backup tiers"),
          new Allowed(
              "biowerk-dr-core/src/main/java/io/biowerk/dr/core/catalog/Catalog.java",
              "oplog",
              "as above"),
          new Allowed(
              "biowerk-dr-core/src/main/java/io/biowerk/dr/core/keys/Rewrap.java",
              "wal",
              "uses BackupLayout's reserved log folders (above) to find every wrapped segment"),
          new Allowed(
              "biowerk-dr-core/src/main/java/io/biowerk/dr/core/keys/Rewrap.java",
              "oplog",
              "as above"));

  /** One place where an adapter is named. */
  record Hit(String file, int line, String term, String text) {
    @Override
    public String toString() {
      return file + ":" + line + ": '" + term + "' in: " + text.strip();
    }
  }

  @Test
  void coreAndCliMainSourcesNameNoAdapter() throws IOException {
    Path root = Path.of("..").toAbsolutePath().normalize();
    List<Path> files = new ArrayList<>();
    for (String module : List.of("biowerk-dr-core", "biowerk-dr-cli")) {
      try (Stream<Path> walk = Files.walk(root.resolve(module).resolve("src/main"))) {
        walk.filter(Files::isRegularFile).forEach(files::add);
      }
    }
    assertThat(files).as("main files found under " + root).hasSizeGreaterThan(100);
    List<Hit> hits = new ArrayList<>();
    for (Path file : files) {
      String name = root.relativize(file).toString().replace('\\', '/');
      String text = Files.readString(file, StandardCharsets.UTF_8);
      hits.addAll(scan(name, name.endsWith(".java") ? withoutComments(text) : text));
    }
    List<Hit> forbidden = new ArrayList<>();
    Set<Allowed> used = new LinkedHashSet<>();
    for (Hit hit : hits) {
      Allowed allowed = allowance(hit);
      if (allowed == null) {
        forbidden.add(hit);
      } else {
        used.add(allowed);
      }
    }
    assertThat(forbidden)
        .as(
            "adapter names in core or CLI code: let the provider describe itself (SourceProvider,"
                + " SinkProvider, LogProvider.description()/hookExamples(), NativeVerifier"
                + ".importFormats()) or word it generically")
        .isEmpty();
    assertThat(ALLOWED)
        .as("allow-list entries that match nothing any more: remove them")
        .allMatch(used::contains);
  }

  @Test
  void theScanFindsNamesInCodeAndStringsButNotInComments() {
    String source =
        String.join(
            "\n",
            "/** Backs up {@code postgresql://db}. */",
            "class A {",
            "  // a mongo comment",
            "  String help = \"e.g. --repo s3://bucket/p\"; /* redis */",
            "  char c = '\"'; String url = \"http://x\"; // azure",
            "  String block = \"\"\"",
            "      wal-push %p",
            "      \"\"\";",
            "  String escaped = \"a \\\" // gcs\";",
            "}");
    List<Hit> hits = scan("A.java", withoutComments(source));
    assertThat(hits)
        .extracting(h -> h.line() + ":" + h.term().toLowerCase(Locale.ROOT))
        .containsExactly("4:s3", "7:wal", "9:gcs");
    assertThat(scan("A.java", "String x = \"pg_dump and PostgreSQL\";"))
        .extracting(Hit::term)
        .containsExactly("pg_", "PostgreS");
    // Guava is not the Google Cloud adapter; the cloud client's package is
    assertThat(scan("A.java", "import static com.google.common.base.Preconditions.x;")).isEmpty();
    assertThat(scan("A.java", "import com.google.cloud.storage.Blob;")).hasSize(1);
    // words that merely contain a short name are not hits
    assertThat(scan("A.java", "String x = \"walk always swallow cows3 gcsx\";")).isEmpty();
  }

  @Test
  void anAllowanceCoversOnlyItsFileAndTerm() {
    Hit inModuleInfo =
        new Hit(
            "biowerk-dr-core/src/main/java/module-info.java", 1, "mongo", "io.biowerk.dr.mongo");
    Hit elsewhere =
        new Hit("biowerk-dr-core/src/main/java/io/biowerk/dr/core/Sinks.java", 1, "mongo", "x");
    Hit otherTerm = new Hit("biowerk-dr-core/src/main/java/module-info.java", 1, "oplog", "x");
    assertThat(allowance(inModuleInfo)).isNotNull();
    assertThat(allowance(elsewhere)).isNull();
    assertThat(allowance(otherTerm)).isNull();
  }

  private static Allowed allowance(Hit hit) {
    for (Allowed allowed : ALLOWED) {
      if (hit.file().endsWith(allowed.file())
          && hit.term().toLowerCase(Locale.ROOT).equals(allowed.term())) {
        return allowed;
      }
    }
    return null;
  }

  static List<Hit> scan(String file, String text) {
    List<Hit> hits = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher m = ADAPTER.matcher(lines[i]);
      while (m.find()) {
        hits.add(new Hit(file, i + 1, m.group(), lines[i]));
      }
    }
    return hits;
  }

  /**
   * {@code source} with its comments blanked out (line breaks kept, so line numbers stay); string,
   * text-block and character literals are kept, including comment markers inside them.
   */
  static String withoutComments(String source) {
    StringBuilder out = new StringBuilder(source.length());
    int i = 0;
    int n = source.length();
    while (i < n) {
      char c = source.charAt(i);
      if (source.startsWith("\"\"\"", i)) {
        int end = source.indexOf("\"\"\"", i + 3);
        while (end > 0 && source.charAt(end - 1) == '\\') {
          end = source.indexOf("\"\"\"", end + 1);
        }
        end = end < 0 ? n : end + 3;
        out.append(source, i, end);
        i = end;
      } else if (c == '"' || c == '\'') {
        int j = i + 1;
        while (j < n && source.charAt(j) != c && source.charAt(j) != '\n') {
          j += source.charAt(j) == '\\' ? 2 : 1;
        }
        j = Math.min(n, j + 1);
        out.append(source, i, j);
        i = j;
      } else if (source.startsWith("//", i)) {
        while (i < n && source.charAt(i) != '\n') {
          i++;
        }
      } else if (source.startsWith("/*", i)) {
        int end = source.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
        for (int k = i; k < end; k++) {
          if (source.charAt(k) == '\n') {
            out.append('\n');
          }
        }
        i = end;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }
}
