package io.biowerk.dr.core.log;

import io.biowerk.dr.core.BackupManifest;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A database's continuous log as the repository archives it: a write-ahead log ({@code wal}), an
 * operation log ({@code oplog}). Implemented by the adapter module that knows the log (each adapter
 * names its own) and registered through {@link java.util.ServiceLoader}; the CLI makes its {@code
 * <log>-push}, {@code <log>-fetch} and {@code <log>-receive} commands from whatever providers it
 * finds, so it names no adapter. Use {@link Logs} to find one.
 *
 * <p>Segments live under {@code <source>/<log>/} in a {@link LogArchive}, each with a small
 * manifest (first and last position and time). Providers are cheap, stateless factories and
 * thread-safe.
 */
public interface LogProvider {

  /**
   * The log's name: {@code wal}, {@code oplog}. It is the repository folder under the source and
   * the prefix of the CLI commands. Lower-case letters only.
   */
  String log();

  /**
   * The log as users call it in prose, for messages and help ({@code WAL}); the default is {@link
   * #log()}. The CLI and core name a log only through this and {@link #description()}, so an
   * adapter brings its own words.
   */
  default String displayName() {
    return log();
  }

  /**
   * What the log is, in a few words for help and for messages that list the logs on the class path
   * ({@code "PostgreSQL's write-ahead log"}); the default is {@link #displayName()}.
   */
  default String description() {
    return displayName();
  }

  /**
   * Lines for the help of {@code biowerk-dr <log>-<command>} showing how the database runs it
   * through its own hook (the setting that archives or fetches a segment), with the command's
   * options as written ({@code --source orders --repo /backups}); {@code command} is {@code push},
   * {@code fetch} or {@code receive}. Empty (the default) when the database has no such hook: the
   * help then shows the plain command.
   */
  default List<String> hookExamples(String command) {
    return List.of();
  }

  /**
   * Describes one finished segment file the database handed over (a write-ahead log's {@code
   * archive_command} gives {@code %p}): its positions and times, checked against {@code name}.
   *
   * @param name the segment's name as the database knows it ({@code 000000010000000000000003})
   * @param file the segment's bytes; read, never changed
   * @throws IllegalArgumentException if {@code name} is not a segment name of this log
   * @throws IOException if the file cannot be read or is not a segment of this log
   */
  LogSegmentInfo describe(String name, Path file) throws IOException;

  /**
   * Makes a long-running receiver that streams the log of the database at {@code uri} into an
   * archive.
   *
   * @throws IllegalArgumentException if the URI or an option is malformed; the message names it
   * @throws IOException if the receiver cannot be prepared
   */
  LogReceiver receiver(URI uri) throws IOException;

  /**
   * Recovery to a point in time from a base backup of this log's database plus archived segments,
   * if the provider offers it for base backups like {@code base} (a physical backup, not a logical
   * dump).
   */
  Optional<LogRecovery> recovery(BackupManifest base);

  /**
   * How far {@code archive} is behind the live database at {@code source} (the URI a base backup of
   * it records), for {@code status}; empty (the default) if the provider cannot tell.
   *
   * @throws IOException if the database cannot be reached or asked; the message says which and why
   */
  default Optional<LogLag> lag(URI source, LogArchive archive) throws IOException {
    return Optional.empty();
  }

  /**
   * How this log's stored objects depend on each other, for retention; empty (the default) if the
   * provider does not say, and then {@code prune} deletes none of its segments.
   */
  default Optional<LogChain> chain() {
    return Optional.empty();
  }
}
