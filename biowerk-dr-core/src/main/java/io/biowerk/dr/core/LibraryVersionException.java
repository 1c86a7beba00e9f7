package io.biowerk.dr.core;

import static java.util.Objects.requireNonNull;

import java.io.IOException;

/**
 * A third-party library on the class path is older than BIOwerk DR needs (a build that manages
 * {@code commons-compress} down to 1.23, say). The message names the library, the version found and
 * the version needed; the fix is in the program's build: manage the library's version up (importing
 * {@code biowerk-dr-bom} does) or remove the older copy.
 */
public final class LibraryVersionException extends IOException {

  private static final long serialVersionUID = 1L;

  private final String library;
  private final String found;
  private final String needed;

  /**
   * An exception for {@code library} ({@code groupId:artifactId}) found at version {@code found}
   * ({@code unknown} when its jar does not say) where {@code needed} or newer is required.
   */
  public LibraryVersionException(String component, String library, String found, String needed) {
    super(
        requireNonNull(component, "component")
            + ": "
            + requireNonNull(library, "library")
            + " "
            + requireNonNull(found, "found")
            + " is on the class path, but BIOwerk DR needs "
            + requireNonNull(needed, "needed")
            + " or newer; manage its version in your build (importing io.biowerk:biowerk-dr-bom"
            + " does) or remove the older copy (mvn dependency:tree -Dincludes="
            + library
            + " shows who brings it)");
    this.library = library;
    this.found = found;
    this.needed = needed;
  }

  /** The library, as {@code groupId:artifactId}. */
  public String library() {
    return library;
  }

  /** The version found on the class path, or {@code unknown}. */
  public String found() {
    return found;
  }

  /** The oldest version that works. */
  public String needed() {
    return needed;
  }
}
