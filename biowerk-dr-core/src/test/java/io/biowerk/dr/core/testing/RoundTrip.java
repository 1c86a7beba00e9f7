package io.biowerk.dr.core.testing;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.codec.ZstdCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The backup-and-restore round trip that core's pipeline and rewrap tests and the key modules'
 * rewrap tests share (shipped in core's test jar): a source of fixed bytes, a restore target that
 * collects what it is given, a key provider holding one master key, and a format-2 backup and its
 * restore. Every method returns something new; nothing is shared between calls.
 */
public final class RoundTrip {
  private RoundTrip() {}

  /**
   * A source named {@code unit} (kind {@code test}, format {@code bin}) whose runs give {@code
   * data}.
   */
  public static Source source(byte[] data) {
    return new Source() {
      @Override
      public String kind() {
        return "test";
      }

      @Override
      public String name() {
        return "unit";
      }

      @Override
      public String format() {
        return "bin";
      }

      @Override
      public SourceStream open() {
        var in = Channels.newChannel(new ByteArrayInputStream(data));
        return new SourceStream() {
          @Override
          public Map<String, Object> facts() {
            return Map.of("size", data.length);
          }

          @Override
          public int read(ByteBuffer dst) throws IOException {
            return in.read(dst);
          }

          @Override
          public boolean isOpen() {
            return in.isOpen();
          }

          @Override
          public void close() throws IOException {
            in.close();
          }
        };
      }
    };
  }

  /** A restore target that appends what a committed restore wrote to {@code out}. */
  public static RestoreTarget collect(ByteArrayOutputStream out) {
    return manifest ->
        new PendingWrite() {
          final ByteArrayOutputStream pending = new ByteArrayOutputStream();

          @Override
          public int write(ByteBuffer src) {
            int n = src.remaining();
            byte[] b = new byte[n];
            src.get(b);
            pending.writeBytes(b);
            return n;
          }

          @Override
          public boolean isOpen() {
            return true;
          }

          @Override
          public void commit() {
            out.writeBytes(pending.toByteArray());
          }

          @Override
          public void abort() {
            pending.reset();
          }
        };
  }

  /** A key provider holding {@code key} alone, as its active key (a key file's stand-in). */
  public static KeyProvider single(MasterKey key) {
    return new KeyProvider() {
      @Override
      public Optional<MasterKey> key(String id) {
        return Optional.ofNullable(key.id().equals(id) ? key : null);
      }

      @Override
      public Optional<String> activeKeyId() {
        return Optional.of(key.id());
      }

      @Override
      public Set<String> keyIds() {
        return Set.of(key.id());
      }

      @Override
      public String toString() {
        return "single key " + key.id();
      }
    };
  }

  /** Backs {@code data} up into {@code sink}: zstd, then format 2 wrapped to {@code recipient}. */
  public static BackupManifest backUp(Sink sink, byte[] data, Recipient recipient)
      throws IOException {
    return BackupJob.of(source(data))
        .codecs(ZstdCodec.defaults(), EnvelopeCodec.encryptingTo(List.of(recipient)))
        .sinks(sink)
        .build()
        .run();
  }

  /** Restores backup {@code manifest} from {@code sink} with the keys of {@code ring}. */
  public static byte[] restore(Sink sink, BackupManifest manifest, KeyRing ring)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RestoreJob.of(sink, manifest, ring, collect(out)).run();
    return out.toByteArray();
  }
}
