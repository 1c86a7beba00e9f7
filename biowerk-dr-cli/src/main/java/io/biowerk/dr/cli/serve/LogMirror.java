package io.biowerk.dr.cli.serve;

import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Brings a stream's log folder ({@code <source>/<log>/}) in another repository up to the first one:
 * every stored object the other repository lacks, or holds with another size, is copied byte for
 * byte (segments stay compressed and encrypted as stored), data objects before manifests, so a
 * segment appears there only once its data is whole (the manifest is the commit point, as in the
 * first repository). Nothing is deleted: retention prunes each repository on its own.
 *
 * <p>Why a mirror and not a receiver per repository: a PostgreSQL receiver holds a replication
 * slot, of which one per source is the point (two receivers would need two slots and could disagree
 * on segment boundaries); and why not a write to every repository at once: a repository that is
 * down for a while would stop the stream, while the mirror catches up when it is back. The cost is
 * that the other repositories lag by up to one metrics refresh (30 s), which {@code /status} shows
 * per repository. Stateless and thread-safe.
 */
final class LogMirror {

  private LogMirror() {}

  private static final String MANIFEST = ".manifest.json";

  /**
   * Copies what {@code to} lacks under {@code prefix} from {@code from}.
   *
   * @return the number of objects copied
   * @throws IOException if a repository cannot be listed, read or written; objects copied before
   *     stay, and the next call goes on from there
   */
  static int mirror(Sink from, Sink to, String prefix) throws IOException {
    Map<String, Long> there = new HashMap<>();
    for (StoredObject o : to.list(prefix)) {
      there.put(o.key(), o.size());
    }
    List<StoredObject> data = new ArrayList<>();
    List<StoredObject> manifests = new ArrayList<>();
    for (StoredObject o : from.list(prefix)) {
      Long size = there.get(o.key());
      if (size != null && size == o.size()) {
        continue;
      }
      (o.key().endsWith(MANIFEST) ? manifests : data).add(o);
    }
    int copied = 0;
    for (List<StoredObject> batch : List.of(data, manifests)) {
      for (StoredObject o : batch) {
        try (ReadableByteChannel in = from.openRead(o.key());
            PendingWrite out = to.openWrite(o.key())) {
          ByteChannels.transfer(in, out);
          out.commit();
        }
        copied++;
      }
    }
    return copied;
  }
}
