package io.biowerk.dr.testkit;

import java.io.IOException;

/**
 * A failure a {@link FaultInjectingSink} or a failing {@link GeneratedSource} raised on purpose,
 * standing for a disk that filled up or a connection that dropped. Its own type, so a test can tell
 * the injected failure from an unexpected one.
 */
public class InjectedFaultException extends IOException {
  private static final long serialVersionUID = 1L;

  public InjectedFaultException(String message) {
    super(message);
  }
}
