package io.biowerk.dr.core.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.TargetNotEmptyException;
import io.biowerk.dr.core.UnsafePathException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files restore target against hostile archives: each is refused with an {@link
 * UnsafePathException} (or an {@link IntegrityException} for a damaged one) whose message says what
 * was refused, and afterwards nothing exists outside the target that was not there before, and the
 * target itself was not created.
 */
class FilesRestoreTargetTest {

  @TempDir Path dir;
  Path target;
  Path outside;
  Set<String> before;

  static final BackupManifest TAR =
      new BackupManifest(
          "config_20240115_020000",
          "files",
          "config",
          "file:///etc/x",
          "tar",
          Instant.EPOCH,
          Instant.EPOCH,
          List.of(),
          Optional.empty(),
          0,
          0,
          "",
          "",
          "config/daily/config_20240115_020000.tar",
          Map.of());

  @BeforeEach
  void layout() throws IOException {
    target = dir.resolve("restore/target");
    outside = dir.resolve("outside");
    Files.createDirectories(outside);
    Files.writeString(outside.resolve("secret"), "do not touch");
    Files.createDirectories(target.getParent());
    before = tree();
  }

  /** Every path under the temp dir, links not followed. */
  private Set<String> tree() throws IOException {
    Set<String> paths = new TreeSet<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.forEach(p -> paths.add(dir.relativize(p).toString()));
    }
    return paths;
  }

  private void restore(byte[] tar, boolean force) throws IOException {
    try (PendingWrite write = FilesRestoreTarget.of(target, force).open(TAR)) {
      // In small pieces: the extractor must cope with any write size.
      for (int i = 0; i < tar.length; i += 700) {
        write.write(ByteBuffer.wrap(tar, i, Math.min(700, tar.length - i)));
      }
      write.commit();
    }
  }

  private void assertRefused(byte[] tar, String... messageParts) throws IOException {
    assertThatThrownBy(() -> restore(tar, false))
        .isInstanceOf(UnsafePathException.class)
        .hasMessageStartingWith("files: ")
        .hasMessageContainingAll(messageParts);
    assertNothingOutside();
  }

  private void assertNothingOutside() throws IOException {
    assertThat(tree()).as("paths after the refused restore").isEqualTo(before);
    assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("do not touch");
    assertThat(target).doesNotExist();
  }

  @Test
  void restoresAWellFormedArchive() throws IOException {
    restore(
        new RawTar()
            .dir("etc/")
            .file("etc/app.env", "A=1\n")
            .symlink("etc/current", "app.env")
            .hardlink("etc/again.env", "etc/app.env")
            .file("./top.txt", "top")
            .finish(),
        false);

    assertThat(Files.readString(target.resolve("etc/app.env"))).isEqualTo("A=1\n");
    assertThat(Files.readSymbolicLink(target.resolve("etc/current"))).isEqualTo(Path.of("app.env"));
    assertThat(Files.readString(target.resolve("etc/again.env"))).isEqualTo("A=1\n");
    assertThat(Files.readString(target.resolve("top.txt"))).isEqualTo("top");
    assertThat(Files.getLastModifiedTime(target.resolve("etc/app.env")).toInstant())
        .isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
    try (Stream<Path> siblings = Files.list(target.getParent())) {
      assertThat(siblings).as("no staging directory left").containsExactly(target);
    }
  }

  @Test
  void refusesParentSegments() throws IOException {
    assertRefused(
        new RawTar().file("ok.txt", "fine").file("../outside/evil", "x").finish(),
        "refusing archive entry '../outside/evil'",
        "contains a '..' segment",
        "nothing was written outside");
    assertRefused(new RawTar().file("a/../../outside/evil", "x").finish(), "'..'");
  }

  @Test
  void refusesAbsolutePaths() throws IOException {
    String absolute = outside.resolve("evil").toString();
    assertRefused(new RawTar().file(absolute, "x").finish(), "is an absolute path");
  }

  @Test
  void refusesSymlinksPointingOut() throws IOException {
    assertRefused(
        new RawTar().symlink("link", "../../outside").finish(),
        "refusing archive entry 'link'",
        "points outside the target");
    assertRefused(
        new RawTar().symlink("link", outside.toString()).finish(),
        "is a symbolic link to the absolute path '" + outside + "'");
    assertRefused(
        new RawTar().dir("d/").symlink("d/x", "../../outside").finish(), "points outside");
  }

  @Test
  void refusesEntriesThroughASymlinkEvenOneInside() throws IOException {
    assertRefused(
        new RawTar().dir("sub/").symlink("link", "sub").file("link/file", "x").finish(),
        "refusing archive entry 'link/file'",
        "is below the symbolic link 'link'");
  }

  @Test
  void refusesLinkChainsWhoseRealDestinationLexicalCheckingCannotSee() throws IOException {
    // "a" -> "b/../c" looks inside; "b" -> "." then makes a resolve to <target>/../c.
    assertRefused(
        new RawTar().symlink("a", "b/../c").symlink("b", ".").finish(),
        "refusing archive entry 'b'",
        "where an earlier link's target passes");
    // A link resolved through an existing link cannot be checked either.
    assertRefused(
        new RawTar().symlink("b", ".").symlink("a", "b/../c").finish(),
        "refusing archive entry 'a'",
        "passes through the symbolic link 'b'");
  }

  @Test
  void refusesHardLinksOutOrToNonFiles() throws IOException {
    assertRefused(
        new RawTar().hardlink("h", "../outside/secret").finish(), "'..'", "hard link target");
    assertRefused(
        new RawTar().hardlink("h", outside.resolve("secret").toString()).finish(), "absolute path");
    assertRefused(
        new RawTar().symlink("l", "x").hardlink("h", "l").finish(),
        "is a hard link to 'l', which is not a regular file restored before it");
  }

  @Test
  void refusesDeviceFilesAndFifos() throws IOException {
    assertRefused(
        new RawTar()
            .entry(RawTar.utf8("dev/sda"), (byte) '4', new byte[0], new byte[0], 0660)
            .finish(),
        "refusing archive entry 'dev/sda'",
        "is a block device; device files are never restored");
    assertRefused(
        new RawTar()
            .entry(RawTar.utf8("null"), (byte) '3', new byte[0], new byte[0], 0666)
            .finish(),
        "is a character device");
    assertRefused(
        new RawTar()
            .entry(RawTar.utf8("pipe"), (byte) '6', new byte[0], new byte[0], 0666)
            .finish(),
        "is a FIFO");
  }

  @Test
  void refusesATenThousandLevelDeepPathWithAClearError() throws IOException {
    String deep = "a/".repeat(10_000) + "file";
    Map<String, byte[]> pax = Map.of("path", RawTar.utf8(deep));
    assertRefused(
        new RawTar().pax(pax).file("placeholder", "x").finish(),
        "10001 levels deep",
        "the archive is damaged or hostile");
    // Below the length limit, depth alone is still bounded.
    String manyShort = "a/".repeat(1500) + "f";
    assertRefused(
        new RawTar().pax(Map.of("path", RawTar.utf8(manyShort))).file("placeholder", "x").finish(),
        "1501 levels deep, more than the 1024");
  }

  @Test
  void refusesNamesThatAreNotValidUtf8OrHoldNul() throws IOException {
    byte[] bad = {'b', 'a', 'd', (byte) 0xff, (byte) 0xfe, '.', 't', 'x', 't'};
    assertRefused(
        new RawTar().entry(bad, (byte) '0', new byte[0], RawTar.utf8("x"), 0644).finish(),
        "entry name 'bad\\xff\\xfe.txt' is not valid UTF-8");
    Map<String, byte[]> pax = new LinkedHashMap<>();
    pax.put("path", bad);
    assertRefused(new RawTar().pax(pax).file("placeholder", "x").finish(), "is not valid UTF-8");
    assertRefused(
        new RawTar()
            .pax(Map.of("path", new byte[] {'a', 0, 'b'}))
            .file("placeholder", "x")
            .finish(),
        "'a\\x00b' contains a NUL byte");
    assertRefused(
        new RawTar().entry(RawTar.utf8("l"), (byte) '2', bad, new byte[0], 0777).finish(),
        "link target of entry l",
        "is not valid UTF-8");
  }

  @Test
  void aLaterEntryReplacingALinkIsWrittenInPlaceNotThroughTheLink() throws IOException {
    restore(
        new RawTar().file("real", "original").symlink("f", "real").file("f", "replaced").finish(),
        false);

    assertThat(Files.isSymbolicLink(target.resolve("f"))).isFalse();
    assertThat(Files.readString(target.resolve("f"))).isEqualTo("replaced");
    assertThat(Files.readString(target.resolve("real"))).isEqualTo("original");
  }

  @Test
  void damagedOrTruncatedArchivesAreIntegrityFailures() throws IOException {
    RawTar tar = new RawTar().file("a.txt", "x".repeat(5000));
    assertThatThrownBy(() -> restore(tar.truncated(1000), false))
        .isInstanceOf(IntegrityException.class)
        .hasMessage(
            "files: the tar archive ends in the middle of an entry; it is truncated or damaged");
    assertNothingOutside();
    byte[] garbage = "this is not a tar archive".repeat(40).getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> restore(garbage, false))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("the archive is damaged or not a tar archive");
    assertNothingOutside();
  }

  @Test
  void neverOverwritesANonEmptyTargetUnlessForced() throws IOException {
    Files.createDirectories(target);
    Files.writeString(target.resolve("keep.txt"), "precious");
    byte[] tar = new RawTar().file("new.txt", "new").finish();

    assertThatThrownBy(() -> restore(tar, false))
        .isInstanceOf(TargetNotEmptyException.class)
        .hasMessage(
            "files: restore target "
                + target
                + " is not empty (1 entries); restore into a new or empty"
                + " directory, or use --force to replace its contents")
        .satisfies(
            e ->
                assertThat(((TargetNotEmptyException) e).target())
                    .isEqualTo(target.toUri().toString()));
    assertThat(Files.readString(target.resolve("keep.txt"))).isEqualTo("precious");

    restore(tar, true);
    try (Stream<Path> list = Files.list(target)) {
      assertThat(list).containsExactly(target.resolve("new.txt"));
    }
    try (Stream<Path> siblings = Files.list(target.getParent())) {
      assertThat(siblings).as("old contents and staging removed").containsExactly(target);
    }
  }

  @Test
  void anEmptyExistingTargetIsFilled() throws IOException {
    Files.createDirectories(target);
    restore(new RawTar().file("x", "1").finish(), false);
    assertThat(Files.readString(target.resolve("x"))).isEqualTo("1");
  }

  @Test
  void anAbortedRestoreLeavesNothing() throws IOException {
    try (PendingWrite write = FilesRestoreTarget.of(target, false).open(TAR)) {
      write.write(ByteBuffer.wrap(new RawTar().file("x", "1").finish()));
      write.abort();
      assertThatThrownBy(() -> write.write(ByteBuffer.allocate(1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("closed");
    }
    assertNothingOutside();
  }

  @Test
  void aNonTarBackupIsRestoredAsOneFile() throws IOException {
    BackupManifest dump =
        new BackupManifest(
            "pg_20240115_020000",
            "postgresql",
            "pg",
            "postgresql://h/db",
            "dump",
            Instant.EPOCH,
            Instant.EPOCH,
            List.of(),
            Optional.empty(),
            0,
            0,
            "",
            "",
            "pg/daily/pg_20240115_020000.dump",
            Map.of());
    Path file = dir.resolve("restore/pg.dump");
    try (PendingWrite write = FilesRestoreTarget.of(file, false).open(dump)) {
      write.write(ByteBuffer.wrap("PGDMP".getBytes(StandardCharsets.UTF_8)));
      write.commit();
    }
    assertThat(Files.readString(file)).isEqualTo("PGDMP");
    assertThatThrownBy(() -> FilesRestoreTarget.of(file, false).open(dump))
        .isInstanceOf(TargetNotEmptyException.class)
        .hasMessageContaining("already exists")
        .hasMessageContaining("--force");
  }

  @Test
  void externalLinksWhenAskedForAreRecreatedButNeverWrittenThrough() throws IOException {
    FilesRestoreTarget external =
        FilesRestoreTarget.of(java.net.URI.create(target.toUri() + "?links=external"), false);
    byte[] hostile =
        new RawTar().symlink("out", outside.toString()).file("out/planted", "x").finish();
    assertThatThrownBy(
            () -> {
              try (PendingWrite write = external.open(TAR)) {
                write.write(ByteBuffer.wrap(hostile));
                write.commit();
              }
            })
        .isInstanceOf(UnsafePathException.class)
        .hasMessageContaining("is below the symbolic link 'out'");
    assertNothingOutside();
    byte[] hardlinkOut = new RawTar().hardlink("h", "../outside/secret").finish();
    assertThatThrownBy(
            () -> {
              try (PendingWrite write = external.open(TAR)) {
                write.write(ByteBuffer.wrap(hardlinkOut));
                write.commit();
              }
            })
        .isInstanceOf(UnsafePathException.class)
        .hasMessageContaining("'..'");
    assertNothingOutside();

    try (PendingWrite write = external.open(TAR)) {
      write.write(ByteBuffer.wrap(new RawTar().symlink("out", outside.toString()).finish()));
      write.commit();
    }
    assertThat(Files.readSymbolicLink(target.resolve("out"))).isEqualTo(outside);
    assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("do not touch");
  }

  @Test
  void restoreTargetUrisAreChecked() {
    assertThatThrownBy(() -> FilesRestoreTarget.of(java.net.URI.create("file:relative/x"), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be file:///absolute/path");
    assertThatThrownBy(
            () -> FilesRestoreTarget.of(java.net.URI.create("file:///x?links=maybe"), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "files restore target: links=maybe in file:///x?links=maybe is not an option; write links=external");
    assertThat(Files.exists(target, LinkOption.NOFOLLOW_LINKS)).isFalse();
  }
}
