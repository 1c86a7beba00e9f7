package io.biowerk.dr.core;

import static com.google.common.base.Preconditions.checkArgument;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The repository layout of the DR plan: {@code <source>/<daily|weekly|monthly|wal|oplog>/<file>}
 * with files named {@code <source>_<YYYYMMDD>_<HHMMSS>.<format>.<codec ids...>} in UTC, e.g. {@code
 * postgres/daily/postgres_20240115_020000.dump.zst.enc}.
 */
public final class BackupLayout {

  public static final String DAILY = "daily";
  public static final String WEEKLY = "weekly";
  public static final String MONTHLY = "monthly";
  public static final String WAL = "wal";
  public static final String OPLOG = "oplog";

  /** Tiers a full backup can live in. */
  public static final List<String> BACKUP_TIERS = List.of(DAILY, WEEKLY, MONTHLY);

  /** Folder under a source holding markers of backups being written. */
  public static final String IN_PROGRESS = ".in-progress";

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
  private static final Pattern EXTENSION = Pattern.compile("[a-z0-9]{1,16}");
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneOffset.UTC);

  private BackupLayout() {}

  /**
   * Checks a source name: lower-case letters, digits, {@code -} and {@code _}, at most 63
   * characters.
   *
   * @throws IllegalArgumentException if it is not one
   */
  public static String checkSourceName(String name) {
    checkArgument(
        name != null && NAME.matcher(name).matches(),
        "source name (%s) must be 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit",
        name);
    return name;
  }

  /**
   * The id of a backup of {@code source} started at {@code at}: {@code postgres_20240115_020000}.
   */
  public static String backupId(String source, Instant at) {
    return checkSourceName(source) + "_" + STAMP.format(at);
  }

  /**
   * The data key of a backup: {@code <source>/<tier>/<id>.<format>.<ext...>}.
   *
   * @param extensions the codec ids, in encode order
   */
  public static String dataKey(
      String source, String tier, String id, String format, List<String> extensions) {
    checkSourceName(source);
    checkArgument(NAME.matcher(tier).matches(), "tier (%s) is not a folder name", tier);
    checkArgument(
        EXTENSION.matcher(format).matches(),
        "format (%s) must be 1-16 lower-case letters or digits",
        format);
    StringBuilder key =
        new StringBuilder(source)
            .append('/')
            .append(tier)
            .append('/')
            .append(id)
            .append('.')
            .append(format);
    for (String extension : extensions) {
      checkArgument(
          EXTENSION.matcher(extension).matches(),
          "codec id (%s) is not a file extension",
          extension);
      key.append('.').append(extension);
    }
    return key.toString();
  }

  /** The tier folder of a data key, or an empty string if the key is not in the layout. */
  public static String tierOf(String dataKey) {
    // Called once per backup by retention plans over 100,000s of backups: no split, no array.
    int last = dataKey.lastIndexOf('/');
    if (last <= 0) {
      return "";
    }
    int before = dataKey.lastIndexOf('/', last - 1);
    return before < 0 ? "" : dataKey.substring(before + 1, last);
  }

  /** The same data key moved to another tier folder. */
  public static String inTier(String dataKey, String tier) {
    String[] parts = dataKey.split("/");
    checkArgument(
        parts.length >= 3, "data key (%s) is not in the <source>/<tier>/<file> layout", dataKey);
    parts[parts.length - 2] = tier;
    return String.join("/", parts);
  }

  /**
   * The key of the marker that says a backup of {@code source} with {@code id} is being written.
   */
  public static String inProgressKey(String source, String id) {
    return checkSourceName(source) + "/" + IN_PROGRESS + "/" + id;
  }
}
