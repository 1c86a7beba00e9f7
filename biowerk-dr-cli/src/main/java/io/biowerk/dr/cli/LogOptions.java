package io.biowerk.dr.cli;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.log.LogArchive;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options every log command shares: the source name the log is archived under, and how new
 * segments are encoded. The source name must be the one the database's base backups are stored
 * under ({@code ?name=} of the source URI), since recovery reads both from {@code <source>/}.
 */
final class LogOptions {

  @Option(
      names = {"-s", "--source"},
      required = true,
      paramLabel = "NAME",
      description =
          "The source name the log is archived under: the name of the database's base backups.")
  String source;

  @Option(
      names = "--compression",
      paramLabel = "zstd:LEVEL|none",
      defaultValue = "zstd:3",
      description =
          "Compression of new segments: zstd at LEVEL 1-22, or none. Default: ${DEFAULT-VALUE}.")
  String compression;

  @Option(
      names = "--no-encrypt",
      description = "Store new segments unencrypted (no key is needed).")
  boolean noEncrypt;

  /**
   * The archive of {@code log} in {@code sink}, encrypting new segments in container format 2 (a
   * data key per segment, wrapped to the active key like a backup's), which must exist: an archive
   * command never creates keys.
   */
  LogArchive forWriting(Sink sink, String log, KeyOptions keys, Environment env)
      throws IOException {
    List<Codec> codecs = new ArrayList<>(BackupCommand.compression(compression));
    KeyRing ring = keys.ring(env);
    LogArchive archive = LogArchive.of(sink, source, log, codecs, ring).withClock(env.clock());
    if (noEncrypt) {
      return archive;
    }
    ring.active(); // refuses, saying what to do, when there is no key yet: never creates one
    return archive.encryptingTo(List.of(keys.activeRecipient(env)));
  }

  /**
   * The archive of {@code log} in {@code sink}, for reading.
   *
   * @throws IOException if the chosen key service cannot be opened
   */
  LogArchive forReading(Sink sink, String log, KeyOptions keys, Environment env)
      throws IOException {
    return LogArchive.of(sink, source, log, List.of(), keys.ring(env)).withClock(env.clock());
  }

  /**
   * A per-user state folder for spools: {@code ~/.local/state/biowerk-dr/<what>/<source>-<log>}.
   */
  Path defaultSpool(Environment env, String what, String log) {
    return env.home().resolve(".local/state/biowerk-dr").resolve(what).resolve(source + "-" + log);
  }
}
