package io.biowerk.dr.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.biowerk.dr.core.IntegrityException;
import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link ArchiveReader}, the reader of the untrusted mongodump
 * {@code --archive} stream at verify and restore, with the structural walk of every document on (as
 * {@code verify --level native} runs it). Only {@link IntegrityException} (damage, truncation, CRC
 * or framing mismatch) may escape, with a message; any other exception or error (a BSON walk past
 * its buffer, an allocation sized by a damaged length) is a finding.
 *
 * <p>The default build replays the seed corpus in {@code ArchiveReaderFuzzTestInputs/} (written by
 * {@link ArchiveWriter} and cut from the real mongodump archive the other tests read); {@code mvn
 * test -Pfuzz -Dtest=ArchiveReaderFuzzTest} fuzzes (docs/reliability.md).
 */
class ArchiveReaderFuzzTest {

  @FuzzTest(maxDuration = "10m")
  void archive(byte[] input) throws Exception {
    try {
      ArchiveSummary summary =
          new ArchiveReader(Channels.newChannel(new ByteArrayInputStream(input)), true)
              .read(
                  new ArchiveVisitor() {
                    @Override
                    public void document(Namespace namespace, byte[] document) {
                      assertThat(document.length).isLessThanOrEqualTo(input.length);
                    }
                  });
      assertThat(summary).isNotNull();
    } catch (IntegrityException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  /** Writes the seed corpus with {@link ArchiveWriter} (run from the module directory). */
  public static void main(String[] args) throws Exception {
    java.nio.file.Path out =
        java.nio.file.Path.of(
            "src/test/resources/io/biowerk/dr/mongo/ArchiveReaderFuzzTestInputs/archive");
    java.nio.file.Files.createDirectories(out);
    PreludeEntry items = ArchiveFormatTest.entry("shop", "items");
    PreludeEntry empty = ArchiveFormatTest.entry("shop", "empty");
    java.nio.file.Files.write(
        out.resolve("one-namespace"),
        TestArchives.write(
            java.util.List.of(items),
            java.util.Map.of(items.namespace(), ArchiveFormatTest.documents(3, 10)),
            2));
    java.nio.file.Files.write(
        out.resolve("two-namespaces-one-empty"),
        TestArchives.write(
            java.util.List.of(items, empty),
            java.util.Map.of(items.namespace(), ArchiveFormatTest.documents(2, 5)),
            1));
    java.nio.file.Files.write(
        out.resolve("no-namespace"),
        TestArchives.write(java.util.List.of(), java.util.Map.of(), 1));
  }
}
