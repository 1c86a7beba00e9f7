package io.biowerk.dr.core.log;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a {@link LogProvider} knows about one segment before it is stored: its name and the range of
 * the log it holds.
 *
 * @param name the segment's name, unique within the log ({@code 000000010000000000000003}); a file
 *     name
 * @param firstPosition the log position of its first byte or entry, in the log's own notation
 * @param lastPosition the log position just after its last byte or entry
 * @param firstTime no entry in the segment is older than this, where known
 * @param lastTime no entry in the segment is newer than this, where known
 * @param facts more facts for the manifest (timeline, partial), JSON-compatible values
 */
public record LogSegmentInfo(
    String name,
    String firstPosition,
    String lastPosition,
    Optional<Instant> firstTime,
    Optional<Instant> lastTime,
    Map<String, Object> facts) {

  public LogSegmentInfo {
    requireNonNull(name, "name");
    checkArgument(
        name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,200}"),
        "segment name (%s) must be a plain file name",
        name);
    requireNonNull(firstPosition, "firstPosition");
    requireNonNull(lastPosition, "lastPosition");
    requireNonNull(firstTime, "firstTime");
    requireNonNull(lastTime, "lastTime");
    facts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(facts));
  }
}
