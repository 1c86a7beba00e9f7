#!/usr/bin/env bash
# PostgreSQL backup benchmark (docs/benchmarks.md "## postgres"): in ONE run, interleaved, wall times of
#   A  pg_dump -Fc -Z0 > /dev/null             (the anchor: pg_dump alone, no compression)
#   B  pg_dump -Fc > file                      (pg_dump's default compression, gzip level 6... to a file)
#   C  biowerk backup: pg_dump -Fc -Z0 -> zstd-3 -> AES-256-GCM -> local repository (PostgresBackupBenchmark),
#      with the exact per-table row counts taken in the dump's snapshot (the default)
#   D  the same with ?row-counts=false (what the counts cost the server)
#   E  pg_dump -Fc -Z0 | zstd -3 | openssl enc -aes-256-ctr > file   (the same work done by C tools, a yardstick)
# on a pgbench database at scale ${SCALE:-50} created in database biowerk_bench and dropped afterwards.
# Usage (from the repository root, after `mvn -o -q -pl biowerk-dr-postgres -am test-compile`):
#   bash biowerk-dr-postgres/bench/pg-bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
SCALE=${SCALE:-50}
ROUNDS=${ROUNDS:-3}
HOST=127.0.0.1; PORT=5432; DB=biowerk_bench
WORK=$(mktemp -d /tmp/biowerk-pgbench-XXXXXX)
trap 'rm -rf "$WORK"; psql -h $HOST -p $PORT -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres' EXIT
CP=$(cat biowerk-dr-postgres/target/bench.classpath 2>/dev/null || true)
if [ -z "$CP" ]; then
  mvn -o -q -pl biowerk-dr-postgres -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
  CP=$(cat biowerk-dr-postgres/target/bench.classpath)
fi
CP="biowerk-dr-postgres/target/test-classes:biowerk-dr-postgres/target/classes:biowerk-dr-core/target/classes:$CP"

psql -h $HOST -p $PORT -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres
createdb -h $HOST -p $PORT -U postgres $DB
pgbench -h $HOST -p $PORT -U postgres -i -s "$SCALE" -q $DB 2>&1 | tail -1
echo "database size: $(psql -h $HOST -p $PORT -U postgres -Atc "SELECT pg_size_pretty(pg_database_size('$DB'))" postgres)"
PGDUMP=/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -1)/bin/pg_dump
$PGDUMP -h $HOST -p $PORT -U postgres -Fc -Z0 $DB > /dev/null   # warm the page cache once

t() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); echo "$e - $s" | bc; }
for r in $(seq 1 "$ROUNDS"); do
  a=$(t bash -c "$PGDUMP -h $HOST -p $PORT -U postgres -Fc -Z0 $DB > /dev/null")
  b=$(t bash -c "$PGDUMP -h $HOST -p $PORT -U postgres -Fc $DB > $WORK/default.dump")
  size_b=$(stat -c %s "$WORK/default.dump"); rm -f "$WORK/default.dump"
  c_out=$WORK/c.out
  c=$(t bash -c "java -cp '$CP' io.biowerk.dr.postgres.PostgresBackupBenchmark postgresql://postgres@$HOST:$PORT/$DB $WORK > $c_out 2>/dev/null")
  c_line=$(cat $c_out)
  d=$(t bash -c "java -cp '$CP' io.biowerk.dr.postgres.PostgresBackupBenchmark 'postgresql://postgres@$HOST:$PORT/$DB?row-counts=false' $WORK > $c_out 2>/dev/null")
  e=$(t bash -c "$PGDUMP -h $HOST -p $PORT -U postgres -Fc -Z0 $DB | zstd -3 -q | openssl enc -aes-256-ctr -pbkdf2 -pass pass:bench > $WORK/e.enc")
  rm -f "$WORK/e.enc"
  echo "round $r ($(cut -d' ' -f1-3 /proc/loadavg)): A pg_dump -Z0 >/dev/null ${a}s | B pg_dump -Fc >file ${b}s (${size_b} bytes) | C biowerk ${c}s process [$c_line] | D biowerk no counts ${d}s process [$(cat $c_out)] | E shell pipeline ${e}s"
done
