package io.biowerk.dr.storage.azure;

import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkProvider;
import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * Makes {@link AzureSink}s for {@code azure://account/container/prefix?options} repository URIs;
 * the options are those of {@link AzureOptions#fromUri(URI, java.util.Map)}. Credentials come from
 * the environment, in the order of the Azure CLI: {@code AZURE_STORAGE_CONNECTION_STRING}, {@code
 * AZURE_STORAGE_KEY}, {@code AZURE_STORAGE_SAS_TOKEN}, then {@code DefaultAzureCredential} (service
 * principal variables, workload or managed identity, {@code az login}).
 */
public final class AzureSinkProvider implements SinkProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("azure");
  }

  /**
   * Opens the repository, checking that the container exists and the credentials may list it.
   *
   * @throws IllegalArgumentException if the URI or an option is malformed
   * @throws io.biowerk.dr.core.StorageException if the container is missing, the credentials are
   *     rejected or the endpoint cannot be reached
   */
  @Override
  public Sink create(URI uri) throws IOException {
    return AzureSink.open(AzureOptions.fromUri(uri));
  }

  @Override
  public String artifact() {
    return "biowerk-dr-storage-azure";
  }
}
