package io.biowerk.dr.cli;

import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.LogReceiver;
import io.biowerk.dr.core.log.Logs;
import java.net.URI;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code biowerk-dr <log>-receive}: the long-running receiver that streams a database's log into
 * the primary repository as it is written ({@code <log>-receive URI}). Stops cleanly on Ctrl-C or
 * SIGTERM, storing what it received.
 */
@Command(
    sortOptions = false,
    header = "Stream a database's log into the repository as it is written (long-running).",
    description = {
      "Connects over the database's replication protocol and stores the log segment by segment, flushing the"
          + " segment being written at a short interval, so a lost server loses seconds of commits. Reconnects"
          + " after network drops and server restarts from where the archive ends.",
      ""
    }) // examples: set per log in Main, from the log's provider
final class LogReceiveCommand extends CliCommand {

  private final String log;

  LogReceiveCommand(String log) {
    this.log = log;
  }

  @Parameters(index = "0", paramLabel = "URI", description = "The database to receive the log of.")
  String uri;

  @Mixin RepositoryOptions repositories;

  @Mixin KeyOptions keys;

  @Option(
      names = "--compression",
      paramLabel = "zstd:LEVEL|none",
      defaultValue = "zstd:3",
      description = "Compression of segments. Default: ${DEFAULT-VALUE}.")
  String compression;

  @Option(names = "--no-encrypt", description = "Store segments unencrypted.")
  boolean noEncrypt;

  /** How long a SIGTERM waits for the receiver's last flush and the outcome's message. */
  static final java.time.Duration STOP_WAIT = java.time.Duration.ofSeconds(2);

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    LogProvider provider = Logs.forLog(log);
    URI parsed = Uris.parse(uri, "source URI", env);
    LogReceiver receiver = provider.receiver(parsed);
    LogOptions options = new LogOptions();
    options.source = receiver.sourceName();
    options.compression = compression;
    options.noEncrypt = noEncrypt;
    LogArchive archive = options.forWriting(repositories.openAll(env).get(0), log, keys, env);
    note(log + "-receive: " + Uris.redact(parsed) + " -> " + archive + " (Ctrl-C stops)");
    // SIGTERM: the receiver stores the segment being written and returns (close waits for that,
    // briefly); the hook then waits until Main has printed the outcome, not for this thread,
    // which ends in System.exit and so would hold the shutdown for the whole wait.
    java.util.concurrent.CountDownLatch finished = ((Main) spec.root().userObject()).finished;
    Thread hook =
        new Thread(
            () -> {
              try {
                receiver.close();
                finished.await(STOP_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
              } catch (Exception e) {
                // stopping anyway
              }
            },
            "biowerk-dr-receive-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      receiver.run(archive);
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running
      }
      receiver.close();
    }
    return ExitCodes.OK;
  }
}
