package io.biowerk.dr.postgres;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * WAL positions and segment names as PostgreSQL writes them: an LSN {@code 0/3000060} (two hex
 * halves of a 64-bit byte position), and a segment name {@code TTTTTTTTXXXXXXXXYYYYYYYY} (timeline,
 * then the segment number split in "log" and "segment in log" for the server's segment size).
 */
final class PgWal {

  /** The default (and initdb's) WAL segment size. */
  static final long DEFAULT_SEGMENT_SIZE = 16L << 20;

  private static final Pattern LSN = Pattern.compile("([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})");
  private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");
  private static final Pattern HISTORY = Pattern.compile("[0-9A-F]{8}\\.history");
  private static final Pattern BACKUP_HISTORY =
      Pattern.compile("[0-9A-F]{24}\\.[0-9A-F]{8}\\.backup");
  private static final Pattern PARTIAL = Pattern.compile("[0-9A-F]{24}\\.partial");
  private static final Pattern PARTIAL_PIECE =
      Pattern.compile("[0-9A-F]{24}\\.partial\\.[0-9a-f]{8}-[0-9a-f]{8}");

  private PgWal() {}

  /** Parses an LSN ({@code 0/3000060}). */
  static long lsn(String text) {
    Matcher m = LSN.matcher(text.strip());
    checkArgument(
        m.matches(),
        "postgresql: '%s' is not a WAL position (LSN), which looks like 0/3000060",
        text);
    return (Long.parseLong(m.group(1), 16) << 32) | Long.parseLong(m.group(2), 16);
  }

  /** Formats an LSN. */
  static String lsn(long value) {
    return String.format(Locale.ROOT, "%X/%X", value >>> 32, value & 0xFFFFFFFFL);
  }

  /** Whether {@code name} is a full WAL segment's name. */
  static boolean isSegment(String name) {
    return SEGMENT.matcher(name).matches();
  }

  /**
   * Whether {@code name} is any file PostgreSQL archives (segment, history, backup history,
   * partial).
   */
  static boolean isArchivable(String name) {
    return isSegment(name)
        || HISTORY.matcher(name).matches()
        || BACKUP_HISTORY.matcher(name).matches()
        || PARTIAL.matcher(name).matches();
  }

  /** Whether {@code name} is a receiver's partial segment ({@code <segment>.partial}). */
  static boolean isPartial(String name) {
    return PARTIAL.matcher(name).matches();
  }

  /**
   * Whether {@code name} is a piece of a receiver's partial segment ({@code
   * <segment>.partial.<from>-<to>}, see {@link io.biowerk.dr.core.log.LogArchive#storePiece}).
   */
  static boolean isPartialPiece(String name) {
    return PARTIAL_PIECE.matcher(name).matches();
  }

  /** Whether {@code name} is a timeline history file ({@code 00000002.history}). */
  static boolean isHistory(String name) {
    return HISTORY.matcher(name).matches();
  }

  /** The timeline of a segment name. */
  static int timeline(String segment) {
    return Integer.parseUnsignedInt(segment.substring(0, 8), 16);
  }

  /** The segment number of a segment name. */
  static long segmentNumber(String segment, long segmentSize) {
    long perLog = 0x100000000L / segmentSize;
    return Long.parseLong(segment.substring(8, 16), 16) * perLog
        + Long.parseLong(segment.substring(16, 24), 16);
  }

  /** The name of segment {@code number} on {@code timeline}. */
  static String segmentName(int timeline, long number, long segmentSize) {
    long perLog = 0x100000000L / segmentSize;
    return String.format(Locale.ROOT, "%08X%08X%08X", timeline, number / perLog, number % perLog);
  }

  /** The segment holding byte {@code lsn}. */
  static String segmentOf(int timeline, long lsn, long segmentSize) {
    return segmentName(timeline, lsn / segmentSize, segmentSize);
  }

  /**
   * The segment holding the byte just before {@code lsn} (where a backup that stopped at it ends).
   */
  static String segmentBefore(int timeline, long lsn, long segmentSize) {
    return segmentName(timeline, (lsn - 1) / segmentSize, segmentSize);
  }

  /** The first LSN of a segment. */
  static long startOf(String segment, long segmentSize) {
    return segmentNumber(segment, segmentSize) * segmentSize;
  }

  /** A timeline as the 8 hex digits of file names. */
  static String timelineHex(int timeline) {
    return HexFormat.of().withUpperCase().toHexDigits(timeline);
  }
}
