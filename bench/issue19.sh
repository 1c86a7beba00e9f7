#!/usr/bin/env bash
# Issue 19: a fresh `biowerk-dr` process against the shell pipeline it replaces, backing up and restoring.
#
# Every timing is a fresh process, taken in alternated pairs (the order flips each round), and the script prints
# each pair's ratio and the medians over the rounds, so the figures of one run compare with each other whatever the
# machine's load. Anyone can run it from a checkout:
#
#   bench/issue19.sh [ROUNDS, default 5] [MIB, default 256]
#
#   BENCH_DIR=/path     where data, repositories and restores go (default /tmp/biowerk-issue19; needs ~4x MIB)
#   BENCH_ROOT=/path    the checkout whose ./biowerk-dr runs (default: the one holding this script)
#   BENCH_BASE_JAR=/x.jar  also time that jar (an older build) in every backup and restore round: before/after
#   BENCH_ONLY="a b"    only these groups: help one backup restore plain (default all)
#
# The data: a directory of 4 MiB files of generated SQL-dump text (bench/src/.../SqlDumpData, run as a Java source
# file, no build needed). The pairs:
#   backup   tar -cf - . | zstd -3 -T1 | openssl enc -aes-256-ctr -pbkdf2 -pass pass:x | tee >(sha256sum) > out
#            against ./biowerk-dr backup file://DIR (zstd:3, AES-256-GCM, default workers)
#   restore  openssl enc -d ... | zstd -d | tar -x; sync   against ./biowerk-dr restore latest DIR; sync
#            and, when restic is installed, restic restore of the same tree (+ sync)
#   plain    tar -cf - . | sha256sum   against ./biowerk-dr backup --compression none --no-encrypt
#   one      a one-file directory: ./biowerk-dr backup (wall time, its own repository each time)
#   help     ./biowerk-dr --help
set -euo pipefail
ROUNDS=${1:-5}
MIB=${2:-256}
ROOT="${BENCH_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}"
DIR=${BENCH_DIR:-/tmp/biowerk-issue19}
ONLY=" ${BENCH_ONLY:-help one backup restore plain} "
BW="$ROOT/biowerk-dr"
mkdir -p "$DIR"
DATA="$DIR/tree-$MIB"
ONE="$DIR/one"
export HOME="$DIR/home" BIOWERK_DR_KEY_FILE="$DIR/home/key" BIOWERK_DR_NO_BUILD=1
mkdir -p "$HOME"

# Build the jar (and its class-data archive or AOT cache) before any timing.
BIOWERK_DR_NO_BUILD= "$BW" --version >/dev/null

if [ ! -d "$DATA" ]; then
  echo "generating $MIB MiB of SQL-dump text into $DATA ..." >&2
  java "$ROOT/bench/src/main/java/io/biowerk/dr/bench/SqlDumpData.java" "$DIR/dump-$MIB.sql" "$MIB" >/dev/null
  mkdir -p "$DATA.tmp"
  (cd "$DATA.tmp" && split -b 4M -d -a 4 --additional-suffix=.sql "$DIR/dump-$MIB.sql" part-)
  rm -f "$DIR/dump-$MIB.sql"
  mv "$DATA.tmp" "$DATA"
fi
if [ ! -d "$ONE" ]; then
  mkdir -p "$ONE"
  head -c 100000 "$DATA/$(ls "$DATA" | head -n 1)" >"$ONE/a.sql"
fi

