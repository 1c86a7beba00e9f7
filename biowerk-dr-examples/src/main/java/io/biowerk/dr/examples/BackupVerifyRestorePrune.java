package io.biowerk.dr.examples;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.files.FilesRestoreTarget;
import io.biowerk.dr.core.files.FilesSource;
import io.biowerk.dr.core.repository.Repository;
import java.net.URI;
import java.nio.file.Path;

/**
 * The example of docs/library.md: backs up a directory and a PostgreSQL database, verifies both,
 * restores both and prunes, in fifteen lines.
 *
 * <p>Run: {@code java BackupVerifyRestorePrune /srv/app postgresql://postgres@127.0.0.1/shop
 * /var/backups/demo}; the database is restored into a new database named after it with {@code
 * _restored} appended, the directory into {@code restored} under the last argument.
 */
public final class BackupVerifyRestorePrune {

  private BackupVerifyRestorePrune() {}

  /**
   * Runs the example.
   *
   * @param args the directory to back up, the database URI, and a working directory for the
   *     repository, its key file and the restored tree
   * @throws Exception if any step fails; the exception says which and what to do
   */
  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[2]);
    try (Repository repo =
            Repository.builder()
                .sink(work.resolve("repo")) // or .sink(URI.create("s3://bucket/prefix"))
                .keyFile(work.resolve("keys/ring")) // created, mode 0600, when missing
                .build();
        Source db = Sources.forUri(URI.create(args[1]))) {
      BackupManifest files = repo.backup(FilesSource.of(Path.of(args[0]), "app"));
      BackupManifest pg = repo.backup(db);
      System.out.println(repo.verify(files.id()) + "\n" + repo.verify(pg.id()));
      repo.restore(files.id(), FilesRestoreTarget.of(work.resolve("restored"), false));
      repo.restore(pg.id(), URI.create(args[1] + "_restored?create=true"));
      System.out.println(repo.prune("app") + "\n" + repo.prune(pg.sourceName()));
    }
  }
}
