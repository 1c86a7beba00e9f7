package io.biowerk.dr.cli.serve;

import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.repository.RepositorySync;
import java.io.IOException;

/**
 * Brings a stream's log folder ({@code <source>/<log>/}) in another repository up to the first one,
 * through the same copy routine as {@code biowerk-dr sync} ({@link RepositorySync}): every segment
 * the other repository lacks is copied byte for byte (segments stay compressed and encrypted as
 * stored), its data object streamed with its size and SHA-256 checked against the segment's
 * manifest and committed only when they match, the manifest last, so a segment appears there only
 * once its data is whole. A damaged segment in the first repository (data that disagrees with its
 * manifest, a missing data object, an unreadable manifest) or a conflicting one in the other is not
 * copied but reported; the receiver's growing {@code .partial} segment is replaced by its newer
 * state. Nothing is deleted: retention prunes each repository on its own.
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

  /**
   * Copies what {@code to} lacks under {@code prefix} from {@code from}.
   *
   * @param fromName how messages name the first repository (its redacted URI)
   * @param toName how messages name the other repository
   * @return what was copied, and each damaged or conflicting segment that was not
   * @throws IOException if a repository cannot be listed, read or written; segments copied before
   *     stay, and the next call goes on from there
   */
  static RepositorySync.Report mirror(
      Sink from, String fromName, Sink to, String toName, String prefix) throws IOException {
    return RepositorySync.of(from, fromName, to, toName).run(prefix);
  }
}
