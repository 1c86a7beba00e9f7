package io.biowerk.dr.core;

import java.io.IOException;
import java.util.List;

/**
 * No provider on the class path serves a URI scheme or codec id. The message lists those that were
 * found, so a missing adapter module is easy to spot.
 */
public class ProviderNotFoundException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String requested;
  private final List<String> available;

  public ProviderNotFoundException(String message, String requested, List<String> available) {
    super(message);
    this.requested = requested;
    this.available = List.copyOf(available);
  }

  /** The scheme or id asked for. */
  public String requested() {
    return requested;
  }

  /** The schemes or ids found on the class path. */
  public List<String> available() {
    return available;
  }
}
