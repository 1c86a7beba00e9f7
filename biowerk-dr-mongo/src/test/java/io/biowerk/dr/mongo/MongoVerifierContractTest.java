package io.biowerk.dr.mongo;

import io.biowerk.dr.core.NativeVerifier;
import io.biowerk.dr.testkit.NativeBackup;
import io.biowerk.dr.testkit.NativeVerifierContractTest;
import java.util.List;
import java.util.Map;

/** The native-verifier contract over an archive of ours, plus damage only the CRC-64 can see. */
class MongoVerifierContractTest extends NativeVerifierContractTest {

  @Override
  protected NativeVerifier verifier() {
    return new MongoArchiveVerifier();
  }

  @Override
  protected NativeBackup backup() throws Exception {
    PreludeEntry items = ArchiveFormatTest.entry("shop", "items");
    byte[] archive =
        TestArchives.write(
            List.of(items), Map.of(items.namespace(), ArchiveFormatTest.documents(20, 30)), 7);
    return NativeBackup.of(
        "mongodb", "mongodb", "archive", archive, Map.of("collections", Map.of("shop.items", 20L)));
  }

  @Override
  protected Map<String, byte[]> damaged(byte[] intact) {
    Map<String, byte[]> damaged = super.damaged(intact);
    byte[] flipped = intact.clone();
    // A byte of a padding string near the end of the documents: framing stays valid, the CRC does
    // not.
    flipped[intact.length - 120] ^= 0x01;
    damaged.put("a flipped byte inside a document", flipped);
    return damaged;
  }
}
