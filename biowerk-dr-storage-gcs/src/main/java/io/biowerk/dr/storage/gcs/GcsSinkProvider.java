package io.biowerk.dr.storage.gcs;

import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkProvider;
import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * Makes {@link GcsSink}s for {@code gs://bucket/prefix?options} repository URIs; the options are
 * those of {@link GcsOptions#fromUri(URI)}. Credentials come from Application Default Credentials
 * ({@code GOOGLE_APPLICATION_CREDENTIALS}, gcloud's application-default login, the metadata
 * server). A cheap factory: the Google client is loaded and built only when {@link #create} is
 * called, so commands that never open a {@code gs://} repository do not pay for it.
 */
public final class GcsSinkProvider implements SinkProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("gs");
  }

  /**
   * Opens the repository, checking that the bucket exists and the credentials may list it.
   *
   * @throws IllegalArgumentException if the URI or an option is malformed
   * @throws io.biowerk.dr.core.StorageException if the bucket is missing, the credentials are
   *     rejected or the service cannot be reached
   */
  @Override
  public Sink create(URI uri) throws IOException {
    return GcsSink.open(GcsOptions.fromUri(uri));
  }

  @Override
  public String artifact() {
    return "biowerk-dr-storage-gcs";
  }
}
