package io.biowerk.dr.core;

import io.biowerk.dr.core.codec.EncryptionCodec;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Finds codecs by id and composes chains of them. */
public final class Codecs {

  private Codecs() {}

  /**
   * The id of the key a chain encrypts with, for the manifest: an {@link EncryptionCodec}'s key, or
   * the {@code key-id} parameter of another encrypting codec; empty when nothing in the chain
   * encrypts.
   */
  public static Optional<String> keyId(List<? extends Codec> chain) {
    for (Codec codec : chain) {
      if (codec instanceof EncryptionCodec encryption) {
        return Optional.of(encryption.keyId());
      }
      String id = codec.parameters().get("key-id");
      if (id != null) {
        return Optional.of(id);
      }
    }
    return Optional.empty();
  }

  /**
   * The codec with {@code id}, made with {@code parameters}.
   *
   * @throws ProviderNotFoundException if no provider makes it; the message lists the ids found
   */
  public static Codec byId(String id, Map<String, String> parameters, KeyRing keys)
      throws ProviderNotFoundException {
    return Providers.find(
            CodecProvider.class,
            id,
            p -> Set.of(p.id()),
            "codec with id",
            "The backup was written with a codec this installation lacks; install the module that provides"
                + " it, or, for a codec passed explicitly to BackupJob, pass the same codec to"
                + " RestoreJob.codecs or Verifier.verify.")
        .create(parameters, keys);
  }

  /**
   * The codecs a manifest's chain names, in encode order.
   *
   * @throws ProviderNotFoundException if one is not available
   */
  public static List<Codec> fromSpecs(List<CodecSpec> specs, KeyRing keys)
      throws ProviderNotFoundException {
    return fromSpecs(specs, keys, List.of());
  }

  /**
   * The codecs a manifest's chain names, in encode order: a codec of {@code explicit} with the
   * spec's id is used as it is (it reads what it wrote, whatever parameters the manifest recorded),
   * and only the other ids are looked up through {@link CodecProvider}.
   *
   * @param explicit codecs given by the caller, typically the ones passed to {@link
   *     BackupJob.Builder#codecs}; may be empty
   * @throws ProviderNotFoundException if a codec is neither in {@code explicit} nor available
   */
  public static List<Codec> fromSpecs(
      List<CodecSpec> specs, KeyRing keys, List<? extends Codec> explicit)
      throws ProviderNotFoundException {
    List<Codec> codecs = new ArrayList<>();
    for (CodecSpec spec : specs) {
      Codec given =
          explicit.stream().filter(c -> c.id().equals(spec.id())).findFirst().orElse(null);
      codecs.add(given != null ? given : byId(spec.id(), spec.parameters(), keys));
    }
    return codecs;
  }

  /** Whether a {@link CodecProvider} on the class path makes the codec with {@code id}. */
  public static boolean available(String id) {
    return ids().contains(id);
  }

  /**
   * A channel that encodes through {@code chain} (first codec applied first) into {@code out}. The
   * returned channel owns {@code out}: closing it finishes every codec's stream and closes {@code
   * out}.
   *
   * @throws IOException if a codec cannot start
   */
  public static WritableByteChannel encode(List<Codec> chain, WritableByteChannel out)
      throws IOException {
    WritableByteChannel channel = out;
    for (int i = chain.size() - 1; i >= 0; i--) {
      channel = chain.get(i).encode(channel);
    }
    return channel;
  }

  /**
   * A channel that decodes {@code in} through the reverse of {@code chain}. The returned channel
   * owns {@code in}.
   *
   * @throws IOException if a codec's header is unreadable or its key is missing
   */
  public static ReadableByteChannel decode(List<Codec> chain, ReadableByteChannel in)
      throws IOException {
    ReadableByteChannel channel = in;
    for (int i = chain.size() - 1; i >= 0; i--) {
      channel = chain.get(i).decode(channel);
    }
    return channel;
  }

  /** Every codec id on the class path. */
  public static List<String> ids() {
    return Providers.load(CodecProvider.class).stream().map(CodecProvider::id).sorted().toList();
  }
}
