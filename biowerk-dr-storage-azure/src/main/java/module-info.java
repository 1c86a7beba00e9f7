/**
 * BIOwerk DR Azure Blob storage: a {@link io.biowerk.dr.core.Sink} for {@code
 * azure://account/container/prefix} repositories on the Azure SDK for Java, and a generator of the
 * storage account's lifecycle management policy for the DR plan.
 */
module io.biowerk.dr.storage.azure {
  requires transitive io.biowerk.dr.core;
  requires transitive com.azure.storage.blob;
  requires transitive com.azure.storage.common;
  requires transitive com.azure.core;
  requires com.azure.identity;
  requires com.google.common;
  requires org.slf4j;

  exports io.biowerk.dr.storage.azure;

  provides io.biowerk.dr.core.SinkProvider with
      io.biowerk.dr.storage.azure.AzureSinkProvider;
}
