#!/usr/bin/env bash
# Point-in-time recovery benchmark against pgBackRest (docs/benchmarks.md "## postgres PITR"), in ONE run on ONE
# private cluster (initdb on a free loopback port, under runuser -u postgres when run as root), both tools with
# zstd level 3 and encryption, pgBackRest with process-max=2:
#   1. full backup:      biowerk-dr backup ?mode=physical   vs  pgbackrest backup --type=full
#   2. restore + recovery to a target time through the WAL written after the backup (both replay the same WAL,
#      both archived by the same archive_command): restore, start the server, wait until it promoted
#   3. archive_command latency in async mode under a pgbench load: every call times both pushes of the segment
#      (pgbackrest archive-push with archive-async=y, and biowerk-dr wal-push --async through the launcher)
#   5. RPO: kill -9 of the primary during a write load with the receiver running, recovery to the end of the
#      repository's WAL, and the seconds of load the recovery lacks (see the section's comment)
#   4. archive lag with the receiver (biowerk-dr wal-receive) under the same load: pg_stat_replication's
#      flush_lag (the server's clock: WAL written -> the receiver reported it stored) sampled every second
# Data: a table of random text (md5 of random numbers, about 2x compressible like real text, not pgbench's
# 100x-compressible filler), ${DATA_MB:-512} MB, then pgbench load for ${LOAD_SECONDS:-60} s.
# Usage, from the repository root (needs pgbackrest, apt-get install pgbackrest): bash biowerk-dr-postgres/bench/pitr-bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DATA_MB=${DATA_MB:-512}
LOAD_SECONDS=${LOAD_SECONDS:-60}
RPO_SECONDS=${RPO_SECONDS:-30}
PGBIN=/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -1)/bin
if ! command -v pgbackrest >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "pitr-bench: installing pgbackrest (apt-get install pgbackrest)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbackrest >/dev/null \
      || { echo "pitr-bench: apt-get install pgbackrest failed; install it, then run again" >&2; exit 1; }
  else
    echo "pitr-bench: pgbackrest is not installed: apt-get install pgbackrest" >&2; exit 1
  fi
