package io.biowerk.dr.core.files;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.NativeVerifier;
import io.biowerk.dr.core.VerificationLevel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The native check of a {@code files} backup. {@code native}: the tar is parsed to its end with
 * every restore-safety check applied, nothing written. {@code restore}: it is extracted into a
 * scratch directory (option {@code scratch-dir}, else a temp directory), which is removed
 * afterwards.
 */
public final class FilesNativeVerifier implements NativeVerifier {

  @Override
  public Set<String> sourceKinds() {
    return Set.of(FilesSource.KIND);
  }

  @Override
  public String verify(
      BackupManifest manifest,
      VerificationLevel level,
      ReadableByteChannel decoded,
      Map<String, String> options)
      throws IOException {
    // The stream is the caller's: wrapped, not closed.
    InputStream in = Channels.newInputStream(new NonClosing(decoded));
    if (level != VerificationLevel.RESTORE) {
      TarExtractor check = new TarExtractor(Path.of("/nonexistent"), false);
      check.extractAll(in);
      return "tar: " + check.summary() + ", every path safe to restore";
    }
    String scratch = options.get("scratch-dir");
    Path parent =
        scratch == null ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(scratch);
    Files.createDirectories(parent);
    Path dir = Files.createTempDirectory(parent, "biowerk-verify-");
    try {
      TarExtractor extractor = new TarExtractor(dir, true);
      extractor.extractAll(in);
      extractor.finish();
      return "tar restored into a scratch directory: " + extractor.summary();
    } finally {
      FilesRestoreTarget.deleteTree(dir);
    }
  }

  /** A view of a channel whose close() does nothing, for a stream the caller closes. */
  private static final class NonClosing implements ReadableByteChannel {
    private final ReadableByteChannel in;

    NonClosing(ReadableByteChannel in) {
      this.in = in;
    }

    @Override
    public int read(java.nio.ByteBuffer dst) throws IOException {
      return in.read(dst);
    }

    @Override
    public boolean isOpen() {
      return in.isOpen();
    }

    @Override
    public void close() {
      // not ours to close
    }
  }

  @Override
  public String artifact() {
    return "biowerk-dr-core";
  }
}
