package io.biowerk.dr.postgres;

import io.biowerk.dr.core.log.LogReceiver;
import java.io.IOException;
import java.net.URI;

/** Placeholder replaced below. */
final class PgWalReceiver {
  static LogReceiver of(URI uri) throws IOException {
    throw new IOException("wal-receive: not built yet");
  }
}