fi
echo "pgbackrest: $(pgbackrest version)"
WORK=$(mktemp -d /tmp/bw-pitrbench-XXXXXX)
chmod 755 "$WORK"
AS=(); [ "$(id -u)" = 0 ] && AS=(runuser -u postgres --)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATA=$WORK/data
cleanup() {
  if [ -n "${RECV_PID:-}" ]; then kill "$RECV_PID" 2>/dev/null; sleep 2; kill -9 "$RECV_PID" 2>/dev/null; fi || true
  for d in "$DATA" "$WORK/r1" "$WORK/r2" "$WORK/r3"; do
    [ -f "$d/postmaster.pid" ] && "${AS[@]}" "$PGBIN/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1 || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
export HOME=$WORK/home
mkdir -p "$HOME" "$WORK/spool" "$WORK/pgbr-spool" "$WORK/pgbr-repo" "$WORK/repo" "$WORK/log"
KEY=$WORK/key
./biowerk-dr keys generate --key-file "$KEY" >/dev/null 2>&1 || BIOWERK_DR_KEY_FILE=$KEY ./biowerk-dr keys generate >/dev/null 2>&1
export BIOWERK_DR_NO_BUILD=1
# the launcher the server runs, bounded to 64 MiB of heap as any production install
cat > "$WORK/bw" <<EOS
#!/bin/sh
JAVA_OPTS=-Xmx64m exec $ROOT/biowerk-dr "\$@"
EOS
chmod 755 "$WORK/bw"
cat > "$WORK/pgbackrest.conf" <<EOS
[global]
repo1-path=$WORK/pgbr-repo
repo1-retention-full=2
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=bench-passphrase-0123456789
compress-type=zst
compress-level=3
process-max=2
archive-async=y
spool-path=$WORK/pgbr-spool
log-path=$WORK/log
lock-path=$WORK/log
log-level-console=warn
start-fast=y
[bench]
pg1-path=$DATA
pg1-port=$PORT
pg1-socket-path=$WORK
EOS
cat > "$WORK/archive-pgbackrest.sh" <<EOS
#!/bin/bash
# one archive_command call: both tools push the segment, each timed (nanoseconds)
s=\$(date +%s%N)
pgbackrest --config=$WORK/pgbackrest.conf --stanza=bench archive-push "\$1" || exit 1
m=\$(date +%s%N)
$WORK/bw wal-push --source bench --async --spool $WORK/spool --repo $WORK/repo --key-file $KEY "\$1" || exit 1
e=\$(date +%s%N)
echo "\$(( (m - s) / 1000 )) \$(( (e - m) / 1000 ))" >> $WORK/latency
EOS
chmod 755 "$WORK/archive-pgbackrest.sh"
chown -R postgres: "$WORK" 2>/dev/null || true
"${AS[@]}" "$PGBIN/initdb" -D "$DATA" -A trust -U postgres >/dev/null
cat >> "$DATA/postgresql.conf" <<EOS
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
wal_level = replica
archive_mode = on
archive_command = '$WORK/archive-pgbackrest.sh %p'
max_wal_senders = 4
shared_buffers = 128MB
max_wal_size = 1GB
EOS
"${AS[@]}" "$PGBIN/pg_ctl" -D "$DATA" -l "$WORK/log/server.log" -w start >/dev/null
PSQL=("$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -X -q -A -t)
"${AS[@]}" pgbackrest --config="$WORK/pgbackrest.conf" --stanza=bench stanza-create >/dev/null
"${PSQL[@]}" -c "CREATE TABLE docs (id bigint PRIMARY KEY, body text)" postgres
ROWS=$(( DATA_MB * 1024 * 1024 / 300 ))
"${PSQL[@]}" -c "INSERT INTO docs SELECT g, repeat(md5(random()::text) || ' ' || md5(g::text) || ' ', 4) FROM generate_series(1, $ROWS) g" postgres
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -i -s 10 -q postgres >/dev/null 2>&1
"${PSQL[@]}" -c "CHECKPOINT" -c "SELECT pg_switch_wal()" postgres >/dev/null
echo "cluster size: $("${PSQL[@]}" -c "SELECT pg_size_pretty(sum(pg_database_size(datname))) FROM pg_database" postgres)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GB RAM, load $(cut -d' ' -f1-3 /proc/loadavg)"

t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
R1=$WORK/r1; R2=$WORK/r2; P1=$((PORT + 1)); P2=$((PORT + 2))
recover() { # data dir, port: start, wait until promoted
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$1" -l "$1.log" -o "-p $2 -c archive_mode=off -c unix_socket_directories=$WORK" -w -t 3600 start >/dev/null
  until [ "$("$PGBIN/psql" -h 127.0.0.1 -p "$2" -U postgres -X -A -t -c 'SELECT pg_is_in_recovery()' postgres 2>/dev/null)" = f ]; do sleep 0.2; done
}
# RPO_ONLY=1 runs only part 5 (the RPO after kill -9), e.g. on a small cluster
if [ "${RPO_ONLY:-0}" != 1 ]; then
# 1. full backup, ours then theirs
ours_backup=$(t ./biowerk-dr backup "postgresql://postgres@127.0.0.1:$PORT/postgres?mode=physical&name=bench" --repo "$WORK/repo" --key-file "$KEY")
their_backup=$(t "${AS[@]}" pgbackrest --config="$WORK/pgbackrest.conf" --stanza=bench --type=full backup)
echo "full backup: biowerk-dr ${ours_backup}s, pgbackrest ${their_backup}s"

# 3 + 4. load, with the receiver running
JAVA_OPTS=-Xmx64m ./biowerk-dr wal-receive "postgresql://postgres@127.0.0.1:$PORT/postgres?name=benchrecv&slot=bench" \
  --repo "$WORK/repo" --key-file "$KEY" > "$WORK/log/receiver.log" 2>&1 &
RECV_PID=$!
sleep 5
( for i in $(seq 1 $((LOAD_SECONDS + 5))); do
    "${PSQL[@]}" -c "SELECT coalesce(extract(epoch FROM flush_lag), 0) FROM pg_stat_replication WHERE application_name <> 'pg_basebackup' LIMIT 1" postgres >> "$WORK/lag" 2>/dev/null || true
    sleep 1
  done ) &
LAG_PID=$!
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -c 2 -T "$LOAD_SECONDS" -n postgres 2>&1 | grep -E "^tps" || true
TARGET=$("${PSQL[@]}" -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')" postgres)
EXPECT=$("${PSQL[@]}" -c "SELECT sum(abalance) FROM pgbench_accounts" postgres)
sleep 1
"${PSQL[@]}" -c "INSERT INTO docs VALUES (-1, 'after the target')" postgres
"${PSQL[@]}" -c "SELECT pg_switch_wal()" postgres >/dev/null
wait "$LAG_PID" || true
WAL_MB=$(du -sm "$DATA/pg_wal" | cut -f1)
# wait until both archives have the segment that holds the target
sleep 5
BIOWERK_DR_FAST_PUSH=off ./biowerk-dr wal-push --source bench --drain --once --spool "$WORK/spool" --repo "$WORK/repo" --key-file "$KEY" >/dev/null 2>&1 || true
kill "$RECV_PID" 2>/dev/null || true; sleep 2; kill -9 "$RECV_PID" 2>/dev/null || true; RECV_PID=
median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "n/a"; else print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
p_max() { sort -g | tail -1; }
echo "archive_command calls: $(wc -l < "$WORK/latency"); median latency: pgbackrest archive-push (async) $(cut -d' ' -f1 "$WORK/latency" | median) us, biowerk-dr wal-push --async $(cut -d' ' -f2 "$WORK/latency" | median) us"
echo "receiver flush lag under load (s): median $(median < "$WORK/lag"), max $(p_max < "$WORK/lag")"

# 2. restore + recovery to the target time; both must end with the same balance sum
"${PSQL[@]}" -c "SELECT 1" postgres >/dev/null
# each also records how long laying the base backup down took (the rest is the server's recovery)
ours_restore() {
  local s; s=$(date +%s.%N)
  ./biowerk-dr restore latest:bench "$R1" --target-time "$TARGET" --repo "$WORK/repo" --key-file "$KEY" --fetch-command "$WORK/bw" >/dev/null
  chown -R postgres: "$R1" 2>/dev/null || true
  echo "$(date +%s.%N) - $s" | bc > "$WORK/laydown.ours"
  recover "$R1" "$P1"
}
their_restore() {
  local s; s=$(date +%s.%N)
  mkdir -p "$R2"; chmod 700 "$R2"; chown postgres: "$R2" 2>/dev/null || true
  "${AS[@]}" pgbackrest --config="$WORK/pgbackrest.conf" --stanza=bench --pg1-path="$R2" --type=time \
    "--target=$(echo "$TARGET" | sed 's/T/ /; s/Z$/+00/')" --target-action=promote restore
  echo "$(date +%s.%N) - $s" | bc > "$WORK/laydown.theirs"
  recover "$R2" "$P2"
}
ours_rec=$(t ours_restore)
their_rec=$(t their_restore)
GOT1=$("$PGBIN/psql" -h 127.0.0.1 -p "$P1" -U postgres -X -A -t -c "SELECT sum(abalance) FROM pgbench_accounts" postgres)
GOT2=$("$PGBIN/psql" -h 127.0.0.1 -p "$P2" -U postgres -X -A -t -c "SELECT sum(abalance) FROM pgbench_accounts" postgres)
echo "restore + recovery through ${WAL_MB} MB of pg_wal to $TARGET: biowerk-dr ${ours_rec}s (sum $GOT1), pgbackrest ${their_rec}s (sum $GOT2), expected sum $EXPECT"
echo "of which laying the base backup down (restore command): biowerk-dr $(cat "$WORK/laydown.ours")s, pgbackrest $(cat "$WORK/laydown.theirs")s; the rest is the server's recovery (restore_command)"
echo "ratios (biowerk-dr / pgbackrest): backup $(echo "scale=2; $ours_backup / $their_backup" | bc), restore+recovery $(echo "scale=2; $ours_rec / $their_rec" | bc)"
fi

# 5. RPO with the receiver: a fresh base backup, then a write load (pgbench plus one committer stamping a row every
#    ~10 ms with the server's clock) with the receiver running; kill -9 of the postmaster and its children mid-load;
#    recovery of that base backup to the end of the repository's WAL (its .partial segment included); the RPO is the
#    load's time between the newest stamped row the recovery has and the kill.
"${AS[@]}" "$PGBIN/pg_ctl" -D "$R1" -m fast -w stop >/dev/null 2>&1 || true
"${AS[@]}" "$PGBIN/pg_ctl" -D "$R2" -m fast -w stop >/dev/null 2>&1 || true
rm -rf "$R1" "$R2"
# the drains and receivers above ran as this user: hand the repository back to the server's user for its pushes
chown -R postgres: "$WORK/repo" "$WORK/spool" 2>/dev/null || true
"${PSQL[@]}" -c "CREATE TABLE rpo_ticks (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())" postgres
# the receiver's source (benchrecv) gets its own base backup, so its WAL alone recovers it
JAVA_OPTS=-Xmx64m ./biowerk-dr wal-receive "postgresql://postgres@127.0.0.1:$PORT/postgres?name=benchrecv&slot=bench" \
  --repo "$WORK/repo" --key-file "$KEY" >> "$WORK/log/receiver.log" 2>&1 &
RECV_PID=$!
sleep 5
./biowerk-dr backup "postgresql://postgres@127.0.0.1:$PORT/postgres?mode=physical&name=benchrecv" --repo "$WORK/repo" --key-file "$KEY" >/dev/null
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -c 2 -T $((RPO_SECONDS + 30)) -n postgres >/dev/null 2>&1 &
LOAD_PID=$!
( while :; do echo "INSERT INTO rpo_ticks DEFAULT VALUES;"; sleep 0.01; done ) | "${PSQL[@]}" postgres >/dev/null 2>&1 &
TICK_PID=$!
sleep "$RPO_SECONDS"
PM=$(head -1 "$DATA/postmaster.pid")
CHILDREN=$(ps -o pid= --ppid "$PM" | tr '\n' ' ')
kill -9 "$PM" $CHILDREN 2>/dev/null || true
KILLED_AT=$(date +%s.%N)
kill "$TICK_PID" "$LOAD_PID" 2>/dev/null || true
wait "$LOAD_PID" 2>/dev/null || true
sleep 3   # the receiver reconnects in vain; what it stored is in the repository
kill "$RECV_PID" 2>/dev/null || true; sleep 3; kill -9 "$RECV_PID" 2>/dev/null || true; RECV_PID=
R3=$WORK/r3; P3=$((PORT + 3))
./biowerk-dr restore latest:benchrecv "$R3" --repo "$WORK/repo" --key-file "$KEY" --fetch-command "$WORK/bw" >/dev/null
chown -R postgres: "$R3" 2>/dev/null || true
recover "$R3" "$P3"
LAST_TICK=$("$PGBIN/psql" -h 127.0.0.1 -p "$P3" -U postgres -X -A -t -c "SELECT extract(epoch FROM max(at)) FROM rpo_ticks" postgres)
TICKS=$("$PGBIN/psql" -h 127.0.0.1 -p "$P3" -U postgres -X -A -t -c "SELECT count(*) FROM rpo_ticks" postgres)
"${AS[@]}" "$PGBIN/pg_ctl" -D "$R3" -m fast -w stop >/dev/null 2>&1 || true
echo "RPO after kill -9 of the primary under load (receiver running, flush interval 1 s): $(echo "$KILLED_AT - $LAST_TICK" | bc) s of load lost (newest recovered row stamped at $LAST_TICK, kill at $KILLED_AT; $TICKS ticks recovered)"
[ "${RPO_ONLY:-0}" = 1 ] || echo "repository sizes: biowerk-dr $(du -sm "$WORK/repo" | cut -f1) MB, pgbackrest $(du -sm "$WORK/pgbr-repo" | cut -f1) MB"
