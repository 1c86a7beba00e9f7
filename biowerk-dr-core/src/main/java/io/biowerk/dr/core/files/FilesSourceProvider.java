package io.biowerk.dr.core.files;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceProvider;
import java.net.URI;
import java.util.Set;

/**
 * Makes {@link FilesSource}s for {@code file:///absolute/dir[?name=config]}. The {@code file}
 * scheme also names the local sink; the two are different SPIs, looked up apart.
 */
public final class FilesSourceProvider implements SourceProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("file");
  }

  @Override
  public Source create(URI uri) {
    return FilesSource.of(uri);
  }

  @Override
  public String artifact() {
    return "biowerk-dr-core";
  }
}
