package io.biowerk.dr.core.files;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.biowerk.dr.core.IntegrityException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link TarReader}, the strict reader restore uses on the
 * untrusted tar of a {@code file://} backup: every entry is read with its content to the end of the
 * archive. Only {@link IntegrityException} (damage, truncation, a bad checksum or PAX record) and
 * its subclass {@link io.biowerk.dr.core.UnsafePathException} (a name that is not UTF-8 or holds a
 * NUL) may escape, each with a message; any other exception or error is a finding, and a file
 * entry's content reads to exactly its stated size (a size the input cannot hold fails as
 * truncated).
 *
 * <p>The default build replays the seed corpus in {@code TarReaderFuzzTestInputs/}; {@code mvn test
 * -Pfuzz -Dtest=TarReaderFuzzTest} fuzzes (docs/reliability.md).
 */
class TarReaderFuzzTest {

  @FuzzTest(maxDuration = "10m")
  void tar(byte[] input) throws Exception {
    TarReader reader = new TarReader(new ByteArrayInputStream(input));
    byte[] buffer = new byte[4096];
    try {
      TarReader.Entry entry;
      int entries = 0;
      while ((entry = reader.next()) != null) {
        assertThat(entry.name()).isNotNull();
        assertThat(entry.size()).isNotNegative();
        assertThat(++entries).isLessThanOrEqualTo(input.length / TarReader.BLOCK);
        if (entry.type() != TarReader.FILE) {
          continue; // as the extractor does: only a file's content is read; next() skips the rest
        }
        InputStream content = reader.content();
        long read = 0;
        int n;
        while ((n = content.read(buffer, 0, buffer.length)) >= 0) {
          read += n;
        }
        assertThat(read).isEqualTo(entry.size());
      }
      reader.drain();
    } catch (IntegrityException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }
}
