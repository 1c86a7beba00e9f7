package io.biowerk.dr.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A generated, deterministic stream that looks like a plain-text PostgreSQL dump: DDL, {@code COPY}
 * blocks and {@code INSERT} statements over tables of customers, orders, events and documents, with
 * varied names, e-mail addresses, amounts, timestamps, UUIDs, JSON blobs and lorem-ipsum text.
 *
 * <p>It exists because benchmark figures depend on how compressible the data is: pgbench rows
 * shrink about 100x under zstd, which makes compression look free; a real application dump shrinks
 * 3-4x. This generator is tuned so that {@code zstd -3} shrinks it about 3.5x (the ratio is
 * measured and printed by the benchmark). The same seed gives the same bytes.
 */
public final class SqlDumpData {

  private static final String[] FIRST = {
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Lukas",
    "Anna",
    "Jonas",
    "Lea",
    "Finn",
    "Mia",
    "Mehmet",
    "Aylin",
    "Pierre",
    "Chloé",
    "Giulia",
    "Marco",
    "Sofía",
    "Mateo",
    "Yuki",
    "Hiroshi",
    "Olga",
    "Dmitri",
    "Priya",
    "Arjun",
    "Wei",
    "Mei",
    "Kwame",
    "Amara",
    "Søren",
    "Ingrid",
    "Zoë",
    "Björn",
    "Łukasz",
    "Agnieszka"
  };
  private static final String[] LAST = {
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Dubois",
    "Lefèvre",
    "Rossi",
    "Russo",
    "Fernández",
    "López",
    "Tanaka",
    "Suzuki",
    "Ivanov",
    "Petrova",
    "Sharma",
    "Patel",
    "Wang",
    "Li",
    "Mensah",
    "Okafor",
    "Nielsen",
    "Johansson",
    "Kowalski",
    "Nowak",
    "O'Brien",
    "MacLeod",
    "Van der Berg",
    "Dos Santos",
    "Nguyen",
    "Kim",
    "Park"
  };
  private static final String[] DOMAINS = {
    "example.com",
    "mail.example.org",
    "corp.example.net",
    "gmail.example",
    "posteo.example",
    "uni-heidelberg.example",
    "biowerk.example"
  };
  private static final String[] CITIES = {
    "Berlin",
    "Hamburg",
    "München",
    "Köln",
    "Frankfurt am Main",
    "Stuttgart",
    "Düsseldorf",
    "Leipzig",
    "Paris",
    "Lyon",
    "Madrid",
    "Barcelona",
    "Milano",
    "Roma",
    "London",
    "Manchester",
    "New York",
    "San Francisco",
    "Toronto",
    "Tokyo",
    "Osaka",
    "Seoul",
    "Sydney",
    "São Paulo",
    "Warszawa",
    "Praha",
    "Wien",
    "Zürich",
    "Amsterdam",
    "København",
    "Stockholm",
    "Oslo"
  };
  private static final String[] STATUS = {
    "pending",
    "paid",
    "shipped",
    "delivered",
    "cancelled",
    "refunded",
    "on_hold",
    "partially_shipped"
  };
  private static final String[] EVENTS = {
    "login",
    "logout",
    "page_view",
    "add_to_cart",
    "checkout_started",
    "payment_failed",
    "payment_succeeded",
    "password_reset",
    "profile_updated",
    "search",
    "api_call",
    "export_requested",
    "sample_registered",
    "assay_completed",
    "plate_scanned"
  };
  private static final String[] TAGS = {
    "vip",
    "beta",
    "newsletter",
    "b2b",
    "churn-risk",
    "eu",
    "us",
    "apac",
    "trial",
    "enterprise",
    "lab",
    "sequencing",
    "proteomics",
    "imaging",
    "cold-chain"
  };
  private static final String[] LOREM =
      ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod"
              + " tempor incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation"
              + " ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit"
              + " esse cillum eu fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui"
              + " officia deserunt mollit anim id est laborum sample buffer protein sequence plate well reagent"
              + " centrifuge incubation temperature concentration assay batch lot expiry shipment")
          .split(" ");
  private static final String[] AGENTS = {
    "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15",
    "curl/8.5.0",
    "okhttp/4.12.0",
    "python-requests/2.32.3",
    "Go-http-client/2.0"
  };
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private final SplittableRandom random;
  private byte[] out;
  private int length;
  private long customerId;
  private long orderId;
  private long eventId;
  private long documentId;
  private long epochMillis = 1_704_067_200_000L; // 2024-01-01T00:00:00Z

  private SqlDumpData(long seed, int capacity) {
    this.random = new SplittableRandom(seed);
    this.out = new byte[capacity];
  }

  /** {@code size} bytes of dump text from {@code seed}. */
  public static byte[] generate(long seed, int size) {
    // Room for the last block beyond `size`, so the array is allocated once and trimmed once.
    SqlDumpData data = new SqlDumpData(seed, size + (1 << 20));
    data.header();
    while (data.length < size) {
      data.block();
    }
    return data.out.length == size ? data.out : Arrays.copyOf(data.out, size);
  }

  /**
   * Writes {@code size} bytes to {@code file}: the {@link #generate(long, int) 256 MiB sample of
   * seed 42}, repeated, exactly the bytes the benchmarks push through the pipeline; for the shell
   * anchors.
   */
  public static void write(long size, Path file) throws IOException {
    byte[] sample = generate(42, 256 << 20);
    try (OutputStream stream = Files.newOutputStream(file)) {
      for (long written = 0; written < size; written += sample.length) {
        stream.write(sample, 0, (int) Math.min(sample.length, size - written));
      }
    }
  }

  /**
   * {@code java -cp benchmarks.jar io.biowerk.dr.bench.SqlDumpData FILE MiB}: writes a data file.
   */
  public static void main(String[] args) throws IOException {
    write(Long.parseLong(args[1]) << 20, Path.of(args[0]));
  }

  private void header() {
    text(
        "--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 15.8\n"
            + "-- Dumped by pg_dump version 15.8\n\nSET statement_timeout = 0;\nSET lock_timeout = 0;\n"
            + "SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n\n");
  }

  private void block() {
    int kind = random.nextInt(10);
    if (kind < 3) {
      customers();
    } else if (kind < 6) {
      orders();
    } else if (kind < 8) {
      events();
    } else {
      documents();
    }
  }

  private void customers() {
    text(
        "\n--\n-- Data for Name: customers; Type: TABLE DATA; Schema: public; Owner: app\n--\n\n"
            + "COPY public.customers (id, uuid, first_name, last_name, email, city, balance, created_at, tags,"
            + " profile) FROM stdin;\n");
    int rows = 50 + random.nextInt(200);
    for (int i = 0; i < rows; i++) {
      String first = pick(FIRST);
      String last = pick(LAST);
      number(++customerId).tab();
      uuid();
      tab().text(first).tab().text(last).tab();
      text(first.toLowerCase())
          .text(".")
          .text(last.toLowerCase().replace(' ', '-').replace("'", ""));
      number(random.nextInt(1000)).text("@").text(pick(DOMAINS)).tab();
      text(pick(CITIES)).tab();
      money(random.nextInt(10_000_000)).tab();
      timestamp().tab();
      text("{").text(pick(TAGS)).text(",").text(pick(TAGS)).text("}").tab();
      text("{\"tier\": \"")
          .text(random.nextInt(4) == 0 ? "gold" : "standard")
          .text("\", \"score\": ");
      number(random.nextInt(1000))
          .text(".")
          .number(random.nextInt(100))
          .text(", \"lang\": \"")
          .text(random.nextBoolean() ? "de" : "en")
          .text("\", \"consent\": ")
          .text(random.nextBoolean() ? "true" : "false")
          .text("}\n");
    }
    text("\\.\n\n");
  }

  private void orders() {
    int rows = 20 + random.nextInt(100);
    for (int i = 0; i < rows; i++) {
      text(
          "INSERT INTO public.orders (id, customer_id, status, total, currency, placed_at, shipping_city,"
              + " tracking) VALUES (");
      number(++orderId)
          .text(", ")
          .number(1 + random.nextLong(Math.max(1, customerId)))
          .text(", '")
          .text(pick(STATUS))
          .text("', ")
          .money(random.nextInt(2_000_000))
          .text(", '")
          .text(random.nextInt(3) == 0 ? "USD" : "EUR")
          .text("', '");
      timestamp();
      text("', '").text(pick(CITIES)).text("', '");
      for (int c = 0; c < 12; c++) {
        put(
            random.nextInt(3) == 0
                ? (byte) ('0' + random.nextInt(10))
                : (byte) ('A' + random.nextInt(26)));
      }
      text("');\n");
    }
    text("\n");
  }

  private void events() {
    text(
        "COPY public.events (id, at, session, kind, customer_id, ip, user_agent, payload) FROM stdin;\n");
    int rows = 100 + random.nextInt(300);
    for (int i = 0; i < rows; i++) {
      number(++eventId).tab();
      timestamp().tab();
      uuid();
      tab().text(pick(EVENTS)).tab().number(1 + random.nextLong(Math.max(1, customerId))).tab();
      number(10 + random.nextInt(200))
          .text(".")
          .number(random.nextInt(256))
          .text(".")
          .number(random.nextInt(256))
          .text(".")
          .number(random.nextInt(256))
          .tab();
      text(pick(AGENTS)).tab();
      text("{\"duration_ms\": ").number(random.nextInt(5000)).text(", \"path\": \"/");
      text(pick(LOREM))
          .text("/")
          .text(pick(LOREM))
          .text("\", \"ok\": ")
          .text(random.nextInt(10) == 0 ? "false" : "true")
          .text("}\n");
    }
    text("\\.\n\n");
  }

  private void documents() {
    text("COPY public.documents (id, title, body, revision, checksum) FROM stdin;\n");
    int rows = 5 + random.nextInt(30);
    for (int i = 0; i < rows; i++) {
      number(++documentId).tab();
      words(3 + random.nextInt(6)).tab();
      int sentences = 2 + random.nextInt(12);
      for (int s = 0; s < sentences; s++) {
        words(5 + random.nextInt(15));
        text(s + 1 < sentences ? ". " : ".");
      }
      tab().number(1 + random.nextInt(40)).tab();
      for (int h = 0; h < 64; h++) {
        put(HEX[random.nextInt(16)]);
      }
      text("\n");
    }
    text("\\.\n\n");
  }

  private SqlDumpData words(int count) {
    for (int w = 0; w < count; w++) {
      if (w > 0) {
        put((byte) ' ');
      }
      text(pick(LOREM));
    }
    return this;
  }

  private SqlDumpData uuid() {
    long hi = random.nextLong();
    long lo = random.nextLong();
    for (int i = 0; i < 32; i++) {
      if (i == 8 || i == 12 || i == 16 || i == 20) {
        put((byte) '-');
      }
      long word = i < 16 ? hi : lo;
      put(HEX[(int) (word >>> (60 - 4 * (i % 16))) & 0xf]);
    }
    return this;
  }

  private SqlDumpData timestamp() {
    epochMillis += random.nextInt(5000);
    text(
        java.time.Instant.ofEpochMilli(epochMillis)
            .toString()
            .replace('T', ' ')
            .replace("Z", "+00"));
    return this;
  }

  private SqlDumpData money(long cents) {
    number(cents / 100).text(".");
    long rest = cents % 100;
    if (rest < 10) {
      put((byte) '0');
    }
    return number(rest);
  }

  private String pick(String[] choices) {
    return choices[random.nextInt(choices.length)];
  }

  private SqlDumpData tab() {
    return put((byte) '\t');
  }

  private SqlDumpData number(long value) {
    return text(Long.toString(value));
  }

  private SqlDumpData text(String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    ensure(bytes.length);
    System.arraycopy(bytes, 0, out, length, bytes.length);
    length += bytes.length;
    return this;
  }

  private SqlDumpData put(byte b) {
    ensure(1);
    out[length++] = b;
    return this;
  }

  private void ensure(int more) {
    if (length + more > out.length) {
      out = Arrays.copyOf(out, Math.max(out.length * 2, length + more));
    }
  }
}
