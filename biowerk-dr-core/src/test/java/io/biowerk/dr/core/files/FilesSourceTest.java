package io.biowerk.dr.core.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceFailedException;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.local.LocalSink;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesSourceTest {

  @TempDir Path dir;

  /**
   * A configuration tree like the plan's: compose file, env file with tight mode, certificates,
   * links.
   */
  private Path configTree() throws IOException {
    Path root = dir.resolve("Config Dir");
    Files.createDirectories(root.resolve("certs/private"));
    Files.createDirectories(root.resolve("empty"));
    Files.writeString(
        root.resolve("docker-compose.yml"), "services:\n  db:\n    image: postgres:16\n");
    Files.writeString(root.resolve(".env"), "POSTGRES_PASSWORD=not-in-logs\n");
    Files.setPosixFilePermissions(
        root.resolve(".env"), PosixFilePermissions.fromString("rw-------"));
    Files.write(root.resolve("certs/private/server.key"), new byte[3000]);
    Files.setPosixFilePermissions(
        root.resolve("certs/private"), PosixFilePermissions.fromString("rwx------"));
    Files.writeString(
        root.resolve("certs/" + "very-long-certificate-name-".repeat(8) + ".pem"), "CERT");
    Files.writeString(root.resolve("certs/zertifikat-für-prüfung.pem"), "UMLAUT");
    Files.createFile(root.resolve("empty.txt"));
    Files.createSymbolicLink(root.resolve("current.env"), Path.of(".env"));
    // A link out of the tree: stored as a link, never followed.
    Path elsewhere = dir.resolve("elsewhere");
    Files.createDirectories(elsewhere);
    Files.writeString(elsewhere.resolve("not-backed-up.txt"), "outside");
    Files.createSymbolicLink(root.resolve("shared"), elsewhere);
    Files.setLastModifiedTime(
        root.resolve("docker-compose.yml"), FileTime.from(Instant.parse("2024-01-15T02:00:00Z")));
    return root;
  }

  @Test
  void backupAndRestoreKeepContentsModesTimesAndLinks() throws Exception {
    Path root = configTree();
    LocalSink sink = LocalSink.open(dir.resolve("repo"));
    Source source = Sources.forUri(URI.create(root.toUri() + "?name=config"));
    assertThat(source).isInstanceOf(FilesSource.class);

    BackupManifest manifest =
        BackupJob.of(source).codecs(ZstdCodec.defaults()).sinks(sink).build().run();

    assertThat(manifest.sourceKind()).isEqualTo("files");
    assertThat(manifest.format()).isEqualTo("tar");
    assertThat(manifest.dataKey()).startsWith("config/daily/config_").endsWith(".tar.zst");
    assertThat(manifest.facts())
        .containsEntry("files", 6L)
        .containsEntry("symlinks", 2L)
        .containsEntry("directories", 3L)
        .containsEntry("bytes", regularFileBytes(root))
        .containsEntry("root", root.toString())
        .containsEntry("skipped", 0L)
        .containsEntry("externalLinks", 1L);

    Path restored = dir.resolve("restored/config");
    // By default the link out of the tree is refused; asked to, the restore recreates it as it was.
    assertThatThrownBy(
            () ->
                RestoreJob.of(
                        sink,
                        manifest,
                        KeyRing.empty(),
                        Sources.targetForUri(restored.toUri(), false))
                    .run())
        .isInstanceOf(io.biowerk.dr.core.UnsafePathException.class)
        .hasMessageContaining("refusing archive entry 'shared'")
        .hasMessageContaining("?links=external");
    assertThat(restored).doesNotExist();
    RestoreJob.of(
            sink,
            manifest,
            KeyRing.empty(),
            Sources.targetForUri(URI.create(restored.toUri() + "?links=external"), false))
        .run();

    assertThat(describe(restored)).isEqualTo(describe(root));
    assertThat(Files.readSymbolicLink(restored.resolve("shared")))
        .isEqualTo(dir.resolve("elsewhere"));
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(restored.resolve(".env"))))
        .isEqualTo("rw-------");
    assertThat(Files.getLastModifiedTime(restored.resolve("docker-compose.yml")).toInstant())
        .isEqualTo(Instant.parse("2024-01-15T02:00:00Z"));
  }

  private static long regularFileBytes(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .mapToLong(p -> p.toFile().length())
          .sum();
    }
  }

  /**
   * Every path with its type, mode, size, content hash and link target; modification times of
   * files.
   */
  private static Map<String, String> describe(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        String rel = root.relativize(p).toString();
        String mode =
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        if (Files.isSymbolicLink(p)) {
          out.put(rel, "link -> " + Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p)) {
          out.put(rel, "dir " + mode);
        } else {
          out.put(
              rel,
              "file "
                  + mode
                  + " "
                  + Files.size(p)
                  + " "
                  + java.util.Arrays.hashCode(Files.readAllBytes(p))
                  + " "
                  + Files.getLastModifiedTime(p).toInstant().getEpochSecond());
        }
      }
    }
    return out;
  }

  @Test
  void theStreamIsAStandardPaxTarThatCommonsCompressReads() throws Exception {
    Path root = configTree();
    byte[] tar;
    try (SourceStream stream = FilesSource.of(root, "config").open()) {
      tar = readAll(stream);
    }
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new ByteArrayInputStream(tar), "UTF-8")) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        names.add(e.getName() + (e.isSymbolicLink() ? " -> " + e.getLinkName() : ""));
        if (e.getName().equals(".env")) {
          assertThat(e.getMode() & 0777).isEqualTo(0600);
        }
      }
    }
    assertThat(names)
        .containsExactly(
            "./",
            ".env",
            "certs/",
            "certs/private/",
            "certs/private/server.key",
            "certs/" + "very-long-certificate-name-".repeat(8) + ".pem",
            "certs/zertifikat-für-prüfung.pem",
            "current.env -> .env",
            "docker-compose.yml",
            "empty/",
            "empty.txt",
            "shared -> " + dir.resolve("elsewhere"));
    // Same tree, same bytes: the walk is in name order.
    try (SourceStream again = FilesSource.of(root, "config").open()) {
      assertThat(readAll(again)).isEqualTo(tar);
    }
  }

  private static byte[] readAll(SourceStream stream) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(4096);
    while (stream.read(buffer) >= 0) {
      buffer.flip();
      out.write(buffer.array(), 0, buffer.limit());
      buffer.clear();
    }
    return out.toByteArray();
  }

  @Test
  void closingBeforeTheEndCancelsWithoutHangingOrFailing() throws Exception {
    Path root = dir.resolve("big");
    Files.createDirectories(root);
    for (int i = 0; i < 20; i++) {
      Files.write(root.resolve("f" + i), new byte[1 << 20]);
    }
    SourceStream stream = FilesSource.of(root, "big").open();
    assertThat(stream.read(ByteBuffer.allocate(1000))).isPositive();
    stream.close();
    stream.close();
    assertThat(stream.isOpen()).isFalse();
    assertThatThrownBy(() -> stream.read(ByteBuffer.allocate(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("closed");
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().equals("biowerk-dr-files-tar"));
  }

  @Test
  void aFileShrinkingWhileReadFailsTheRunAtClose() throws Exception {
    Path root = dir.resolve("live");
    Files.createDirectories(root);
    Files.write(root.resolve("a"), new byte[2 << 20]);
    byte[] bees = new byte[8 << 20];
    java.util.Arrays.fill(bees, (byte) 'B');
    Files.write(root.resolve("b"), bees);
    SourceStream stream = FilesSource.of(root, "live").open();
    ByteBuffer buffer = ByteBuffer.allocate(4096);
    boolean inB = false;
    while (!inB && stream.read(buffer) >= 0) {
      buffer.flip();
      while (buffer.hasRemaining()) {
        inB |= buffer.get() == 'B';
      }
      buffer.clear();
    }
    // The writer is copying b, at most a few pipe buffers ahead of us: cut the file short under it.
    try (var channel =
        java.nio.channels.FileChannel.open(
            root.resolve("b"), java.nio.file.StandardOpenOption.WRITE)) {
      channel.truncate(1000);
    }
    readAll(stream);
    assertThatThrownBy(stream::close)
        .isInstanceOf(SourceFailedException.class)
        .hasMessageStartingWith("files: " + root.resolve("b") + " shrank while being read (")
        .hasMessageEndingWith("run the backup again when the file is not being written")
        .satisfies(
            e ->
                assertThat(((SourceFailedException) e).source())
                    .isEqualTo(root.toUri().toString()));
  }

  @Test
  void aMissingDirectoryCannotBeBackedUp() {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> FilesSource.of(missing, "nope").open())
        .isInstanceOf(SourceFailedException.class)
        .hasMessage(
            "files: "
                + missing
                + " does not exist; give the directory to back up, e.g."
                + " file:///etc/biowerk?name=config");
  }

  @Test
  void namesComeFromTheQueryOrTheLastPathSegment() {
    assertThat(FilesSource.of(URI.create("file:///etc/biowerk?name=config")).name())
        .isEqualTo("config");
    assertThat(FilesSource.of(URI.create("file:///srv/My%20App.Config/")).name())
        .isEqualTo("my-app-config");
    assertThat(FilesSource.of(URI.create("file:///")).name()).isEqualTo("files");
    assertThatThrownBy(() -> FilesSource.of(URI.create("file:///etc?name=Bad%20Name")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("files: name=Bad Name");
    assertThatThrownBy(() -> FilesSource.of(URI.create("file:///etc?nmae=x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("files source: unknown option 'nmae'; known options: name");
    assertThatThrownBy(() -> FilesSource.of(URI.create("file:etc")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be file:///absolute/directory");
  }

  @Test
  void fileSchemeFindsTheSourceTheTargetAndStillTheSink() throws Exception {
    URI uri = dir.toUri();
    assertThat(Sources.forUri(uri)).isInstanceOf(FilesSource.class);
    assertThat(Sources.targetForUri(uri, false)).isInstanceOf(FilesRestoreTarget.class);
    assertThat(Sinks.forUri(uri)).isInstanceOf(LocalSink.class);
    assertThat(Sources.schemes()).contains("file");
    assertThat(
            io.biowerk.dr.core.verify.Verifier.nativeVerifier(
                "files", io.biowerk.dr.core.VerificationLevel.NATIVE))
        .isInstanceOf(FilesNativeVerifier.class);
  }

  @Test
  void theStreamEstimatesTheTarSizeFromTheTreeWhileItRuns() throws Exception {
    Path root = dir.resolve("sized");
    Files.createDirectories(root.resolve("a/b"));
    for (int i = 0; i < 20; i++) {
      Files.write(root.resolve("a/b/f" + i), new byte[100_000 + i]);
    }
    Files.writeString(root.resolve("top.txt"), "x");
    long tarBytes = 0;
    long expected;
    try (SourceStream stream = FilesSource.of(root, "sized").open()) {
      ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
      int n;
      while ((n = stream.read(buffer)) >= 0) {
        tarBytes += n;
        buffer.clear();
      }
      // The estimate is made on a thread of its own: wait for it (it stats 24 paths).
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (stream.expectedSize() < 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      expected = stream.expectedSize();
    }
    // Headers and 512-byte padding are counted; only the tar's final record padding is not.
    assertThat(expected).isBetween(tarBytes - 10240, tarBytes);
    assertThat(expected).isGreaterThan(20 * 100_000L);
  }
}
