#!/usr/bin/env bash
# Memory-flat check: a ~300 MB RDB backed up and restored by the CLI with a 64 MiB heap.
set -euo pipefail
JAR=${BIOWERK_DR_JAR:-$(cd "$(dirname "$0")/../.." && pwd)/biowerk-dr-cli/target/biowerk-dr.jar}
W=$(mktemp -d)
P1=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
P2=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
mkdir -p $W/s1 $W/s2 $W/home
redis-server --port $P1 --bind 127.0.0.1 --save '' --appendonly no --dir $W/s1 --rdbcompression no \
  --repl-diskless-sync yes --repl-diskless-sync-delay 0 --enable-debug-command yes --daemonize yes --pidfile $W/s1/pid --logfile $W/s1/log
redis-server --port $P2 --bind 127.0.0.1 --save '' --appendonly no --dir $W/s2 --daemonize yes --pidfile $W/s2/pid --logfile $W/s2/log
sleep 1
redis-cli -p $P1 DEBUG POPULATE 150000 key 2000 >/dev/null
redis-cli -p $P1 INFO memory | grep used_memory_human
export HOME=$W/home
java -jar $JAR keys generate >/dev/null
/usr/bin/time -f "backup: %e s wall, %U s user + %S s sys CPU, max RSS %M KB" java -Xmx64m -jar $JAR backup redis://127.0.0.1:$P1 --repo $W/repo
/usr/bin/time -f "restore: %e s wall, %U s user + %S s sys CPU, max RSS %M KB" java -Xmx64m -jar $JAR restore latest:redis redis://127.0.0.1:$P2 --repo $W/repo
echo "target DBSIZE: $(redis-cli -p $P2 DBSIZE)"
kill $(cat $W/s1/pid) $(cat $W/s2/pid); rm -rf $W
