package io.biowerk.dr.core;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Finds codecs by id and composes chains of them. */
public final class Codecs {

  private Codecs() {}

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
            "The backup was written with a codec this installation lacks; install the module that provides it.")
        .create(parameters, keys);
  }

  /**
   * The codecs a manifest's chain names, in encode order.
   *
   * @throws ProviderNotFoundException if one is not available
   */
  public static List<Codec> fromSpecs(List<CodecSpec> specs, KeyRing keys)
      throws ProviderNotFoundException {
    List<Codec> codecs = new ArrayList<>();
    for (CodecSpec spec : specs) {
      codecs.add(byId(spec.id(), spec.parameters(), keys));
    }
    return codecs;
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
