package io.biowerk.dr.core;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Map;

/**
 * A reversible transform of a byte stream: compression ({@code zst}) or encryption ({@code enc}).
 *
 * <p>A codec is stateless: per-stream state lives in the channels it returns, so one instance is
 * reusable and thread-safe. Its {@link #id()} is the file-name extension it adds and the name
 * recorded in the manifest; at restore time the codec is found again by that id through {@link
 * CodecProvider}.
 */
public interface Codec {

  /** The id and file-name extension: {@code zst}, {@code enc}. */
  String id();

  /** Parameters recorded in the manifest (level, key id, segment size); never secrets. */
  Map<String, String> parameters();

  /**
   * Returns a channel that encodes what is written to it into {@code out}. The returned channel
   * owns {@code out}: its {@code close()} finishes the encoded stream, then closes {@code out}.
   *
   * @throws IOException if the encoder cannot start (no key, header write failed)
   */
  WritableByteChannel encode(WritableByteChannel out) throws IOException;

  /**
   * Returns a channel that reads the decoded form of {@code in}. The returned channel owns {@code
   * in}: its {@code close()} closes {@code in}. Damage is reported as an {@link IntegrityException}
   * from {@code read}.
   *
   * @throws IOException if the encoded stream's header is unreadable or names a key that cannot be
   *     found
   */
  ReadableByteChannel decode(ReadableByteChannel in) throws IOException;
}
