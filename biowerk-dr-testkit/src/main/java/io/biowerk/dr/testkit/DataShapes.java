package io.biowerk.dr.testkit;

import io.biowerk.dr.core.codec.EncryptionCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The fixed set of data shapes every codec and sink is tested with: the edge sizes where streaming
 * code breaks (empty, one byte, two bytes, one segment less, exactly, and one more than the
 * encryption segment), plus a megabyte of random bytes, compressible text and a long run of zeros.
 */
public final class DataShapes {

  /** The encryption segment size the boundary shapes straddle. */
  public static final int SEGMENT = EncryptionCodec.DEFAULT_SEGMENT_SIZE;

  /** One named shape; {@link #bytes()} makes its content (the same every time). */
  public record Shape(String name, int size, GeneratedBytes.Kind kind, long seed) {
    public Shape {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(kind, "kind");
      if (size < 0) {
        throw new IllegalArgumentException("size (" + size + ") may not be negative");
      }
    }

    /** The shape's bytes. */
    public byte[] bytes() {
      return GeneratedBytes.of(kind, seed).bytes(size);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  public static final Shape EMPTY = new Shape("empty", 0, GeneratedBytes.Kind.RANDOM, 1);
  public static final Shape ONE_BYTE = new Shape("1 byte", 1, GeneratedBytes.Kind.RANDOM, 2);
  public static final Shape TWO_BYTES = new Shape("2 bytes", 2, GeneratedBytes.Kind.RANDOM, 3);
  public static final Shape SEGMENT_MINUS_ONE =
      new Shape(
          "segment-1 (" + (SEGMENT - 1) + " bytes)", SEGMENT - 1, GeneratedBytes.Kind.RANDOM, 4);
  public static final Shape SEGMENT_EXACT =
      new Shape("segment (" + SEGMENT + " bytes)", SEGMENT, GeneratedBytes.Kind.RANDOM, 5);
  public static final Shape SEGMENT_PLUS_ONE =
      new Shape(
          "segment+1 (" + (SEGMENT + 1) + " bytes)", SEGMENT + 1, GeneratedBytes.Kind.RANDOM, 6);
  public static final Shape RANDOM_1MIB =
      new Shape("1 MiB random", 1 << 20, GeneratedBytes.Kind.RANDOM, 7);
  public static final Shape COMPRESSIBLE =
      new Shape("1 MiB text-like", 1 << 20, GeneratedBytes.Kind.TEXT, 8);
  public static final Shape ZEROS_4MIB =
      new Shape("4 MiB zeros", 4 << 20, GeneratedBytes.Kind.ZEROS, 9);

  private static final List<Shape> ALL =
      List.of(
          EMPTY,
          ONE_BYTE,
          TWO_BYTES,
          SEGMENT_MINUS_ONE,
          SEGMENT_EXACT,
          SEGMENT_PLUS_ONE,
          RANDOM_1MIB,
          COMPRESSIBLE,
          ZEROS_4MIB);

  private DataShapes() {}

  /** Every fixed shape, smallest first. */
  public static List<Shape> all() {
    return ALL;
  }

  /** Every fixed shape, as a stream for {@code @MethodSource}. */
  public static Stream<Shape> shapes() {
    return ALL.stream();
  }

  /**
   * Shapes of {@code boundary - 1}, {@code boundary} and {@code boundary + 1} random bytes, for a
   * size where an implementation changes mode (a multipart upload's part size, a buffer size).
   */
  public static List<Shape> around(String what, int boundary) {
    if (boundary < 1) {
      throw new IllegalArgumentException("boundary (" + boundary + ") must be positive");
    }
    List<Shape> shapes = new ArrayList<>();
    for (int delta = -1; delta <= 1; delta++) {
      shapes.add(
          new Shape(
              what
                  + (delta == 0 ? "" : delta < 0 ? "-1" : "+1")
                  + " ("
                  + (boundary + delta)
                  + " bytes)",
              boundary + delta,
              GeneratedBytes.Kind.RANDOM,
              1000L + boundary + delta));
    }
    return shapes;
  }
}
