package io.biowerk.dr.cli;

import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The {@code --repo} option and the repository defaults: the given URIs, else {@code
 * $BIOWERK_DR_REPO} (comma-separated), else {@code ./biowerk-backups}. Backups fan out to every
 * repository; reads use the first.
 */
final class RepositoryOptions {

  /** The default repository directory, relative to the working directory. */
  static final String DEFAULT = "biowerk-backups";

  @Option(
      names = {"-r", "--repo"},
      paramLabel = "URI",
      description = {
        "Repository: a path or a URI of a scheme listed under 'Repositories' in biowerk-dr --help."
            + " Repeat to fan out: backups go to all,"
            + " reads use the first. Default: $BIOWERK_DR_REPO, else the directory "
            + DEFAULT
            + " here."
      })
  List<String> repos = new ArrayList<>();

  /** The repository URIs in effect, the primary first. */
  List<URI> uris(Environment env) {
    List<String> texts = new ArrayList<>(repos);
    for (String text : texts) {
      if (text.isBlank()) {
        throw new UsageException(
            "--repo is empty; an empty repository would mean the current directory. Give the"
                + " repository's path or URI");
      }
    }
    String variable = env.variables().get(Environment.REPO_VARIABLE);
    if (texts.isEmpty() && variable != null && variable.replace(",", "").isBlank()) {
      throw new UsageException(
          "$"
              + Environment.REPO_VARIABLE
              + " is set but empty; set it to the repository's path or URI, or unset it to use ./"
              + DEFAULT);
    }
    if (texts.isEmpty()) {
      env.variable(Environment.REPO_VARIABLE)
          .ifPresent(
              value -> {
                for (String part : value.split(",", -1)) {
                  if (!part.isBlank()) {
                    texts.add(part.strip());
                  }
                }
              });
    }
    if (texts.isEmpty()) {
      texts.add(DEFAULT);
    }
    List<URI> uris = new ArrayList<>();
    for (String text : texts) {
      URI uri = Uris.parse(text, "repository", env);
      if (!uris.contains(uri)) {
        uris.add(uri);
      }
    }
    return uris;
  }

  /**
   * The repository URIs in effect for a command that writes, which may create a local repository:
   * the default {@code ./biowerk-backups} is created only when a person is at a terminal ({@link
   * Environment#attended()}) or it exists already. From cron without the environment file a backup
   * would otherwise land in whatever directory cron started it in.
   *
   * @throws UsageException if the default is in effect, does not exist and nobody is at a terminal
   */
  List<URI> urisForWriting(Environment env) {
    List<URI> uris = uris(env);
    if (repos.isEmpty()
        && env.variable(Environment.REPO_VARIABLE).isEmpty()
        && !env.attended()
        && !Files.isDirectory(Path.of(uris.get(0)))) {
      throw new UsageException(
          "no repository is configured (no --repo and no $"
              + Environment.REPO_VARIABLE
              + ") and no terminal is attached, so the default ./"
              + DEFAULT
              + " is not created in "
              + env.workingDirectory()
              + ". Pass --repo or set $"
              + Environment.REPO_VARIABLE
              + " (from cron, load the environment file that sets it, e.g. . /etc/biowerk-dr/env)");
    }
    return uris;
  }

  /** The sinks this command opened; {@link Main} closes them when the command is done. */
  private final List<Sink> opened = new ArrayList<>();

  /** Every repository, opened for writing (a local directory is created if missing). */
  List<Sink> openAll(Environment env) throws IOException {
    List<Sink> sinks = new ArrayList<>();
    for (URI uri : urisForWriting(env)) {
      sinks.add(track(Sinks.forUri(uri)));
    }
    return sinks;
  }

  /** One repository, opened for writing (closed with the others when the command is done). */
  Sink open(URI uri) throws IOException {
    return track(Sinks.forUri(uri));
  }

  private Sink track(Sink sink) {
    opened.add(sink);
    return sink;
  }

  /**
   * Closes every sink this command opened (their clients and thread pools); the first failure is
   * thrown, later ones suppressed.
   */
  void closeAll() throws IOException {
    IOException first = null;
    for (Sink sink : opened) {
      try {
        sink.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    opened.clear();
    if (first != null) {
      throw first;
    }
  }

  /**
   * The primary repository, for reading. A local directory must exist: reading never creates one.
   */
  Sink openPrimary(Environment env) throws IOException {
    return openExisting(uris(env).get(0), env);
  }

  /** The catalog of the primary repository, reading the time from the environment's clock. */
  Catalog primaryCatalog(Environment env) throws IOException {
    return Catalog.of(openPrimary(env)).withClock(env.clock());
  }

  /** Every repository, each of which must exist. */
  List<Sink> openAllExisting(Environment env) throws IOException {
    List<Sink> sinks = new ArrayList<>();
    for (URI uri : uris(env)) {
      sinks.add(openExisting(uri, env));
    }
    return sinks;
  }

  private Sink openExisting(URI uri, Environment env) throws IOException {
    if ("file".equalsIgnoreCase(uri.getScheme())) {
      Path root = Path.of(uri);
      if (!Files.isDirectory(root)) {
        throw new StorageException(
            "repository "
                + uri
                + " ("
                + origin(env)
                + ") does not exist; pass --repo or"
                + " set $"
                + Environment.REPO_VARIABLE
                + " to where the backups are, or run a backup first",
            uri.toString(),
            StorageException.Reason.NO_SUCH_CONTAINER,
            null);
      }
      return track(LocalSink.existing(root));
    }
    return track(Sinks.forUri(uri));
  }

  /** Where the repositories in effect came from, for messages. */
  String origin(Environment env) {
    if (!repos.isEmpty()) {
      return "from --repo";
    }
    if (env.variable(Environment.REPO_VARIABLE).isPresent()) {
      return "from $" + Environment.REPO_VARIABLE;
    }
    return "the default ./" + DEFAULT;
  }
}
