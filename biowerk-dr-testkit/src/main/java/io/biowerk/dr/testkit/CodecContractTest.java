package io.biowerk.dr.testkit;

import static io.biowerk.dr.testkit.Checks.assertMatches;
import static io.biowerk.dr.testkit.Checks.assertNotBlank;
import static io.biowerk.dr.testkit.Checks.assertThrowsContaining;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.Codecs;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyRing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every {@link Codec} passes: every fixed data shape round-trips under every hostile
 * channel factory; one instance serves interleaved streams; close is idempotent and closes the
 * channel beneath; use after close is {@code IllegalStateException("closed")}; a truncated or
 * garbage stream is an {@link IntegrityException}, and before it only a prefix of the right bytes
 * is delivered; and the codec that {@link Codecs#byId} finds from the id and parameters decodes
 * what this one encodes (which is how a restore finds it).
 *
 * <p>Extend it and implement {@link #newCodec()}; override {@link #keyRing()} if decoding needs
 * keys.
 */
public abstract class CodecContractTest {

  /**
   * The codec under test.
   *
   * @throws Exception if it cannot be made (the test then fails)
   */
  protected abstract Codec newCodec() throws Exception;

  /** The keys a codec found by id decodes with; empty by default. */
  protected KeyRing keyRing() throws Exception {
    return KeyRing.empty();
  }

  /** Every fixed data shape under every hostile channel factory. */
  static Stream<Arguments> shapesAndChannels() {
    return DataShapes.shapes()
        .flatMap(
            shape ->
                Arrays.stream(HostileChannels.values())
                    .map(channels -> Arguments.of(shape, channels)));
  }

  /** Encodes {@code data} with {@code codec}, feeding and draining in {@code channels}' style. */
  protected static byte[] encode(Codec codec, byte[] data, HostileChannels channels)
      throws IOException {
    MemoryChannels.Collector stored = MemoryChannels.collector();
    WritableByteChannel encoder = codec.encode(channels.writable(stored));
    channels.writeAll(encoder, data);
    encoder.close();
    assertFalse(stored.isOpen(), "the encoder's close() closes the channel it writes to");
    return stored.toByteArray();
  }

  /** Decodes {@code encoded} with {@code codec}, reading in {@code channels}' style. */
  protected static byte[] decode(Codec codec, byte[] encoded, HostileChannels channels)
      throws IOException {
    MemoryChannels.ReadableBytes in = MemoryChannels.readable(encoded);
    try (ReadableByteChannel decoder = codec.decode(channels.readable(in))) {
      return channels.readAll(decoder);
    }
  }

  private static void assertSameBytes(byte[] actual, byte[] expected, String what) {
    int mismatch = Arrays.mismatch(actual, expected);
    assertEquals(
        -1,
        mismatch,
        () ->
            what
                + ": "
                + actual.length
                + " bytes decoded, "
                + expected.length
                + " encoded; first difference at index "
                + mismatch);
  }

  /**
   * Decodes damaged input to its end and asserts it fails with an {@link IntegrityException} (from
   * {@code decode} or from a {@code read}) and that what was delivered before is a prefix of {@code
   * original}.
   */
  protected static IntegrityException assertDamageDetected(
      Codec codec, byte[] damaged, byte[] original, HostileChannels channels, String what) {
    ByteArrayOutputStream delivered = new ByteArrayOutputStream();
    try (ReadableByteChannel decoder =
        codec.decode(channels.readable(MemoryChannels.readable(damaged)))) {
      channels.readAll(decoder, delivered);
    } catch (IntegrityException e) {
      byte[] got = delivered.toByteArray();
      assertTrue(
          got.length <= original.length,
          () ->
              what
                  + ": "
                  + got.length
                  + " bytes delivered before the failure, more than the "
                  + original.length
                  + " original bytes");
      assertSameBytes(
          got, Arrays.copyOf(original, got.length), what + ": bytes delivered before the failure");
      return e;
    } catch (IOException | RuntimeException e) {
      throw new AssertionError(what + ": expected an IntegrityException but got " + e, e);
    }
    return fail(
        what
            + ": "
            + damaged.length
            + " damaged bytes decoded without an IntegrityException ("
            + delivered.size()
            + " bytes delivered)");
  }

  @ParameterizedTest(name = "{0} via {1}")
  @MethodSource("shapesAndChannels")
  void everyShapeRoundTripsUnderEveryChannelFactory(
      DataShapes.Shape shape, HostileChannels channels) throws Exception {
    Codec codec = newCodec();
    byte[] data = shape.bytes();
    byte[] encoded = encode(codec, data, channels);
    assertSameBytes(decode(codec, encoded, channels), data, shape + " via " + channels);
  }

  @Test
  void encodingAndDecodingStylesMix() throws Exception {
    // Not a requirement of every codec (encryption is randomised), but decoding must not care how
    // the encoder
    // was fed: an encoding made one byte at a time decodes with direct buffers and vice versa.
    Codec codec = newCodec();
    byte[] data = DataShapes.SEGMENT_PLUS_ONE.bytes();
    assertSameBytes(
        decode(codec, encode(codec, data, HostileChannels.ONE_BYTE), HostileChannels.DIRECT),
        data,
        "encoded one byte at a time, decoded with direct buffers");
    assertSameBytes(
        decode(codec, encode(codec, data, HostileChannels.DIRECT), HostileChannels.ONE_BYTE),
        data,
        "encoded with direct buffers, decoded one byte at a time");
  }

  @Test
  void oneInstanceServesInterleavedStreams() throws Exception {
    Codec codec = newCodec();
    byte[] a = DataShapes.RANDOM_1MIB.bytes();
    byte[] b = DataShapes.COMPRESSIBLE.bytes();
    MemoryChannels.Collector storedA = MemoryChannels.collector();
    MemoryChannels.Collector storedB = MemoryChannels.collector();
    WritableByteChannel encoderA = codec.encode(storedA);
    WritableByteChannel encoderB = codec.encode(storedB);
    int chunk = 10_000;
    for (int at = 0; at < Math.max(a.length, b.length); at += chunk) {
      if (at < a.length) {
        encoderA.write(ByteBuffer.wrap(a, at, Math.min(chunk, a.length - at)));
      }
      if (at < b.length) {
        encoderB.write(ByteBuffer.wrap(b, at, Math.min(chunk, b.length - at)));
      }
    }
    encoderB.close();
    encoderA.close();
    ReadableByteChannel decoderA = codec.decode(MemoryChannels.readable(storedA.toByteArray()));
    ReadableByteChannel decoderB = codec.decode(MemoryChannels.readable(storedB.toByteArray()));
    ByteArrayOutputStream outA = new ByteArrayOutputStream();
    ByteArrayOutputStream outB = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(7_777);
    boolean endA = false;
    boolean endB = false;
    while (!endA || !endB) {
      if (!endA) {
        endA = readSome(decoderA, buffer, outA);
      }
      if (!endB) {
        endB = readSome(decoderB, buffer, outB);
      }
    }
    decoderA.close();
    decoderB.close();
    assertSameBytes(outA.toByteArray(), a, "stream A");
    assertSameBytes(outB.toByteArray(), b, "stream B");
  }

  private static boolean readSome(
      ReadableByteChannel in, ByteBuffer buffer, ByteArrayOutputStream out) throws IOException {
    buffer.clear();
    int n = in.read(buffer);
    if (n < 0) {
      return true;
    }
    out.write(buffer.array(), buffer.arrayOffset(), n);
    return false;
  }

  @Test
  void encoderCloseIsIdempotentAndClosesTheChannelBeneathOnce() throws Exception {
    MemoryChannels.Collector stored = MemoryChannels.collector();
    WritableByteChannel encoder = newCodec().encode(stored);
    encoder.write(ByteBuffer.wrap(DataShapes.TWO_BYTES.bytes()));
    encoder.close();
    long size = stored.size();
    encoder.close();
    assertFalse(encoder.isOpen(), "the encoder's isOpen() after close");
    assertEquals(1, stored.closes(), "closes of the channel beneath the encoder");
    assertEquals(size, stored.size(), "a second close writes nothing more");
  }

  @Test
  void decoderCloseIsIdempotentAndClosesTheChannelBeneath() throws Exception {
    Codec codec = newCodec();
    byte[] encoded = encode(codec, DataShapes.SEGMENT_PLUS_ONE.bytes(), HostileChannels.HEAP);
    MemoryChannels.ReadableBytes in = MemoryChannels.readable(encoded);
    ReadableByteChannel decoder = codec.decode(in);
    decoder.read(ByteBuffer.allocate(100));
    decoder.close();
    decoder.close();
    assertFalse(decoder.isOpen(), "the decoder's isOpen() after close");
    assertFalse(in.isOpen(), "the decoder's close() closes the channel it reads");
  }

  @Test
  void writingAfterCloseThrowsIllegalStateException() throws Exception {
    WritableByteChannel encoder = newCodec().encode(MemoryChannels.collector());
    encoder.close();
    assertThrowsContaining(
        IllegalStateException.class,
        () -> encoder.write(ByteBuffer.wrap(new byte[] {1})),
        "closed",
        "writing to a closed encoder");
  }

  @Test
  void readingAfterCloseThrowsIllegalStateException() throws Exception {
    Codec codec = newCodec();
    ReadableByteChannel decoder =
        codec.decode(MemoryChannels.readable(encode(codec, new byte[10], HostileChannels.HEAP)));
    decoder.close();
    assertThrowsContaining(
        IllegalStateException.class,
        () -> decoder.read(ByteBuffer.allocate(10)),
        "closed",
        "reading from a closed decoder");
  }

  @Test
  void readingPastTheEndKeepsReturningMinusOne() throws Exception {
    Codec codec = newCodec();
    byte[] data = DataShapes.TWO_BYTES.bytes();
    try (ReadableByteChannel decoder =
        codec.decode(MemoryChannels.readable(encode(codec, data, HostileChannels.HEAP)))) {
      assertArrayEquals(data, HostileChannels.HEAP.readAll(decoder), "the decoded bytes");
      assertEquals(-1, decoder.read(ByteBuffer.allocate(10)), "a read past the end");
      assertEquals(-1, decoder.read(ByteBuffer.allocate(10)), "a second read past the end");
    }
  }

  @Test
  void aTruncatedStreamIsAnIntegrityException() throws Exception {
    Codec codec = newCodec();
    for (DataShapes.Shape shape :
        new DataShapes.Shape[] {
          DataShapes.EMPTY, DataShapes.SEGMENT_PLUS_ONE, DataShapes.COMPRESSIBLE
        }) {
      byte[] data = shape.bytes();
      byte[] encoded = encode(codec, data, HostileChannels.HEAP);
      for (int length :
          new int[] {0, 1, encoded.length / 3, encoded.length / 2, encoded.length - 1}) {
        if (length < encoded.length) {
          IntegrityException e =
              assertDamageDetected(
                  codec,
                  Arrays.copyOf(encoded, length),
                  data,
                  HostileChannels.RANDOM_SHORT,
                  shape + " truncated to " + length + " of " + encoded.length + " bytes");
          assertNotBlank(e.getMessage(), "the message says what failed");
        }
      }
    }
  }

  @Test
  void garbageIsAnIntegrityException() throws Exception {
    Codec codec = newCodec();
    byte[] garbage = GeneratedBytes.of(GeneratedBytes.Kind.RANDOM, 99).bytes(4096);
    assertDamageDetected(
        codec, garbage, new byte[0], HostileChannels.HEAP, "4 KiB of random bytes");
  }

  @Test
  void theCodecFoundByItsIdDecodesWhatThisOneEncodes() throws Exception {
    Codec codec = newCodec();
    assertMatches("[a-z0-9]{1,16}", codec.id(), "the codec's id");
    Map<String, String> parameters = codec.parameters();
    assertNotNull(parameters, "the codec's parameters");
    Codec found = Codecs.byId(codec.id(), parameters, keyRing());
    assertEquals(codec.id(), found.id(), "the id of the codec found by id");
    byte[] data = DataShapes.COMPRESSIBLE.bytes();
    assertSameBytes(
        decode(found, encode(codec, data, HostileChannels.HEAP), HostileChannels.HEAP),
        data,
        "decoded by the codec found for id " + codec.id());
  }
}
