#!/usr/bin/env bash
# biowerk-dr serve figures for docs/benchmarks.md ("## serve"):
#   1. POST /verify/{source}?level=stored of a 1 GiB backup against `sha256sum` of the same stored object
#      (the anchor), interleaved, page cache warm for both;
#   2. idle footprint: RSS and CPU time of the service over an idle minute, after its first jobs.
# Usage: bench/serve.sh [runs, default 5] [work dir, default /tmp/biowerk-serve-bench]
# Needs the shaded jar: mvn -o -q -pl biowerk-dr-cli -am package -DskipTests
set -euo pipefail
RUNS=${1:-5}
WORK=${2:-/tmp/biowerk-serve-bench}
JAR="$(cd "$(dirname "$0")/.." && pwd)/biowerk-dr-cli/target/biowerk-dr.jar"
PORT=18091
rm -rf "$WORK"; mkdir -p "$WORK/big"; cd "$WORK"
head -c $((1 << 30)) /dev/urandom > big/random.bin
cat > biowerk-dr.yml <<YAML
server: {listen: "127.0.0.1:$PORT"}
repositories: [repo]
keys: {file: key}
sources:
  big: {uri: big, backup: "0 2 * * *", compression: "zstd:1"}
YAML
java -jar "$JAR" keys generate --key-file key > /dev/null 2>&1
java -Xmx256m -jar "$JAR" serve -c biowerk-dr.yml > serve.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
# The first tick backs up the source (catch-up); wait until it is in the repository.
for _ in $(seq 600); do
  curl -s "http://127.0.0.1:$PORT/status" | grep -q '"backups" : 1' && break
  sleep 1
done
STORED=$(ls repo/big/daily/*.enc)
echo "stored object: $STORED, $(stat -c %s "$STORED") bytes"

best() { sort -n | head -1; }
verify_times=""; sha_times=""
for _ in $(seq "$RUNS"); do
  t0=$(date +%s.%N)
  curl -s -X POST "http://127.0.0.1:$PORT/verify/big?level=stored" | grep -q '"passed" : true'
  t1=$(date +%s.%N)
  sha256sum "$STORED" > /dev/null
  t2=$(date +%s.%N)
  verify_times="$verify_times $(echo "$t1 - $t0" | bc -l)"
  sha_times="$sha_times $(echo "$t2 - $t1" | bc -l)"
done
V=$(echo $verify_times | tr ' ' '\n' | best); S=$(echo $sha_times | tr ' ' '\n' | best)
printf "POST /verify?level=stored  best %.3f s  runs:%s\n" "$V" "$(printf ' %.3f' $verify_times)"
printf "sha256sum (anchor)         best %.3f s  runs:%s\n" "$S" "$(printf ' %.3f' $sha_times)"
printf "ratio verify / sha256sum   %.2f   load %s\n" "$(echo "$V / $S" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)"

# Idle: no job runs for the next minute (the next slot is 02:00 UTC tomorrow).
TICKS=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
sleep 5
c0=$(cpu); sleep 60; c1=$(cpu)
RSS=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
THREADS=$(awk '/Threads/ {print $2}' "/proc/$PID/status")
FDS=$(ls "/proc/$PID/fd" | wc -l)
printf "idle: RSS %d MiB, %d threads, %d fds, CPU %.2f s per idle minute = %.0f s per hour (-Xmx256m)\n" \
  $((RSS / 1024)) "$THREADS" "$FDS" "$(echo "($c1 - $c0) / $TICKS" | bc -l)" "$(echo "($c1 - $c0) / $TICKS * 60" | bc -l)"
