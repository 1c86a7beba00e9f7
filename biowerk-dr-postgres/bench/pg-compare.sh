#!/usr/bin/env bash
# Before/after PostgreSQL backup benchmark (docs/benchmarks.md "## postgres", issue 12's "no measurable
# slowdown"): the command of THIS checkout against the command of another checkout (OLD, e.g. a git worktree
# of the commit before a change), in one session, alternating their order every round, on one pgbench
# database; each round also times the anchor A (pg_dump -Fc -Z0 > /dev/null). Both commands must be built
# (./biowerk-dr --version in each checkout builds it once); neither is rebuilt during the rounds.
# Prints per round: A, NEW and OLD wall (client CPU); then medians of the per-round ratios NEW/OLD, NEW/A, OLD/A.
# Usage, from the repository root: bash biowerk-dr-postgres/bench/pg-compare.sh /path/to/old/checkout
#   (ROUNDS=6 SCALE=50 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
NEW=$(pwd)
OLD=$(cd "${1:?give the old checkout}" && pwd)
SCALE=${SCALE:-50}
ROUNDS=${ROUNDS:-6}
HOST=127.0.0.1; PORT=5432; DB=biowerk_compare
WORK=$(mktemp -d /tmp/biowerk-pgcompare-XXXXXX)
trap 'rm -rf "$WORK"; psql -h $HOST -p $PORT -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres' EXIT
export BIOWERK_DR_NO_BUILD=1
mkdir -p "$WORK/new" "$WORK/old"
HOME=$WORK/new BIOWERK_DR_KEY_FILE=$WORK/new/key "$NEW/biowerk-dr" keys generate >/dev/null 2>&1
HOME=$WORK/old BIOWERK_DR_KEY_FILE=$WORK/old/key "$OLD/biowerk-dr" keys generate >/dev/null 2>&1

psql -h $HOST -p $PORT -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres
createdb -h $HOST -p $PORT -U postgres $DB
pgbench -h $HOST -p $PORT -U postgres -i -s "$SCALE" -q $DB 2>&1 | tail -1
PGDUMP=/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -1)/bin/pg_dump
$PGDUMP -h $HOST -p $PORT -U postgres -Fc -Z0 $DB > /dev/null   # warm the page cache once

t() { # prints "<wall> <client cpu>" of one command
  local s e
  s=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$WORK/time" "$@" >/dev/null
  e=$(date +%s.%N)
  echo "$(echo "$e - $s" | bc) $(awk '{print $1 + $2}' "$WORK/time")"
}
backup() { # backup <checkout> <home>
  HOME=$2 BIOWERK_DR_KEY_FILE=$2/key t "$1/biowerk-dr" backup "postgresql://postgres@$HOST:$PORT/$DB" \
    --repo "file://$2/repo" --json
  rm -rf "$2/repo"
}
fmt() { printf "%.2fs (cpu %.2fs)" $1 $2; }
for r in $(seq 1 "$ROUNDS"); do
  a=$(t bash -c "$PGDUMP -h $HOST -p $PORT -U postgres -Fc -Z0 $DB > /dev/null")
  if [ $((r % 2)) -eq 1 ]; then
    n=$(backup "$NEW" "$WORK/new"); o=$(backup "$OLD" "$WORK/old")
  else
    o=$(backup "$OLD" "$WORK/old"); n=$(backup "$NEW" "$WORK/new")
  fi
  echo "round $r ($(cut -d' ' -f1-3 /proc/loadavg)): A $(fmt $a) | NEW $(fmt $n) | OLD $(fmt $o)"
  echo "${a% *} ${n% *} ${o% *}" >> "$WORK/walls"
done
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
echo "median per-round ratios over $ROUNDS rounds:" \
  "NEW/OLD $(awk '{print $2/$3}' "$WORK/walls" | median)" \
  "NEW/A $(awk '{print $2/$1}' "$WORK/walls" | median)" \
  "OLD/A $(awk '{print $3/$1}' "$WORK/walls" | median)"