now() { date +%s.%N; }
# t CMD...: runs CMD in bash, prints its wall time in seconds; output discarded, failure fatal.
t() {
  local t0 t1
  t0=$(now)
  if ! bash -c "$1" >/dev/null 2>"$DIR/last.err"; then
    echo "FAILED: $1" >&2
    cat "$DIR/last.err" >&2
    exit 1
  fi
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { echo "$1 / $2" | bc -l; }
fmt() { printf '%.3f' "$1"; }

echo "# bench/issue19.sh $ROUNDS rounds, $MIB MiB, $(date -u +%FT%TZ)"
echo "# machine: $(nproc) CPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# java on the PATH: $(java -version 2>&1 | head -1); the launcher runs: $("$BW" --version 2>/dev/null | tail -n 1)"
echo "# data: $(du -sLm "$DATA" | cut -f1) MiB in $(ls "$DATA/" | wc -l) files; zstd -3: $(tar -C "$DATA" -cf - . | zstd -3 -T1 | wc -c) bytes"

SHELL_BACKUP="cd '$DATA' && tar -cf - . | zstd -q -3 -T1 | openssl enc -aes-256-ctr -pbkdf2 -pass pass:x | tee >(sha256sum >/dev/null) > '$DIR/pipe.out'"
SHELL_RESTORE="rm -rf '$DIR/r-shell' && mkdir '$DIR/r-shell' && openssl enc -d -aes-256-ctr -pbkdf2 -pass pass:x < '$DIR/pipe.out' | zstd -q -d | tar -C '$DIR/r-shell' -xf - && sync"
OURS_BACKUP="rm -rf '$DIR/repo' && '$BW' backup 'file://$DATA' --repo 'file://$DIR/repo'"
OURS_RESTORE="rm -rf '$DIR/r-ours' && '$BW' restore latest '$DIR/r-ours' --repo 'file://$DIR/repo' && sync"
SHELL_PLAIN="cd '$DATA' && tar -cf - . | sha256sum"
OURS_PLAIN="rm -rf '$DIR/repo-plain' && '$BW' backup 'file://$DATA' --compression none --no-encrypt --repo 'file://$DIR/repo-plain'"
BASE_BACKUP="" BASE_RESTORE=""
if [ -n "${BENCH_BASE_JAR:-}" ]; then
  BASE_BACKUP="rm -rf '$DIR/repo-base' && BIOWERK_DR_JAR='$BENCH_BASE_JAR' '$BW' backup 'file://$DATA' --repo 'file://$DIR/repo-base'"
  BASE_RESTORE="rm -rf '$DIR/r-base' && BIOWERK_DR_JAR='$BENCH_BASE_JAR' '$BW' restore latest '$DIR/r-base' --repo 'file://$DIR/repo-base' && sync"
fi
RESTIC=""
if command -v restic >/dev/null 2>&1; then
  export RESTIC_PASSWORD=x RESTIC_REPOSITORY="$DIR/restic"
  if [ ! -d "$DIR/restic" ]; then
    restic init -q >/dev/null && (cd "$DATA" && restic backup -q . >/dev/null)
  fi
  RESTIC="rm -rf '$DIR/r-restic' && restic restore -q latest --target '$DIR/r-restic' && sync"
fi

declare -A T
add() { T[$1]="${T[$1]:-} $2"; }
pair() {  # name-a cmd-a name-b cmd-b round
  if [ $(($5 % 2)) -eq 0 ]; then
    add "$1" "$(t "$2")"; add "$3" "$(t "$4")"
  else
    add "$3" "$(t "$4")"; add "$1" "$(t "$2")"
  fi
}
# Warm-up: one of each, untimed (page cache, class-data archive), and a backup to restore from.
bash -c "$SHELL_BACKUP" >/dev/null 2>&1
bash -c "$OURS_BACKUP" >/dev/null
[ -z "$BASE_BACKUP" ] || bash -c "$BASE_BACKUP" >/dev/null
for r in $(seq "$ROUNDS"); do
  case "$ONLY" in *" help "*)
    add help "$(t "'$BW' --help")" ;; esac
  case "$ONLY" in *" one "*)
    add one "$(t "rm -rf '$DIR/repo-one' && '$BW' backup 'file://$ONE' --repo 'file://$DIR/repo-one'")" ;; esac
  case "$ONLY" in *" backup "*)
    pair shell-backup "$SHELL_BACKUP" ours-backup "$OURS_BACKUP" "$r"
    [ -z "$BASE_BACKUP" ] || add base-backup "$(t "$BASE_BACKUP")" ;; esac
  case "$ONLY" in *" restore "*)
    pair shell-restore "$SHELL_RESTORE" ours-restore "$OURS_RESTORE" "$r"
    [ -z "$RESTIC" ] || add restic-restore "$(t "$RESTIC")"
    [ -z "$BASE_RESTORE" ] || add base-restore "$(t "$BASE_RESTORE")" ;; esac
  case "$ONLY" in *" plain "*)
    pair shell-plain "$SHELL_PLAIN" ours-plain "$OURS_PLAIN" "$r" ;; esac
  echo "round $r done, load $(cut -d' ' -f1 /proc/loadavg)" >&2
done
# The restored trees must equal the source.
case "$ONLY" in *" restore "*) diff -r "$DATA" "$DIR/r-ours" >/dev/null || { echo "restored tree differs" >&2; exit 1; } ;; esac

echo
printf '%-16s %8s   %s\n' what median "runs (s)"
for k in help one shell-backup ours-backup base-backup shell-restore ours-restore base-restore restic-restore shell-plain ours-plain; do
  [ -n "${T[$k]:-}" ] || continue
  printf '%-16s %8s   %s\n' "$k" "$(fmt "$(tr ' ' '\n' <<<"${T[$k]}" | grep . | median)")" \
    "$(for x in ${T[$k]}; do printf '%s ' "$(fmt "$x")"; done)"
done
ratios() {  # a b: median of per-round a/b
  local a=(${T[$1]:-}) b=(${T[$2]:-}) i
  [ ${#a[@]} -gt 0 ] && [ ${#b[@]} -gt 0 ] || return 0
  printf '%-34s %s\n' "$1 / $2" "$(for i in "${!a[@]}"; do ratio "${a[$i]}" "${b[$i]}"; echo; done | grep . | median | xargs printf '%.2f')"
}
echo
echo "median of per-round ratios:"
ratios ours-backup shell-backup
ratios ours-restore shell-restore
ratios ours-restore restic-restore
ratios ours-plain shell-plain
ratios base-backup shell-backup
ratios base-restore shell-restore
ratios ours-backup base-backup
ratios ours-restore base-restore
echo "# load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
