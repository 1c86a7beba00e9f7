#!/usr/bin/env bash
# Before/after MongoDB benchmark (docs/benchmarks.md "## mongodb"): MongoBenchmarkIT (through RunBench, no
# Maven) with the mongo module's classes of THIS checkout and with OLD_CLASSES (a copy of another build's
# biowerk-dr-mongo/target/classes, e.g. taken before a change), alternating OLD, NEW, OLD, NEW ... in one
# session. Each run loads its own in-process server and times backup against a raw driver scan and restore
# against plain insertMany in the same JVM, interleaved, so every line carries its own anchor; compare the
# ratios, not the MB/s. Everything else (core, test classes, driver) is this checkout's.
# Build first: mvn -o -pl biowerk-dr-mongo -am test-compile, and write the test class path with
#   mvn -o -pl biowerk-dr-mongo dependency:build-classpath -Dmdep.outputFile=/tmp/mongo-cp.txt -Dmdep.includeScope=test
# Usage, from the repository root: bash biowerk-dr-mongo/bench/mongo-compare.sh OLD_CLASSES /tmp/mongo-cp.txt [NEW_CLASSES]
#   (NEW_CLASSES defaults to this checkout's biowerk-dr-mongo/target/classes)
#   (PAIRS=2 DOCS=60000 PAD=2000 ROUNDS=3 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
OLD=$(cd "${1:?give the old classes directory}" && pwd)
DEPS=$(tr ':' '\n' < "${2:?give the dependency class path file}" | grep -v '/io/biowerk/' | paste -sd:)
NEW=${3:-$ROOT/biowerk-dr-mongo/target/classes}
PAIRS=${PAIRS:-2}
COMMON="$ROOT/biowerk-dr-core/target/classes:$ROOT/biowerk-dr-testkit/target/classes:$DEPS"
run() { # run <label> <mongo classes>
  echo "== $1 $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
  java -Xmx3g -Dbench.docs="${DOCS:-60000}" -Dbench.pad="${PAD:-2000}" -Dbench.rounds="${ROUNDS:-3}" \
    -cp "$ROOT/biowerk-dr-mongo/target/test-classes:$2:$COMMON" io.biowerk.dr.mongo.RunBench 2>&1 \
    | grep -E '^BENCH-(LINE|PROGRESS)'
}
for ((p = 1; p <= PAIRS; p++)); do
  run OLD "$OLD"
  run NEW "$NEW"
done
echo "== end $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
