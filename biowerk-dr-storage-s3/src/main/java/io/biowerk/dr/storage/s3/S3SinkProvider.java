package io.biowerk.dr.storage.s3;

import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkProvider;
import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * Makes {@link S3Sink}s for {@code s3://bucket/prefix?options} repository URIs; the options are
 * those of {@link S3Options#fromUri(URI)}. Credentials, and region and endpoint when the URI leaves
 * them out, come from the SDK's usual places ({@code AWS_ACCESS_KEY_ID}, {@code AWS_REGION}, {@code
 * AWS_ENDPOINT_URL_S3}, {@code AWS_PROFILE}, {@code ~/.aws/config}, instance and container roles).
 */
public final class S3SinkProvider implements SinkProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("s3");
  }

  /**
   * Opens the repository, checking that the bucket exists and the credentials may list it.
   *
   * @throws IllegalArgumentException if the URI or an option is malformed
   * @throws io.biowerk.dr.core.StorageException if the bucket is missing, the credentials are
   *     rejected or the endpoint cannot be reached
   */
  @Override
  public Sink create(URI uri) throws IOException {
    return S3Sink.open(S3Options.fromUri(uri));
  }

  @Override
  public String artifact() {
    return "biowerk-dr-storage-s3";
  }
}
