package io.biowerk.dr.examples;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.testkit.CodecContractTest;

/** The example codec passes the contract every codec passes (docs/library.md). */
class GzipCodecTest extends CodecContractTest {

  @Override
  protected Codec newCodec() {
    return new GzipCodec();
  }
}
