package io.biowerk.dr.keys.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.KeyServices;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link AwsKmsKeys} against real AWS KMS. Tagged {@code live}, which the build excludes by default
 * ({@code test.excludedGroups}), so the default run neither runs nor lists it. Run it with AWS
 * credentials in the default chain ({@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, {@code
 * AWS_PROFILE}, a role), {@code BIOWERK_DR_AWS_KMS_KEY_ID} (a symmetric key the caller may Encrypt
 * and Decrypt with) and a region ({@code BIOWERK_DR_AWS_KMS_REGION}, {@code AWS_REGION} or a key
 * ARN):
 *
 * <pre>
 * mvn verify -pl biowerk-dr-keys-aws-kms -am -Dtest.excludedGroups=slow -Dgroups=live \
 *     -Dtest=AwsKmsLiveTest -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * <p>Without the key id it is skipped, saying what to set.
 */
@Tag("live")
class AwsKmsLiveTest {

  @Test
  void aDataKeyRoundTripsThroughARealKmsKeyAndIsBoundToItsId() throws Exception {
    assumeTrue(
        System.getenv(AwsKmsKeys.KEY_ID) != null,
        "no KMS key configured: set BIOWERK_DR_AWS_KMS_KEY_ID, a region and AWS credentials to"
            + " run this test");
    try (AwsKmsKeys keys = (AwsKmsKeys) KeyServices.open("aws-kms", System::getenv)) {
      KeyRing ring = KeyRing.of(keys);
      String id = ring.activeId();
      Map<String, String> parameters =
          EnvelopeCodec.encryptingTo(
                  List.of(Recipient.wrappingKey(ring.wrappingKey(id).orElseThrow())))
              .parameters();
      byte[] first = EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(parameters), ring);
      byte[] second = EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(parameters), ring);
      assertThat(first).hasSize(32).isEqualTo(second);
      String stanza = parameters.get("wrap." + id);
      // The same blob under another id carries another encryption context: KMS refuses it.
      assertThatThrownBy(() -> keys.wrappingKey(id + "-moved").orElseThrow().unwrap(stanza))
          .isInstanceOfAny(WrongKeyException.class, io.biowerk.dr.core.KeyServiceException.class);
    }
  }
}
