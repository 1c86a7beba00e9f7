/**
 * BIOwerk DR Google Cloud Storage: a {@link io.biowerk.dr.core.Sink} for {@code gs://bucket/prefix}
 * repositories on the google-cloud-storage client, and a generator of the bucket lifecycle rules of
 * a retention policy.
 *
 * <p>The Google client jars carry no module descriptors and no Automatic-Module-Name (except
 * google-http-client and api-common), so they are required by the automatic module names the JDK
 * derives from their file names. This descriptor compiles, but the client's jars cannot all be
 * resolved as modules at run time: they split packages ({@code com.google.storage.v2} in gapic- and
 * grpc-google-cloud-storage-v2, {@code javax.annotation} in jsr305 and javax.annotation-api). Run
 * this module on the class path, as the command's shaded jar does.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.biowerk.dr.storage.gcs {
  requires transitive io.biowerk.dr.core;
  requires transitive google.cloud.storage;
  requires transitive google.cloud.core;
  requires google.cloud.core.http;
  requires gax;
  requires com.google.api.client;
  requires com.google.auth.oauth2;
  requires com.google.auth;
  requires com.google.api.apicommon;
  requires com.google.common;
  requires org.slf4j;

  exports io.biowerk.dr.storage.gcs;

  provides io.biowerk.dr.core.SinkProvider with
      io.biowerk.dr.storage.gcs.GcsSinkProvider;
}
