#!/bin/bash
# archive_command fast path of the launcher, foreground only (no --repo, so no drainer): a 16 MiB segment, N rounds,
# each timing a bare bash start, cp+mv+sync of the segment alone, and `wal-push --async` through the launcher.
# Usage (repository root): bash biowerk-dr-postgres/bench/push-micro.sh ./biowerk-dr [N]; prints medians in us.
set -euo pipefail
LAUNCHER=${1:?launcher}; N=${2:-30}
W=$(mktemp -d /tmp/pitr5-push.XXXX); trap 'rm -rf "$W"' EXIT
head -c 16M /dev/urandom > "$W/000000010000000000000001"
mkdir -p "$W/spool" "$W/plain"
med() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for i in $(seq 1 "$N"); do
  s=$(date +%s%N); bash -c true; e=$(date +%s%N); echo $(( (e-s)/1000 )) >> "$W/t.bash"
  s=$(date +%s%N); cp -- "$W/000000010000000000000001" "$W/plain/.x.tmp"; mv -f -- "$W/plain/.x.tmp" "$W/plain/x"; sync -- "$W/plain/x" "$W/plain"; e=$(date +%s%N); echo $(( (e-s)/1000 )) >> "$W/t.copy"
  rm -f "$W/plain/x"
  s=$(date +%s%N); BIOWERK_DR_NO_BUILD=1 "$LAUNCHER" wal-push --source b --async --spool "$W/spool" "$W/000000010000000000000001"; e=$(date +%s%N); echo $(( (e-s)/1000 )) >> "$W/t.push"
  rm -f "$W/spool/000000010000000000000001"
done
echo "N=$N load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bare bash start median $(med < "$W/t.bash") us"
echo "cp+mv+sync 16 MiB median $(med < "$W/t.copy") us"
echo "launcher wal-push --async median $(med < "$W/t.push") us (min $(sort -n "$W/t.push" | head -1))"
