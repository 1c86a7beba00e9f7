package io.biowerk.dr.postgres;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.UnsafePathException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The native check of a physical base backup: its tar decoded into a private scratch directory (no
 * entry may land outside it), then {@code pg_verifybackup} checks every file against {@code
 * backup_manifest} (sizes and checksums). The WAL is not in the backup ({@code -X none}), so {@code
 * --no-parse-wal} is given; the archived WAL is checked by {@code wal-status}. The scratch
 * directory is always removed.
 */
final class BaseBackupVerifier {

  private BaseBackupVerifier() {}

  static String verify(
      BackupManifest manifest,
      ReadableByteChannel decoded,
      Map<String, String> options,
      PgTools tools)
      throws IOException {
    PgTools.Tool tool;
    try {
      tool =
          tools.find(
              "pg_verifybackup",
              Optional.ofNullable(options.get("pg-verifybackup")),
              ((Number) manifest.facts().getOrDefault("serverVersionNum", 130000)).intValue(),
              "the server the backup was taken from");
    } catch (PgTools.ToolProblem e) {
      throw new PostgresRestoreException(
          e.getMessage(), "pg_verifybackup", PgFailure.TOOL_VERSION, "", null);
    }
    Path scratch =
        Files.createTempDirectory(
            "biowerk-verify-pgbase-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      int files = extract(decoded, scratch);
      PgProcess check =
          PgProcess.start(
              List.of(tool.path().toString(), "--no-parse-wal", scratch.toString()),
              System.getenv(),
              false,
              false);
      int status = check.waitFor();
      if (status != 0) {
        throw new IntegrityException(
            "postgresql: pg_verifybackup found base backup "
                + manifest.id()
                + " damaged: "
                + check.stderr()
                + "; restore another copy or another backup",
            manifest.id(),
            "backup_manifest",
            check.stderr());
      }
      return "pg_verifybackup: " + files + " files match backup_manifest (WAL: see wal-status)";
    } finally {
      PrivateTree.delete(scratch);
    }
  }

  static int extract(ReadableByteChannel decoded, Path root) throws IOException {
    int files = 0;
    InputStream in = Channels.newInputStream(decoded);
    TarArchiveInputStream tar = new TarArchiveInputStream(in);
    TarArchiveEntry entry;
    while ((entry = tar.getNextEntry()) != null) {
      Path target = root.resolve(entry.getName()).normalize();
      if (!target.startsWith(root)) {
        throw new UnsafePathException(
            "postgresql: base backup entry '" + entry.getName() + "' would land outside " + root,
            entry.getName());
      }
      if (entry.isDirectory()) {
        Files.createDirectories(target);
      } else if (entry.isFile()) {
        Files.createDirectories(target.getParent());
        Files.copy(tar, target);
        files++;
      }
    }
    // Drain the rest, so the checksums of the whole stream are checked.
    in.transferTo(java.io.OutputStream.nullOutputStream());
    return files;
  }

  /** Deletes a scratch tree. */
  static final class PrivateTree {
    private PrivateTree() {}

    static void delete(Path root) {
      try (var walk = Files.walk(root)) {
        walk.sorted(java.util.Comparator.reverseOrder())
            .forEach(
                p -> {
                  try {
                    Files.deleteIfExists(p);
                  } catch (IOException e) {
                    // best effort
                  }
                });
      } catch (IOException e) {
        // best effort
      }
    }
  }
}
