package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.UnsafePathException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirTarTest {

  @TempDir Path dir;

  @Test
  void aDirectoryArchiveTravelsAsATarAndBack() throws Exception {
    Path src = Files.createDirectory(dir.resolve("src"));
    byte[] big = new byte[1_000_003];
    new Random(7).nextBytes(big);
    Files.write(src.resolve("toc.dat"), "toc".getBytes(StandardCharsets.UTF_8));
    Files.write(src.resolve("3001.dat"), big);
    Files.write(src.resolve("3002.dat"), new byte[0]);
    Files.write(src.resolve("3003.dat"), new byte[512]);
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    try (ReadableByteChannel in = DirTar.reading(src)) {
      ByteBuffer buffer = ByteBuffer.allocate(777); // odd size: headers and files straddle reads
      while (in.read(buffer) >= 0) {
        buffer.flip();
        tar.write(buffer.array(), 0, buffer.limit());
        buffer.clear();
      }
    }
    assertThat(tar.size() % 512).isZero();
    Path out = Files.createDirectory(dir.resolve("out"));
    DirTar.extract(new ByteArrayInputStream(tar.toByteArray()), out);
    assertThat(out.resolve("3001.dat")).hasBinaryContent(big);
    assertThat(out.resolve("toc.dat")).hasContent("toc");
    assertThat(Files.size(out.resolve("3002.dat"))).isZero();
    assertThat(Files.size(out.resolve("3003.dat"))).isEqualTo(512);
  }

  @Test
  void anEntryThatCouldLeaveTheDirectoryIsRefused() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      TarArchiveEntry entry = new TarArchiveEntry("../evil.dat");
      entry.setSize(1);
      tar.putArchiveEntry(entry);
      tar.write(1);
      tar.closeArchiveEntry();
    }
    Path out = Files.createDirectory(dir.resolve("out"));
    assertThatThrownBy(() -> DirTar.extract(new ByteArrayInputStream(bytes.toByteArray()), out))
        .isInstanceOf(UnsafePathException.class)
        .hasMessageContaining("'../evil.dat'")
        .hasMessageContaining("is refused");
    assertThat(dir.resolve("evil.dat")).doesNotExist();
  }
}
