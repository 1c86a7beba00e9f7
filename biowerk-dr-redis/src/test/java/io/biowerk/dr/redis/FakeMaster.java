package io.biowerk.dr.redis;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A fake Redis master (a mock, named so): answers the replication handshake and then sends the RDB
 * bytes it was given, as {@code $<length>} or {@code $EOF:<mark>}, optionally stopping early. It
 * exists because a real redis-server cannot be made to send a damaged or short snapshot on purpose;
 * everything else is tested against real servers. One connection, then it stops.
 */
final class FakeMaster implements AutoCloseable {

  private final ServerSocket server;
  private final Thread thread;

  /**
   * @param rdb the bytes to send as the snapshot
   * @param marked whether to use the diskless {@code $EOF:<mark>} form
   * @param sendOnly how many bytes to send before closing the connection ({@code rdb.length} for
   *     all)
   */
  FakeMaster(byte[] rdb, boolean marked, int sendOnly) throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    thread =
        new Thread(
            () -> {
              try (Socket socket = server.accept()) {
                serve(socket, rdb, marked, sendOnly);
              } catch (IOException ignored) {
                // the client went away; the test asserts on its side
              }
            },
            "fake-redis-master");
    thread.setDaemon(true);
    thread.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private static void serve(Socket socket, byte[] rdb, boolean marked, int sendOnly)
      throws IOException {
    InputStream in = new BufferedInputStream(socket.getInputStream());
    OutputStream out = socket.getOutputStream();
    while (true) {
      String command = readCommand(in);
      if (command == null) {
        return;
      }
      if (command.startsWith("INFO server")) {
        bulk(out, "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n");
      } else if (command.startsWith("INFO keyspace")) {
        bulk(out, "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n");
      } else if (command.startsWith("REPLCONF")) {
        out.write("+OK\r\n".getBytes(StandardCharsets.US_ASCII));
      } else if (command.startsWith("PSYNC")) {
        String mark = "0123456789abcdef0123456789abcdef01234567";
        out.write(
            "+FULLRESYNC 5f3c0000000000000000000000000000000000aa 0\r\n\n\n"
                .getBytes(StandardCharsets.US_ASCII));
        out.write(
            (marked ? "$EOF:" + mark + "\r\n" : "$" + rdb.length + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(rdb, 0, sendOnly);
        if (marked && sendOnly == rdb.length) {
          out.write(mark.getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
        return;
      } else {
        out.write("-ERR unknown command\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.flush();
    }
  }

  private static void bulk(OutputStream out, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    out.write(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Reads one RESP array command and returns its arguments joined by spaces, or null at end of
   * stream.
   */
  private static String readCommand(InputStream in) throws IOException {
    String header = line(in);
    if (header == null) {
      return null;
    }
    int count = Integer.parseInt(header.substring(1));
    StringBuilder command = new StringBuilder();
    for (int i = 0; i < count; i++) {
      int len = Integer.parseInt(line(in).substring(1));
      byte[] arg = in.readNBytes(len + 2);
      command.append(i == 0 ? "" : " ").append(new String(arg, 0, len, StandardCharsets.UTF_8));
    }
    return command.toString();
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\r') {
        in.read();
        return line.toString();
      }
      line.append((char) b);
    }
    return line.length() == 0 ? null : line.toString();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
