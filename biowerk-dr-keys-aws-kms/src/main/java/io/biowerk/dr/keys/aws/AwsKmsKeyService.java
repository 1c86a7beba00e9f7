package io.biowerk.dr.keys.aws;

import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyService;
import java.io.IOException;
import java.util.function.Function;

/** The {@code aws-kms} key service: {@link AwsKmsKeys}, data keys wrapped by AWS KMS. */
public final class AwsKmsKeyService implements KeyService {

  @Override
  public String id() {
    return AwsKmsKeys.TYPE;
  }

  @Override
  public KeyProvider open(Function<String, String> settings) throws IOException {
    return AwsKmsKeys.open(settings);
  }
}
