package io.biowerk.dr.postgres;

import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code biowerk-dr wal-receive} runs (the real {@link PgWalReceiver} into the real {@link
 * LogArchive}), as a JVM of its own that a test can kill with SIGKILL; this module cannot depend on
 * the CLI. Arguments: repository directory, key file, source URI.
 */
public final class WalReceiveForTests {

  private WalReceiveForTests() {}

  public static void main(String[] args) throws Exception {
    KeyRing ring = KeyRing.of(KeyFile.at(Path.of(args[1])));
    PgWalReceiver receiver = PgWalReceiver.of(URI.create(args[2]));
    LogArchive archive =
        LogArchive.of(
            LocalSink.open(Path.of(args[0])),
            receiver.sourceName(),
            PgWalLog.LOG,
            List.of(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(ring.active(), ring)),
            ring);
    Runtime.getRuntime().addShutdownHook(new Thread(receiver::close));
    receiver.run(archive);
  }
}
