package io.biowerk.dr.cli;

import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.keys.RecipientFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Chooses whom a new backup's data key is wrapped to: the master key and/or public keys. */
final class Envelopes {
  private Envelopes() {}

  /**
   * The format-2 codec of one new backup: its data key wrapped to the active master key (created on
   * first use, as before; inside the key service when {@code --key-provider} chooses one) and to
   * every recipient in {@code recipientFiles}. With recipient files the master key is added only if
   * one is configured, never created, so a write-only host (no key file) wraps to public keys
   * alone.
   *
   * @throws IOException if a key or recipient file cannot be read
   */
  static EnvelopeCodec forBackup(Environment env, KeyOptions keys, List<String> recipientFiles)
      throws IOException {
    List<Recipient> recipients = new ArrayList<>();
    if (recipientFiles.isEmpty()) {
      recipients.add(keys.activeRecipient(env));
    } else {
      KeyRing ring = keys.ring(env);
      if (!ring.providers().isEmpty()) {
        recipients.add(keys.activeRecipient(env));
      }
      for (String file : recipientFiles) {
        recipients.addAll(RecipientFile.at(env.resolve(file)).recipients());
      }
    }
    return EnvelopeCodec.encryptingTo(recipients);
  }
}
