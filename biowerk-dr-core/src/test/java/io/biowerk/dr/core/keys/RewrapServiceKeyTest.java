package io.biowerk.dr.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.testing.RoundTrip;
import io.biowerk.dr.core.testing.StubVaultTransit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Rewrap} into a key held by a service and back out of it, with Vault's Transit engine as
 * the service ({@link StubVaultTransit}, a stub: no Vault runs here): backups wrapped to a file's
 * master key move to the Transit key (only manifests written), restore with the Transit key alone,
 * and move back to a master key that then restores them alone. {@code KeysPkcs11CliIT} does the
 * same through the command with a real SoftHSM.
 */
class RewrapServiceKeyTest {

  static final String TOKEN = "hvs.rewrap-stub-7341";
  final byte[] data = "rows of a table\n".repeat(20_000).getBytes(StandardCharsets.UTF_8);
  StubVaultTransit vault;

  @BeforeEach
  void start() throws Exception {
    vault = new StubVaultTransit(TOKEN, "transit-backups");
  }

  @AfterEach
  void stop() {
    vault.close();
  }

  VaultTransitKeys transit() throws IOException {
    Map<String, String> settings = new HashMap<>();
    settings.put(VaultTransitKeys.ADDR, vault.address());
    settings.put(VaultTransitKeys.TOKEN, TOKEN);
    settings.put(VaultTransitKeys.KEY, "transit-backups");
    return VaultTransitKeys.open(settings::get);
  }

  @Test
  void backupsMoveFromAFileKeyIntoTheServiceAndBack() throws Exception {
    MasterKey fileKey = MasterKey.generate("file-2026q3");
    InMemorySink sink = InMemorySink.named("rewrap-service");
    BackupManifest first = backUp(sink, Recipient.masterKey(fileKey));
    BackupManifest second = backUp(sink, Recipient.masterKey(fileKey));
    byte[] dataObject = sink.get(first.dataKey());

    VaultTransitKeys transit = transit();
    KeyRing both = KeyRing.of(transit, RoundTrip.single(fileKey));
    Rewrap.Outcome into =
        Rewrap.of(sink, both, transit.wrappingKey("transit-backups").orElseThrow()).run();
    assertThat(into.rewrapped()).isEqualTo(2);
    assertThat(into.bytesWritten()).isPositive();
    for (BackupManifest m : List.of(first, second)) {
      BackupManifest stored = Manifests.parse(sink.get(m.manifestKey()), m.manifestKey());
      assertThat(Rewrap.keysOf(stored)).containsExactly("transit-backups");
      assertThat(Rewrap.needsRewrap(stored, "transit-backups")).isFalse();
      assertThat(RoundTrip.restore(sink, stored, KeyRing.of(transit))).isEqualTo(data);
      // without the service, the file key alone no longer opens it
      assertThatThrownBy(
              () -> RoundTrip.restore(sink, stored, KeyRing.of(RoundTrip.single(fileKey))))
          .isInstanceOf(KeyNotFoundException.class);
    }
    assertThat(sink.get(first.dataKey())).isEqualTo(dataObject);
    // A second run finds nothing to do.
    assertThat(
            Rewrap.of(sink, both, transit.wrappingKey("transit-backups").orElseThrow())
                .run()
                .rewrapped())
        .isZero();

    MasterKey back = MasterKey.generate("file-2026q4");
    Rewrap.Outcome out = Rewrap.of(sink, KeyRing.of(transit, RoundTrip.single(back)), back).run();
    assertThat(out.rewrapped()).isEqualTo(2);
    for (BackupManifest m : List.of(first, second)) {
      BackupManifest stored = Manifests.parse(sink.get(m.manifestKey()), m.manifestKey());
      assertThat(Rewrap.keysOf(stored)).containsExactly("file-2026q4");
      assertThat(RoundTrip.restore(sink, stored, KeyRing.of(RoundTrip.single(back))))
          .isEqualTo(data);
    }
  }

  @Test
  void aRefusedWrapInTheServiceLeavesTheManifestAsItWas() throws Exception {
    MasterKey fileKey = MasterKey.generate("file-2026q3");
    InMemorySink sink = InMemorySink.named("rewrap-refused");
    BackupManifest m = backUp(sink, Recipient.masterKey(fileKey));
    byte[] before = sink.get(m.manifestKey());
    VaultTransitKeys transit = transit();
    // A Transit key the stub does not hold: Vault answers 404, and nothing is written.
    assertThatThrownBy(
            () ->
                Rewrap.of(
                        sink,
                        KeyRing.of(transit, RoundTrip.single(fileKey)),
                        transit.wrappingKey("no-such-key").orElseThrow())
                    .run())
        .isInstanceOf(io.biowerk.dr.core.KeyServiceException.class)
        .hasMessageContaining("transit/encrypt/no-such-key")
        .hasMessageContaining("encryption key not found")
        .hasMessageContaining("no such Transit key or mount; create the key");
    assertThat(sink.get(m.manifestKey())).isEqualTo(before);
  }

  BackupManifest backUp(InMemorySink sink, Recipient recipient) throws Exception {
    return RoundTrip.backUp(sink, data, recipient);
  }
}
