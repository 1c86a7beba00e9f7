package io.biowerk.dr.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** Loads varied data into a test server and compares two servers key by key. */
final class Datasets {

  static final String LIBRARY =
      "#!lua name=mylib\n redis.register_function('f', function() return 1 end)";

  private Datasets() {}

  /** Pipelines commands in batches; every reply must not be an error. */
  static final class Loader implements AutoCloseable {
    private final RespConnection c;
    private int queued;

    Loader(RespConnection c) {
      this.c = c;
    }

    void cmd(Object... args) throws IOException {
      c.send(args);
      if (++queued == 5000) {
        drain();
      }
    }

    void drain() throws IOException {
      c.flush();
      for (; queued > 0; queued--) {
        Object reply = c.read();
        assertThat(reply)
            .as("reply to a load command")
            .isNotInstanceOf(RespConnection.ErrorReply.class);
      }
    }

    @Override
    public void close() throws IOException {
      drain();
      c.close();
    }
  }

  /**
   * Every type and encoding, TTLs, three databases, a function library, a stream with groups and
   * PEL.
   */
  static void loadVaried(RedisServers.Server server, int smallKeys, int bigValueBytes)
      throws IOException {
    Random random = new Random(42);
    try (Loader l = new Loader(server.connect())) {
      l.cmd("FUNCTION", "LOAD", LIBRARY);
      l.cmd("SELECT", 0);
      for (int i = 0; i < smallKeys; i++) {
        if (i % 3 == 0) {
          l.cmd("SET", "k:" + i, Integer.toString(i)); // int encoding
        } else {
          l.cmd("SET", "k:" + i, "value-" + i);
        }
      }
      for (int i = 0; i < 1000; i++) {
        l.cmd("SET", "ttl:" + i, "v" + i, "PX", 3_600_000 + i);
      }
      byte[] big = new byte[bigValueBytes];
      random.nextBytes(big);
      l.cmd("SET", "big:random", big);
      byte[] text = new byte[bigValueBytes];
      for (int i = 0; i < text.length; i++) {
        text[i] = (byte) ('a' + (i % 7));
      }
      l.cmd("SET", "big:compressible", text);
      l.cmd("SET", "raw:long", "x".repeat(100));
      l.cmd("SET", "int:neg", "-123456789");
      l.cmd("SET", "int:large", "9223372036854775807");
      // lists: one listpack node, many nodes, a big element
      l.cmd("RPUSH", "list:small", "a", "b", "1", "2");
      List<Object> args = new ArrayList<>(List.of("RPUSH", "list:big"));
      for (int i = 0; i < 20_000; i++) {
        args.add("item-" + i);
      }
      l.cmd(args.toArray());
      l.cmd("RPUSH", "list:fat", "y".repeat(20_000), "z");
      // sets: intset, hashtable of ints, hashtable of strings
      l.cmd("SADD", "set:intset", "1", "2", "3", "-5", "100000", "5000000000");
      args = new ArrayList<>(List.of("SADD", "set:bigint"));
      for (int i = 0; i < 1000; i++) {
        args.add(Integer.toString(i * 7));
      }
      l.cmd(args.toArray());
      l.cmd("SADD", "set:strings", "alpha", "beta", "gamma");
      // sorted sets: listpack and skiplist
      l.cmd("ZADD", "zset:small", "1", "one", "2.5", "two", "-3", "three");
      args = new ArrayList<>(List.of("ZADD", "zset:big"));
      for (int i = 0; i < 1000; i++) {
        args.add(Double.toString(i * 1.5));
        args.add("member-" + i);
      }
      l.cmd(args.toArray());
      l.cmd("ZADD", "zset:inf", "inf", "top", "-inf", "bottom", "0", "zero");
      // hashes: listpack and hashtable (by size and by value length)
      l.cmd("HSET", "hash:small", "f1", "v1", "f2", "2", "f3", "v3");
      args = new ArrayList<>(List.of("HSET", "hash:big"));
      for (int i = 0; i < 1000; i++) {
        args.add("field-" + i);
        args.add("value-" + i);
      }
      l.cmd(args.toArray());
      l.cmd("HSET", "hash:longvalue", "f", "v".repeat(200));
      l.cmd("PEXPIRE", "hash:small", 7_200_000);
      // streams: entries, deletions, two groups, pending entries, consumers
      for (int i = 0; i < 500; i++) {
        l.cmd("XADD", "stream:s", "*", "n", Integer.toString(i), "name", "entry-" + i);
      }
      l.cmd("XGROUP", "CREATE", "stream:s", "g1", "0");
      l.cmd("XGROUP", "CREATE", "stream:s", "g2", "$");
      l.cmd("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "10", "STREAMS", "stream:s", ">");
      l.cmd("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "5", "STREAMS", "stream:s", ">");
      l.cmd("XADD", "stream:empty", "MAXLEN", "0", "*", "a", "b");
      l.drain();
      // ack a few, delete a few, so PEL and tombstones are both present
      List<?> entries = (List<?>) l.c.callOk("XRANGE", "stream:s", "-", "+", "COUNT", "3");
      for (Object entry : entries) {
        Object id = ((List<?>) entry).get(0);
        l.cmd("XACK", "stream:s", "g1", id);
      }
      l.cmd("XDEL", "stream:s", ((List<?>) entries.get(0)).get(0));
      // other databases
      l.cmd("SELECT", 1);
      for (int i = 0; i < 100; i++) {
        l.cmd("SET", "db1:" + i, "v" + i, "EX", 100_000);
      }
      l.cmd("HSET", "db1:hash", "a", "1");
      l.cmd("SELECT", 5);
      l.cmd("SADD", "db5:set", "x", "y");
      l.cmd("LPUSH", "db5:list", "1");
    }
  }

  /**
   * Asserts that {@code b} holds exactly {@code a}'s keys, with the same types, values, TTLs and
   * functions.
   */
  static void assertSameData(RedisServers.Server a, RedisServers.Server b) throws IOException {
    try (RespConnection ca = a.connect();
        RespConnection cb = b.connect()) {
      Map<Integer, Long> keyspace = ca.keyspace();
      assertThat(cb.keyspace()).as("keys per database").isEqualTo(keyspace);
      assertThat((byte[]) cb.call("FUNCTION", "DUMP"))
          .as("function libraries")
          .isEqualTo((byte[]) ca.call("FUNCTION", "DUMP"));
      long compared = 0;
      for (int db : keyspace.keySet()) {
        ca.callOk("SELECT", db);
        cb.callOk("SELECT", db);
        String cursor = "0";
        do {
          List<?> page = (List<?>) ca.callOk("SCAN", cursor, "COUNT", 2000);
          cursor = RespConnection.text(page.get(0));
          List<?> keys = (List<?>) page.get(1);
          for (Object key : keys) {
            ca.send("DUMP", key);
            ca.send("PTTL", key);
            ca.send("OBJECT", "ENCODING", key);
            cb.send("DUMP", key);
            cb.send("PTTL", key);
            cb.send("OBJECT", "ENCODING", key);
          }
          ca.flush();
          cb.flush();
          List<Object[]> replies = new ArrayList<>();
          for (int i = 0; i < keys.size(); i++) {
            replies.add(
                new Object[] {ca.read(), ca.read(), ca.read(), cb.read(), cb.read(), cb.read()});
          }
          // All pipelined replies are in: now single commands may follow on the same connections.
          for (int i = 0; i < keys.size(); i++) {
            Object key = keys.get(i);
            Object[] r = replies.get(i);
            String name = RespConnection.text(key);
            byte[] dumpA = (byte[]) r[0];
            long ttlA = (Long) r[1];
            byte[] dumpB = (byte[]) r[3];
            long ttlB = (Long) r[4];
            assertThat(dumpB)
                .as("key %s in db %s exists in the restored server", name, db)
                .isNotNull();
            assertThat(RespConnection.text(r[5]))
                .as("encoding of %s", name)
                .isEqualTo(RespConnection.text(r[2]));
            if (ttlA < 0) {
              assertThat(ttlB).as("TTL of %s", name).isEqualTo(ttlA);
            } else {
              assertThat(ttlB).as("TTL of %s", name).isBetween(ttlA - 60_000, ttlA + 1_000);
            }
            if (!Arrays.equals(dumpA, dumpB)) {
              // Hash tables iterate in a per-process order: compare those by content.
              assertThat(content(cb, key)).as("content of %s", name).isEqualTo(content(ca, key));
            }
            compared++;
          }
        } while (!cursor.equals("0"));
      }
      assertThat(compared).isEqualTo(keyspace.values().stream().mapToLong(Long::longValue).sum());
    }
  }

  private static Object content(RespConnection c, Object key) throws IOException {
    String type = RespConnection.text(c.callOk("TYPE", key));
    switch (type) {
      case "set" -> {
        return sorted((List<?>) c.callOk("SMEMBERS", key));
      }
      case "hash" -> {
        List<?> flat = (List<?>) c.callOk("HGETALL", key);
        Map<String, String> map = new TreeMap<>();
        for (int i = 0; i < flat.size(); i += 2) {
          map.put(RespConnection.text(flat.get(i)), RespConnection.text(flat.get(i + 1)));
        }
        return map;
      }
      case "zset" -> {
        return normal(c.callOk("ZRANGE", key, "0", "-1", "WITHSCORES"));
      }
      case "list" -> {
        return normal(c.callOk("LRANGE", key, "0", "-1"));
      }
      case "stream" -> {
        return normal(c.callOk("XINFO", "STREAM", key, "FULL"));
      }
      default -> {
        return normal(c.callOk("DUMP", key));
      }
    }
  }

  private static List<String> sorted(List<?> items) {
    List<String> out = new ArrayList<>();
    for (Object item : items) {
      out.add(RespConnection.text(item));
    }
    out.sort(null);
    return out;
  }

  private static Object normal(Object reply) {
    if (reply instanceof byte[] bytes) {
      return new String(bytes, StandardCharsets.ISO_8859_1);
    }
    if (reply instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      for (Object item : list) {
        out.add(normal(item));
      }
      return out;
    }
    return reply;
  }
}
