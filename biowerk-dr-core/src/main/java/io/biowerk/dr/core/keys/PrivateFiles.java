package io.biowerk.dr.core.keys;

import io.biowerk.dr.core.KeyFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/** The check every secret file (key file, PIN file) passes: no access by group or others. */
final class PrivateFiles {

  private static final Set<PosixFilePermission> UNSAFE =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private PrivateFiles() {}

  /**
   * Refuses {@code path} if group or others may access it; a missing file, or one on a file system
   * without POSIX permissions, passes (reading it reports what is wrong).
   *
   * @param what how the message names the file ({@code "keys: key file"})
   * @param secret what the file holds, for the advice ({@code "key"}, {@code "PIN"})
   * @throws KeyFileException if group or others have any access
   */
  static void checkPrivate(Path path, String what, String secret) throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
    if (view == null || !Files.exists(path)) {
      return;
    }
    Set<PosixFilePermission> permissions = view.readAttributes().permissions();
    Set<PosixFilePermission> unsafe = EnumSet.noneOf(PosixFilePermission.class);
    unsafe.addAll(permissions);
    unsafe.retainAll(UNSAFE);
    if (!unsafe.isEmpty()) {
      throw new KeyFileException(
          what
              + " "
              + path
              + " is accessible by group or others (mode "
              + PosixFilePermissions.toString(permissions)
              + "); run `chmod 600 "
              + path
              + "` and consider the "
              + secret
              + " exposed if others could read it",
          path);
    }
  }
}
