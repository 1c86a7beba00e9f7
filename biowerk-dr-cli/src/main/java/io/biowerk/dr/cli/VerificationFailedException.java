package io.biowerk.dr.cli;

import io.biowerk.dr.core.IntegrityException;

/** One or more backups failed verification; exit code 3. The details were printed per backup. */
final class VerificationFailedException extends IntegrityException {
  private static final long serialVersionUID = 1L;

  VerificationFailedException(String message) {
    super(message);
  }
}
