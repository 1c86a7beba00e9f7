package io.biowerk.dr.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Refuses the local paths a command must never write into: a restore target that is, contains or
 * lies inside a repository, one that contains or lies inside the backup's own source directory (or
 * is it, with {@code --force}), and a backup whose repository lies inside the directory it backs up
 * (each backup would hold every earlier one). Paths are compared after resolving symbolic links of
 * the part that exists, so a link does not hide an overlap. Each refusal is a {@link
 * UsageException} (exit 2: nothing was done) with its own message.
 */
final class DangerousTargets {

  private DangerousTargets() {}

  /**
   * Checks a restore target against the repositories and the backup's source.
   *
   * @param target the restore target URI; only {@code file:} targets are checked
   * @param repositories the repository URIs in effect; only {@code file:} ones are checked
   * @param sourceUri the source URI recorded in the manifest
   * @param force whether {@code --force} was given (replacing the source itself is refused then)
   * @throws UsageException if the target overlaps a repository or the source
   */
  static void checkRestoreTarget(
      URI target, List<URI> repositories, String sourceUri, boolean force) {
    Optional<Path> targetPath = localPath(target);
    if (targetPath.isEmpty()) {
      return;
    }
    Path t = real(targetPath.get());
    for (URI repository : repositories) {
      Optional<Path> repoPath = localPath(repository);
      if (repoPath.isEmpty()) {
        continue;
      }
      Path r = real(repoPath.get());
      if (t.equals(r)) {
        throw new UsageException(
            "restore: the target "
                + t
                + " is the repository itself; restoring there would replace the backups with"
                + " one of them. Restore into a directory outside every repository");
      }
      if (r.startsWith(t)) {
        throw new UsageException(
            "restore: the target "
                + t
                + " contains the repository "
                + r
                + "; restoring there could delete the backups. Restore into a directory that"
                + " holds no repository");
      }
      if (t.startsWith(r)) {
        throw new UsageException(
            "restore: the target "
                + t
                + " lies inside the repository "
                + r
                + "; restored files would mix with the backups. Restore into a directory outside"
                + " every repository");
      }
    }
    Optional<Path> sourcePath = localSource(sourceUri);
    if (sourcePath.isEmpty()) {
      return;
    }
    Path s = real(sourcePath.get());
    if (t.equals(s)) {
      if (force) {
        throw new UsageException(
            "restore: the target "
                + t
                + " is the live source directory of this backup, and --force would replace it."
                + " Restore beside it and swap the directories, or move the source away first");
      }
      return;
    }
    if (s.startsWith(t)) {
      throw new UsageException(
          "restore: the target "
              + t
              + " contains the backup's source directory "
              + s
              + "; restoring there would overwrite it. Restore into a directory of its own");
    }
    if (t.startsWith(s)) {
      throw new UsageException(
          "restore: the target "
              + t
              + " lies inside the backup's source directory "
              + s
              + "; the next backup would contain the restored copy. Restore outside the source");
    }
  }

  /**
   * Refuses a backup of a local directory into a repository inside it (or containing it).
   *
   * @throws UsageException if a {@code file:} repository and a {@code file:} source overlap
   */
  static void checkBackup(URI source, List<URI> repositories) {
    Optional<Path> sourcePath = localPath(source);
    if (sourcePath.isEmpty()) {
      return;
    }
    Path s = real(sourcePath.get());
    for (URI repository : repositories) {
      Optional<Path> repoPath = localPath(repository);
      if (repoPath.isEmpty()) {
        continue;
      }
      Path r = real(repoPath.get());
      if (r.startsWith(s)) {
        throw new UsageException(
            "backup: the repository "
                + r
                + " lies inside the source directory "
                + s
                + ", so every backup would contain the earlier ones. Put the repository outside"
                + " the source (--repo or $"
                + Environment.REPO_VARIABLE
                + ")");
      }
      if (s.startsWith(r)) {
        throw new UsageException(
            "backup: the source directory "
                + s
                + " lies inside the repository "
                + r
                + "; back up the data, not the repository (copy repositories with a sync, not a"
                + " backup)");
      }
    }
  }

  private static Optional<Path> localPath(URI uri) {
    if (!"file".equalsIgnoreCase(uri.getScheme()) || uri.isOpaque()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Path.of(new URI("file", null, uri.getPath(), null)));
    } catch (java.net.URISyntaxException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static Optional<Path> localSource(String sourceUri) {
    try {
      return localPath(URI.create(sourceUri));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * {@code path} absolute and normalized, with symbolic links resolved in its longest existing
   * prefix.
   */
  static Path real(Path path) {
    Path absolute = path.toAbsolutePath().normalize();
    Path existing = absolute;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return absolute;
    }
    try {
      return existing.toRealPath().resolve(existing.relativize(absolute));
    } catch (IOException e) {
      return absolute;
    }
  }
}
