package io.biowerk.dr.core;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A gzip codec for tests only (java.util.zip), deliberately NOT registered in META-INF/services: it
 * stands for a user's own codec passed explicitly to {@link BackupJob}.
 */
final class TestOnlyGzipCodec implements Codec {

  @Override
  public String id() {
    return "gz";
  }

  @Override
  public Map<String, String> parameters() {
    return Map.of();
  }

  @Override
  public WritableByteChannel encode(WritableByteChannel out) throws IOException {
    return Channels.newChannel(new GZIPOutputStream(Channels.newOutputStream(out)));
  }

  @Override
  public ReadableByteChannel decode(ReadableByteChannel in) throws IOException {
    return Channels.newChannel(new GZIPInputStream(Channels.newInputStream(in)));
  }
}
