package io.biowerk.dr.core.internal;

import io.biowerk.dr.core.LibraryVersionException;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Checks that third-party libraries on the class path are new enough, before work starts, so an old
 * copy brought by a program's other dependencies fails with a message naming it instead of a {@link
 * NoSuchMethodError} in the middle of a backup. Not public API.
 */
public final class Requirements {

  /** The oldest commons-compress the files source is tested with. */
  public static final String COMMONS_COMPRESS_MIN = "1.26.0";

  private static volatile boolean commonsCompressChecked;

  private Requirements() {}

  /**
   * Checks commons-compress (the files source's tar writer): its generic {@code
   * TarArchiveOutputStream.putArchiveEntry(TarArchiveEntry)} came with the versions we need.
   *
   * @throws LibraryVersionException if an older commons-compress is on the class path
   */
  public static void commonsCompress(String component) throws LibraryVersionException {
    if (commonsCompressChecked) {
      return;
    }
    try {
      TarArchiveOutputStream.class.getMethod("putArchiveEntry", TarArchiveEntry.class);
    } catch (NoSuchMethodException e) {
      LibraryVersionException old =
          new LibraryVersionException(
              component,
              "org.apache.commons:commons-compress",
              version(TarArchiveOutputStream.class).orElse("unknown"),
              COMMONS_COMPRESS_MIN);
      old.initCause(e);
      throw old;
    }
    commonsCompressChecked = true;
  }

  private static Optional<String> version(Class<?> type) {
    Package p = type.getPackage();
    return Optional.ofNullable(p == null ? null : p.getImplementationVersion());
  }
}
