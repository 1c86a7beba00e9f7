package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.NativeVerifier;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.verify.Verifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code biowerk-dr import}: stores an existing dump file as a backup with a manifest, after that
 * kind's native verification passed on it; a file that fails it is refused with exit code 3 and
 * nothing is stored. The kinds and their formats come from the native verifiers on the class path
 * ({@link NativeVerifier#importFormats()}).
 */
@Command(
    name = "import",
    sortOptions = false,
    header = "Store an existing dump file as a backup, after checking it natively.",
    description = {
      "For moving from scripts that left dump files behind: runs the kind's native verification on the"
          + " file first and stores it only when that passes, compressed and encrypted like a"
          + " backup, under the source name and the time it was taken. A file that fails is refused with"
          + " exit code 3 and nothing is stored.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  biowerk-dr import NAME_20240115_023000.EXT --kind KIND",
      "  biowerk-dr import orders.EXT --kind KIND --source orders \\",
      "      --taken-at 2024-01-15T02:30:00Z"
    })
final class ImportCommand extends CliCommand {

  private static final Pattern STAMP = Pattern.compile("(\\d{8}_\\d{6})");

  @Parameters(index = "0", paramLabel = "FILE", description = "The dump file to import.")
  String file;

  @Option(
      names = "--kind",
      required = true,
      paramLabel = "KIND",
      description =
          "What the file is: a source kind whose adapter can check its dump files (listed below).")
  String kind;

  @Option(
      names = "--source",
      paramLabel = "NAME",
      description = "The source name to file it under. Default: the one the kind's backups use.")
  String source;

  @Option(
      names = "--taken-at",
      paramLabel = "ISO-8601",
      description =
          "When the dump was taken. Default: the time in the file name (NAME_YYYYMMDD_HHMMSS...,"
              + " as the plan's scripts wrote it, UTC), else the file's modification time.")
  String takenAt;

  @Mixin RepositoryOptions repositories;

  @Mixin KeyOptions keys;

  @Option(
      names = "--compression",
      paramLabel = "zstd:LEVEL|none",
      defaultValue = "zstd:3",
      description = "Compression: zstd at LEVEL 1-22, or none. Default: ${DEFAULT-VALUE}.")
  String compression;

  @Option(names = "--no-encrypt", description = "Store the backup unencrypted.")
  boolean noEncrypt;

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    String k = kind.strip().toLowerCase(Locale.ROOT);
    SortedMap<String, NativeVerifier.ImportFormat> formats = Verifier.importFormats();
    NativeVerifier.ImportFormat importFormat = formats.get(k);
    if (importFormat == null) {
      throw new UsageException(
          "import: --kind must be "
              + kinds(formats.keySet())
              + ", not '"
              + kind
              + "'"
              + (formats.isEmpty() ? "; add an adapter module to the class path" : ""));
    }
    String format = importFormat.format();
    Path path = env.resolve(file);
    if (!Files.isRegularFile(path)) {
      throw new UsageException("import: " + path + " is not a file; give the dump file to import");
    }
    String name =
        BackupLayout.checkSourceName(source == null ? importFormat.defaultSourceName() : source);
    Instant when = takenAt == null ? takenAt(path) : RestoreCommand.instant("--taken-at", takenAt);
    List<Codec> codecs = new ArrayList<>(BackupCommand.compression(compression));

    // The check first: nothing is created (repository, key) for a file that fails it.
    NativeVerifier verifier = Verifier.nativeVerifier(k, VerificationLevel.NATIVE);
    BackupManifest provisional =
        new BackupManifest(
            "import",
            k,
            name,
            path.toUri().toString(),
            format,
            when,
            when,
            List.of(),
            Optional.empty(),
            Files.size(path),
            Files.size(path),
            "",
            "",
            "import/" + path.getFileName(),
            Map.of());
    String checked;
    try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
      checked = verifier.verify(provisional, VerificationLevel.NATIVE, in, Map.of());
    } catch (IntegrityException e) {
      throw new IntegrityException(
          "import: "
              + path
              + " failed the "
              + k
              + " native verification, so nothing was stored: "
              + e.getMessage()
              + "; import an intact copy of the dump",
          e);
    }

    String keyId = null;
    if (!noEncrypt) {
      EnvelopeCodec envelope = Envelopes.forBackup(env, keys, List.of());
      codecs.add(envelope);
      keyId = envelope.keyId();
    }
    List<Sink> sinks = repositories.openAll(env);
    BackupJob job =
        BackupJob.of(new ImportedFile(path, k, name, format, checked))
            .codecs(codecs)
            .sinks(sinks)
            .clock(Clock.fixed(when, ZoneOffset.UTC))
            .sourceUri(path.toUri().toString())
            .listener(progress("import"))
            .build();
    BackupManifest manifest = cleanUpOnShutdown(job::run);
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", true);
      result.put("id", manifest.id());
      result.put("kind", k);
      result.put("sourceName", name);
      result.put("takenAt", when.toString());
      result.put("verified", checked);
      result.put("storedKey", manifest.dataKey());
      result.put("keyId", keyId);
      printJson(result);
    } else {
      out()
          .println(
              "imported "
                  + path.getFileName()
                  + " as "
                  + manifest.id()
                  + " (taken "
                  + when
                  + ", "
                  + Format.bytes(manifest.rawSize())
                  + "); native check: "
                  + checked);
      out().flush();
    }
    return ExitCodes.OK;
  }

  /** {@code a, b or c}: the kinds that can be imported, as a message lists them. */
  static String kinds(Collection<String> kinds) {
    List<String> list = new ArrayList<>(kinds);
    if (list.isEmpty()) {
      return "a kind whose adapter is on the class path (none is)";
    }
    String last = list.remove(list.size() - 1);
    return list.isEmpty() ? last : String.join(", ", list) + " or " + last;
  }

  /** The time in the file's name ({@code _YYYYMMDD_HHMMSS}, UTC), else its modification time. */
  private static Instant takenAt(Path path) throws IOException {
    Matcher m = STAMP.matcher(path.getFileName().toString());
    if (m.find()) {
      return LocalDateTime.parse(m.group(1), DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss"))
          .toInstant(ZoneOffset.UTC);
    }
    return Files.getLastModifiedTime(path).toInstant();
  }

  /** The file as a source of one backup run: its bytes as they are. */
  private record ImportedFile(Path path, String kind, String name, String format, String checked)
      implements Source {

    @Override
    public SourceStream open() throws IOException {
      FileChannel in = FileChannel.open(path, StandardOpenOption.READ);
      Map<String, Object> facts = new LinkedHashMap<>();
      facts.put("importedFrom", path.getFileName().toString());
      facts.put("importCheck", checked);
      return new SourceStream() {
        @Override
        public Map<String, Object> facts() {
          return facts;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
          return in.read(dst);
        }

        @Override
        public boolean isOpen() {
          return in.isOpen();
        }

        @Override
        public void close() throws IOException {
          in.close();
        }
      };
    }
  }
}
