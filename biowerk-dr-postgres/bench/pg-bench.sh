#!/usr/bin/env bash
# PostgreSQL backup benchmark (docs/benchmarks.md "## postgres"): in ONE run, interleaved, wall times of
#   A  pg_dump -Fc -Z0 > /dev/null             (the anchor: pg_dump alone, no compression)
#   B  pg_dump -Fc > file                      (pg_dump's default compression, gzip level 6... to a file)
#   C  ./biowerk-dr backup postgresql://... (the command, through its launcher): pg_dump -Fc -Z0 -> zstd-3 ->
#      AES-256-GCM -> a local repository, with the exact per-table row counts counted in the archive as it streams
#   D  the same with ?row-counts=server (the counts taken by count(*) per table in the dump's snapshot, as before)
#   E  pg_dump -Fc -Z0 | zstd -3 | openssl enc -aes-256-ctr > file   (the same work done by C tools, a yardstick)
# on a pgbench database at scale ${SCALE:-50} created in database biowerk_bench and dropped afterwards.
# Each figure is the wall time of the whole process (for C and D: JVM start-up included), with the client CPU
# (user + sys of the process and its children, pg_dump included; not the server backend) after it.
# Usage, from the repository root: bash biowerk-dr-postgres/bench/pg-bench.sh   (ROUNDS=5 SCALE=50 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
SCALE=${SCALE:-50}
ROUNDS=${ROUNDS:-5}
HOST=127.0.0.1; PORT=5432; DB=biowerk_bench
WORK=$(mktemp -d /tmp/biowerk-pgbench-XXXXXX)
trap 'rm -rf "$WORK"; psql -h $HOST -p $PORT -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres' EXIT
# The command's jar and its class-data archive are built once, before any round.
export HOME=$WORK/home BIOWERK_DR_KEY_FILE=$WORK/key
./biowerk-dr keys generate >/dev/null 2>&1   # a throwaway key; its one-time printout is not wanted in the log
export BIOWERK_DR_NO_BUILD=1                  # an edit during the run must not make the launcher rebuild inside a timing

psql -h $HOST -p $PORT -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres
createdb -h $HOST -p $PORT -U postgres $DB
pgbench -h $HOST -p $PORT -U postgres -i -s "$SCALE" -q $DB 2>&1 | tail -1
echo "database size: $(psql -h $HOST -p $PORT -U postgres -Atc "SELECT pg_size_pretty(pg_database_size('$DB'))" postgres)"
PGDUMP=/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -1)/bin/pg_dump
$PGDUMP -h $HOST -p $PORT -U postgres -Fc -Z0 $DB > /dev/null   # warm the page cache once

t() { # prints "<wall> <client cpu>" of one command
  local s e
  s=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$WORK/time" "$@" >/dev/null
  e=$(date +%s.%N)
  echo "$(echo "$e - $s" | bc) $(awk '{print $1 + $2}' "$WORK/time")"
}
fmt() { printf "%.2fs (cpu %.2fs)" $1 $2; }
for r in $(seq 1 "$ROUNDS"); do
  a=$(t bash -c "$PGDUMP -h $HOST -p $PORT -U postgres -Fc -Z0 $DB > /dev/null")
  b=$(t bash -c "$PGDUMP -h $HOST -p $PORT -U postgres -Fc $DB > $WORK/default.dump")
  size_b=$(stat -c %s "$WORK/default.dump"); rm -f "$WORK/default.dump"
  c=$(t ./biowerk-dr backup "postgresql://postgres@$HOST:$PORT/$DB" --repo "file://$WORK/repo" --json)
  stored=$(find "$WORK/repo" -name '*.enc' -printf '%s\n' | head -1); rm -rf "$WORK/repo"
  d=$(t ./biowerk-dr backup "postgresql://postgres@$HOST:$PORT/$DB?row-counts=server" --repo "file://$WORK/repo" --json)
  rm -rf "$WORK/repo"
  e=$(t bash -c "$PGDUMP -h $HOST -p $PORT -U postgres -Fc -Z0 $DB | zstd -3 -q | openssl enc -aes-256-ctr -pbkdf2 -pass pass:bench > $WORK/e.enc")
  rm -f "$WORK/e.enc"
  echo "round $r ($(cut -d' ' -f1-3 /proc/loadavg)): A $(fmt $a) | B $(fmt $b) [${size_b} B] | C $(fmt $c) [${stored} B] | D $(fmt $d) | E $(fmt $e)"
  echo "${a% *} ${b% *} ${c% *} ${d% *} ${e% *}" >> "$WORK/walls"
done
# Medians of the per-round ratios (each round's figures were taken minutes apart at most, under the same load).
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
echo "median per-round ratios over $ROUNDS rounds:" \
  "C/A $(awk '{print $3/$1}' "$WORK/walls" | median)" \
  "C/B $(awk '{print $3/$2}' "$WORK/walls" | median)" \
  "D/A $(awk '{print $4/$1}' "$WORK/walls" | median)" \
  "E/A $(awk '{print $5/$1}' "$WORK/walls" | median)" \
  "B/A $(awk '{print $2/$1}' "$WORK/walls" | median)"
