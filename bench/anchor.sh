#!/usr/bin/env bash
# Shell anchors for docs/benchmarks.md: the same generated SQL-dump bytes the JMH benchmarks use, through
#   zstd -3 -T1 | openssl enc -aes-256-ctr -pbkdf2 -pass pass:x | sha256sum   (the issue's reference pipeline)
#   zstd -3 -T1 > /dev/null,  zstd -3 -T2 > /dev/null,  sha256sum
# Usage: bench/anchor.sh [runs, default 5] [data file, default /dev/shm/biowerk-bench-dump.sql]
# Prints MB/s of input (1 MB = 10^6 bytes) per run and the best of the runs.
set -euo pipefail
RUNS=${1:-5}
DATA=${2:-/dev/shm/biowerk-bench-dump.sql}
JAR="$(dirname "$0")/target/benchmarks.jar"
if [ ! -f "$DATA" ]; then
  java -cp "$JAR" io.biowerk.dr.bench.SqlDumpData "$DATA" 256
fi
SIZE=$(stat -c %s "$DATA")
echo "data: $DATA, $SIZE bytes; zstd -3 output $(zstd -3 -T1 -c < "$DATA" | wc -c) bytes"
zstd --version; openssl version

measure() {  # name, command...
  local name=$1; shift
  local best=0
  local all=""
  for _ in $(seq "$RUNS"); do
    local t0 t1 mbs
    t0=$(date +%s.%N); bash -c "$*" > /dev/null; t1=$(date +%s.%N)
    mbs=$(echo "$SIZE / 1000000 / ($t1 - $t0)" | bc -l)
    all="$all $(printf %.1f "$mbs")"
    best=$(echo "if ($mbs > $best) $mbs else $best" | bc -l)
  done
  printf "%-40s best %7.1f MB/s   runs:%s   load %s\n" "$name" "$best" "$all" "$(cut -d' ' -f1 /proc/loadavg)"
}

measure "zstd -3 -T1" "zstd -3 -T1 -c < '$DATA'"
measure "zstd -3 -T2" "zstd -3 -T2 -c < '$DATA'"
measure "zstd -3 -T1 | openssl aes-256-ctr | sha256sum" \
  "zstd -3 -T1 -c < '$DATA' | openssl enc -aes-256-ctr -pbkdf2 -pass pass:x | sha256sum"
measure "sha256sum" "sha256sum '$DATA'"
