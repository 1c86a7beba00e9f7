package io.biowerk.dr.core.local;

import static com.google.common.base.Preconditions.checkArgument;

import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Set;

/**
 * Makes {@link LocalSink}s for {@code file:} URIs: {@code file:///var/backups/biowerk} (created if
 * missing).
 */
public final class LocalSinkProvider implements SinkProvider {
  @Override
  public Set<String> schemes() {
    return Set.of("file");
  }

  @Override
  public Sink create(URI uri) throws IOException {
    checkArgument(
        uri.getPath() != null && !uri.getPath().isEmpty(),
        "file repository URI (%s) needs an absolute path, e.g. file:///var/backups/biowerk",
        uri);
    return LocalSink.open(Path.of(URI.create("file://" + uri.getRawPath())));
  }

  @Override
  public String artifact() {
    return "biowerk-dr-core";
  }
}
