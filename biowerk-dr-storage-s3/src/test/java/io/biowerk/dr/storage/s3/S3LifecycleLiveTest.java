package io.biowerk.dr.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.retention.RetentionPolicies;
import io.biowerk.dr.core.retention.StorageTiering;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.TransitionStorageClass;

/**
 * Installs the DR plan's lifecycle rules on a real bucket and reads them back (S3Proxy answers
 * 501). The bucket's own configuration is put back afterwards (or removed if it had none). Tagged
 * {@code live}; needs AWS credentials and {@code BIOWERK_DR_S3_LIVE_BUCKET}, see {@link
 * S3SinkLiveTest}.
 */
@Tag("live")
class S3LifecycleLiveTest {

  @Test
  void drPlanRulesAreInstalledAsBuilt() throws Exception {
    String bucket = S3SinkLiveTest.liveBucket();
    try (S3Client client = S3Client.create()) {
      List<LifecycleRule> before = null;
      try {
        before = client.getBucketLifecycleConfiguration(r -> r.bucket(bucket)).rules();
      } catch (S3Exception e) {
        if (e.statusCode() != 404) {
          throw e;
        }
      }
      S3LifecycleRules rules =
          S3LifecycleRules.forTiering(
              "biowerk-live-test",
              StorageTiering.forSources(List.of("orders"), RetentionPolicies.plan(), 90, 365),
              TransitionStorageClass.GLACIER);
      try {
        rules.install(client, bucket);
        assertThat(client.getBucketLifecycleConfiguration(r -> r.bucket(bucket)).rules())
            .containsExactlyInAnyOrderElementsOf(rules.rules());
      } finally {
        List<LifecycleRule> previous = before;
        if (previous == null) {
          client.deleteBucketLifecycle(r -> r.bucket(bucket));
        } else {
          client.putBucketLifecycleConfiguration(
              r -> r.bucket(bucket).lifecycleConfiguration(c -> c.rules(previous)));
        }
      }
    }
  }
}
