#!/usr/bin/env bash
# Cloud sink benchmarks for docs/benchmarks.md ("Cloud sinks, 1 GiB"): upload and download of a file through the
# S3, Azure Blob and Cloud Storage sinks against each SDK's own transfer of the same file, in alternated pairs
# (io.biowerk.dr.testkit.PairedTransfers), under -Xmx64m with each sink's documented small-memory options.
#   S3:    S3Proxy (its own JVM), anchor putObject(RequestBody.fromFile) / getObject(request, Path)
#   Azure: Azurite (from .ci/services.sh), anchor BlobClient.uploadFromFile / downloadToFile, same block size and concurrency
#   GCS:   JsonApiTestServer (the module's test double of the JSON API) in its own JVM, anchor Storage.createFrom / downloadTo
# Usage: bench/cloud-bench.sh [MiB, default 1024] [pairs, default 5] [s3|azure|gcs ..., default all three]
# Not part of the build or of CI: it takes 10-30 minutes on the 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
MIB=${1:-1024}
PAIRS=${2:-5}
shift $(( $# > 2 ? 2 : $# )) || true
WHICH=${*:-s3 azure gcs}
HEAP=${BENCH_HEAP:--Xmx64m}

classpath() {  # module -> its test class path in target/bench-classpath.txt (BENCH_NO_BUILD=1: reuse it)
  local module=$1
  if [ -z "${BENCH_NO_BUILD:-}" ] || [ ! -f "$module/target/bench-classpath.txt" ]; then
    mvn -o -q -pl "$module" -am test-compile dependency:build-classpath \
      -Dmdep.outputFile="$PWD/$module/target/bench-classpath.txt" -Dmdep.includeScope=test >/dev/null
  fi
  echo "$PWD/$module/target/test-classes:$PWD/$module/target/classes:$(cat "$module/target/bench-classpath.txt")"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
echo "start $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
for which in $WHICH; do
  case $which in
    s3)
      CP=$(classpath biowerk-dr-storage-s3)
      (cd biowerk-dr-storage-s3 && java $HEAP -Ds3proxy.jar=target/s3proxy/s3proxy.jar -cp "$CP" \
        io.biowerk.dr.storage.s3.S3Benchmark "$MIB" 2 5 "$PAIRS")   # parallelism=2&part-size=5MiB (README)
      ;;
    azure)
      CP=$(classpath biowerk-dr-storage-azure)
      (cd biowerk-dr-storage-azure && java $HEAP -cp "$CP" \
        io.biowerk.dr.storage.azure.AzureBenchmark "$MIB" 2 4 "$PAIRS")   # block-size=4MiB&parallelism=2 (docs/azure.md)
      ;;
    gcs)
      CP=$(classpath biowerk-dr-storage-gcs)
      PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
      (cd biowerk-dr-storage-gcs && exec java -Xmx3g -XX:+UseParallelGC -cp "$CP" \
        io.biowerk.dr.storage.gcs.GcsBenchmark server "$PORT") > /tmp/gcs-bench-server-$$.log 2>&1 &
      SERVER=$!
      trap 'kill $SERVER 2>/dev/null || true' EXIT
      for _ in $(seq 1 120); do grep -q "at http" /tmp/gcs-bench-server-$$.log && break; sleep 1; done
      # chunk-size=8MiB&parallelism=1 (docs/gcs.md, -Xmx64m), then range-size=4MiB&parallelism=2
      for p in 1 2; do
        (cd biowerk-dr-storage-gcs && java $HEAP -cp "$CP" \
          io.biowerk.dr.storage.gcs.GcsBenchmark "http://127.0.0.1:$PORT" "$MIB" 8 4 $p "$PAIRS")
      done
      kill $SERVER; wait $SERVER 2>/dev/null || true; trap - EXIT
      ;;
    *) echo "unknown: $which (s3, azure, gcs)" >&2; exit 2 ;;
  esac
  echo "after $which $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
done
