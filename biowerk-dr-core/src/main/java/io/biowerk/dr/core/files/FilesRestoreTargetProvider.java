package io.biowerk.dr.core.files;

import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.RestoreTargetProvider;
import java.net.URI;
import java.util.Set;

/** Makes {@link FilesRestoreTarget}s for {@code file:///absolute/path}. */
public final class FilesRestoreTargetProvider implements RestoreTargetProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("file");
  }

  @Override
  public RestoreTarget create(URI uri, boolean force) {
    return FilesRestoreTarget.of(uri, force);
  }

  @Override
  public String artifact() {
    return "biowerk-dr-core";
  }
}
