package io.biowerk.dr.redis;

/**
 * Constants of the RDB format (Redis {@code rdb.h}) and small helpers to name what they mean in
 * messages.
 */
public final class Rdb {

  /** The oldest RDB version this reader parses. */
  public static final int MIN_VERSION = 1;

  /** The newest RDB version this reader parses: 11, written by Redis 7.2. */
  public static final int MAX_VERSION = 11;

  static final int OPCODE_FUNCTION2 = 0xF5;
  static final int OPCODE_FUNCTION_PRE_GA = 0xF6;
  static final int OPCODE_MODULE_AUX = 0xF7;
  static final int OPCODE_IDLE = 0xF8;
  static final int OPCODE_FREQ = 0xF9;
  static final int OPCODE_AUX = 0xFA;
  static final int OPCODE_RESIZEDB = 0xFB;
  static final int OPCODE_EXPIRETIME_MS = 0xFC;
  static final int OPCODE_EXPIRETIME = 0xFD;
  static final int OPCODE_SELECTDB = 0xFE;
  static final int OPCODE_EOF = 0xFF;

  static final int TYPE_STRING = 0;
  static final int TYPE_LIST = 1;
  static final int TYPE_SET = 2;
  static final int TYPE_ZSET = 3;
  static final int TYPE_HASH = 4;
  static final int TYPE_ZSET_2 = 5;
  static final int TYPE_MODULE_PRE_GA = 6;
  static final int TYPE_MODULE_2 = 7;
  static final int TYPE_HASH_ZIPMAP = 9;
  static final int TYPE_LIST_ZIPLIST = 10;
  static final int TYPE_SET_INTSET = 11;
  static final int TYPE_ZSET_ZIPLIST = 12;
  static final int TYPE_HASH_ZIPLIST = 13;
  static final int TYPE_LIST_QUICKLIST = 14;
  static final int TYPE_STREAM_LISTPACKS = 15;
  static final int TYPE_HASH_LISTPACK = 16;
  static final int TYPE_ZSET_LISTPACK = 17;
  static final int TYPE_LIST_QUICKLIST_2 = 18;
  static final int TYPE_STREAM_LISTPACKS_2 = 19;
  static final int TYPE_SET_LISTPACK = 20;
  static final int TYPE_STREAM_LISTPACKS_3 = 21;

  private static final String[] TYPE_NAMES = {
    "string",
    "list",
    "set",
    "zset",
    "hash",
    "zset-skiplist",
    "module-pre-ga",
    "module",
    null,
    "hash-zipmap",
    "list-ziplist",
    "set-intset",
    "zset-ziplist",
    "hash-ziplist",
    "list-quicklist",
    "stream",
    "hash-listpack",
    "zset-listpack",
    "list-quicklist2",
    "stream-v2",
    "set-listpack",
    "stream-v3"
  };

  private static final String MODULE_CHARSET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  private Rdb() {}

  /**
   * A readable name for an RDB value type byte: {@code hash-listpack}, {@code stream-v2}, {@code
   * type-42}.
   */
  public static String typeName(int type) {
    return type >= 0 && type < TYPE_NAMES.length && TYPE_NAMES[type] != null
        ? TYPE_NAMES[type]
        : "type-" + type;
  }

  /** The Redis data type ({@code TYPE} command answer) an RDB value type holds. */
  public static String redisType(int type) {
    return switch (type) {
      case TYPE_STRING -> "string";
      case TYPE_LIST, TYPE_LIST_ZIPLIST, TYPE_LIST_QUICKLIST, TYPE_LIST_QUICKLIST_2 -> "list";
      case TYPE_SET, TYPE_SET_INTSET, TYPE_SET_LISTPACK -> "set";
      case TYPE_ZSET, TYPE_ZSET_2, TYPE_ZSET_ZIPLIST, TYPE_ZSET_LISTPACK -> "zset";
      case TYPE_HASH, TYPE_HASH_ZIPMAP, TYPE_HASH_ZIPLIST, TYPE_HASH_LISTPACK -> "hash";
      case TYPE_STREAM_LISTPACKS, TYPE_STREAM_LISTPACKS_2, TYPE_STREAM_LISTPACKS_3 -> "stream";
      default -> "module";
    };
  }

  /**
   * The 9-character module type name encoded in a 64-bit module id (the top 54 bits, 6 bits a
   * character; the low 10 bits are the encoding version), as Redis' {@code moduleTypeNameByID}
   * decodes it.
   */
  public static String moduleName(long moduleId) {
    char[] name = new char[9];
    long id = moduleId >>> 10;
    for (int j = 8; j >= 0; j--) {
      name[j] = MODULE_CHARSET.charAt((int) (id & 63));
      id >>>= 6;
    }
    return new String(name);
  }

  /**
   * The module id for a 9-character name and encoding version, the inverse of {@link #moduleName}.
   */
  static long moduleIdForTest(String name, int encver) {
    long id = 0;
    for (int j = 0; j < 9; j++) {
      id = (id << 6) | MODULE_CHARSET.indexOf(name.charAt(j));
    }
    return (id << 10) | encver;
  }

  /**
   * The RDB version a Redis server version writes and the newest it reads, or -1 when unknown: 7.0
   * -> 10, 7.2 -> 11, 7.4 -> 12, 5.0 to 6.2 -> 9, 4.0 -> 8, 3.2 -> 7, older -> 6.
   */
  public static int versionOf(String redisVersion) {
    try {
      String[] parts = redisVersion.split("\\.", -1);
      int major = Integer.parseInt(parts[0]);
      int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      if (major >= 8 || (major == 7 && minor >= 4)) {
        return 12;
      }
      if (major == 7) {
        return minor >= 2 ? 11 : 10;
      }
      if (major >= 5) {
        return 9;
      }
      if (major == 4) {
        return 8;
      }
      if (major == 3 && minor >= 2) {
        return 7;
      }
      return 6;
    } catch (RuntimeException e) {
      return -1;
    }
  }
}
