#!/usr/bin/env bash
# Crash campaign: `kill -9` at random moments of backup, restore, prune and `keys rewrap`, every trial through
# the real ./biowerk-dr command (its own JVM, killed with SIGKILL), with checks after each trial. Results and
# what each check means: docs/reliability.md.
#
#   bench/crash-campaign.sh [--backup N] [--restore N] [--prune N] [--rewrap N] [--seed S] [--size-mb M]
#                           [--prune-backups B] [--calibrate C] [--age-days D] [--work DIR] [--keep]
#
# Defaults: 70 backup, 70 restore, 70 prune and 30 rewrap trials, seed 1, a 16 MiB source, 60 backups for the
# prune and rewrap repositories. A run prints one line per trial and a summary; it exits 1 if any check failed
# (the failed trial's work folder is kept and named). Needs the command's jar (the launcher builds it if
# missing: `mvn -pl biowerk-dr-cli -am package -DskipTests`).
#
# Kill times: each operation is first run whole (CAL times) and its span measured from the moment its first
# effect is visible (backup: its in-progress marker; restore: its staging folder; prune: the first backup gone;
# rewrap: the first manifest re-wrapped) to the process' exit (medians). Each trial starts the operation, polls
# (every 5 ms) until its first effect is visible, then waits a time drawn uniformly from 0 to that span and
# kills: the JVM's start-up time, which varies by seconds on a loaded machine, does not move the kill out of
# the operation. After each kill the trial is classed by what it left: "mid" (killed while running, with the
# operation's effect begun: a marker, temp or staging file, part of the backups pruned or re-wrapped),
# "before" (still running but no effect left to see) or "after" (the process had already exited).
#
# Checks after each trial (a failed check prints FAIL with what was found, the seed and the trial's folder):
#   backup : `verify all` exits 0 (every listed backup decodes and matches both checksums, and a damaged row,
#            such as a manifest without its data, exits 3: no partial backup is listed); the next `backup`
#            exits 0; after it, no in-progress marker, no temp file (*.biowerk-tmp-*) and no data, .sha256 or
#            .verify.json object without its manifest is left in the repository. Every 5th trial also prunes
#            to 2 backups and checks that `status --json` counts no damage.
#   restore: the target is absent, or complete and byte-identical to the source (diff -r); the next restore
#            into the same folder exits 0 and is byte-identical; after it, `status --restore-dir --json`
#            reports no leftover and the folder holds nothing but the targets.
#   prune  : every backup prune keeps is still in the repository; `verify all` exits 0; the next `prune`
#            exits 0 and leaves exactly the kept backups, no marker, no temp file, no object without its
#            manifest.
#   rewrap : `verify all --level decode` with the key file (holding the old and the new key) exits 0: every
#            backup decrypts with one of them; one backup picked at random restores byte-identical; the second
#            `keys rewrap` exits 0, then every manifest is wrapped to the new key and `keys retire OLD`
#            succeeds (nothing needs the old key any more).
#
# The prune and rewrap repository (PRUNE_BACKUPS small backups) is made by bench/CrashCampaignFixture.java in
# one JVM; every operation under test runs through ./biowerk-dr.
set -uo pipefail

ROOT="${CRASH_CAMPAIGN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
CLI="$ROOT/biowerk-dr"
N_BACKUP=70 N_RESTORE=70 N_PRUNE=70 N_REWRAP=30 SEED=1 SIZE_MB=16 PRUNE_BACKUPS=60 KEEP_LAST=5 CAL=3
WORK="" KEEP=0 AGE_DAYS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --backup) N_BACKUP="$2"; shift 2 ;;
    --restore) N_RESTORE="$2"; shift 2 ;;
    --prune) N_PRUNE="$2"; shift 2 ;;
    --rewrap) N_REWRAP="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --size-mb) SIZE_MB="$2"; shift 2 ;;
    --prune-backups) PRUNE_BACKUPS="$2"; shift 2 ;;
    --calibrate) CAL="$2"; shift 2 ;;
    --age-days) AGE_DAYS="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,40p' "$0"; exit 0 ;;
    *) echo "crash-campaign: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$WORK" ] || WORK="$(mktemp -d /tmp/crash-campaign.XXXXXX)"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
RANDOM=$SEED
export BIOWERK_DR_NO_BUILD=1
unset BIOWERK_DR_REPO BIOWERK_DR_KEY BIOWERK_DR_KEY_FILE BIOWERK_DR_KEY_PROVIDER
[ -f "${BIOWERK_DR_JAR:-$ROOT/biowerk-dr-cli/target/biowerk-dr.jar}" ] \
  || BIOWERK_DR_NO_BUILD= "$CLI" --version >/dev/null || { echo "crash-campaign: no jar" >&2; exit 1; }
LOG="$WORK/campaign.log"
FAILS=0
declare -A MID BEFORE AFTER TRIALS FAILED

log() { echo "$*" | tee -a "$LOG"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
rand() { echo $(( (RANDOM * 32768 + RANDOM) % ($1 > 0 ? $1 : 1) )); } # 0 .. $1-1
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
fail() { # op trial what
  log "FAIL $1 trial $2: $3 (work: $WORK/$1-$2, seed $SEED)"
  FAILS=$((FAILS + 1)); FAILED[$1]=$(( ${FAILED[$1]:-0} + 1 )); KEEP_TRIAL=1
}
dr() { "$CLI" "$@"; } # the real command

# Leftovers in a file repository: markers, temp files, data/.sha256 objects without a manifest. Prints them.
repo_leftovers() {
  local repo="$1" f data
  find "$repo" -path '*/.in-progress/*' -type f 2>/dev/null
  find "$repo" -name '*.biowerk-tmp-*' 2>/dev/null
  # a backup's objects: <data>, <data>.sha256, <data>.verify.json beside <data>.manifest.json
  while IFS= read -r f; do
    data="${f%.sha256}"; data="${data%.verify.json}"
    [ -e "$data.manifest.json" ] || echo "$f (no manifest)"
  done < <(find "$repo" -type f -not -path '*/.in-progress/*' -not -name '*.biowerk-tmp-*' \
             -not -name '*.manifest.json' 2>/dev/null | grep -v '/\.[^/]*$')
}
manifests() { find "$1" -name '*.manifest.json' 2>/dev/null | sed 's#.*/##; s#\..*##' | sort; }

# Runs "$@" (after the delay and effect function) in the background; once effect_fn sees the operation's first
# effect, waits delay ms more and kills the process with SIGKILL. Sets ALIVE=1 if it was still running then
# (0 if it exited first), KILL_MS (ms from the start to the kill).
kill_after() {
  local delay="$1" effect_fn="$2"; shift 2
  [ "$1" != dr ] || { shift; set -- "$CLI" "$@"; } # the launcher itself (it execs java), not a subshell
  local t0; t0=$(now_ms)
  "$@" >"$TRIAL_DIR/killed.out" 2>"$TRIAL_DIR/killed.err" &
  local pid=$!
  until "$effect_fn" || ! kill -0 "$pid" 2>/dev/null; do sleep 0.005; done
  sleep "$(awk -v d="$delay" 'BEGIN {printf "%.3f", d / 1000}')"
  KILL_MS=$(( $(now_ms) - t0 ))
  if kill -0 "$pid" 2>/dev/null; then ALIVE=1; kill -9 "$pid" 2>/dev/null; else ALIVE=0; fi
  wait "$pid" 2>/dev/null
  KILLED_RC=$?
}

# Calibration: runs setup_fn + "$@" CAL times; in the background polls effect_fn (exit 0 once the effect is
# visible). Sets FIRST_MS (median ms to the first effect) and END_MS (median ms to exit).
calibrate() {
  local setup_fn="$1" effect_fn="$2"; shift 2
  local firsts=() ends=() i t0 t pid first
  [ "$1" != dr ] || { shift; set -- "$CLI" "$@"; }
  for i in $(seq 1 "$CAL"); do
    TRIAL_DIR="$WORK/calibrate"; rm -rf "$TRIAL_DIR"; mkdir -p "$TRIAL_DIR"
    "$setup_fn"
    t0=$(now_ms); first=""
    "$@" >"$TRIAL_DIR/cal.out" 2>"$TRIAL_DIR/cal.err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      if [ -z "$first" ] && "$effect_fn"; then first=$(( $(now_ms) - t0 )); fi
      sleep 0.005
    done
    wait "$pid" || { log "calibration run failed: $* ($(tail -2 "$TRIAL_DIR/cal.err"))"; exit 1; }
    t=$(( $(now_ms) - t0 ))
    firsts+=("${first:-$t}"); ends+=("$t")
  done
  FIRST_MS=$(printf '%s\n' "${firsts[@]}" | median); END_MS=$(printf '%s\n' "${ends[@]}" | median)
  log "calibrate $CUR_OP: first effect after ${FIRST_MS} ms, exit after ${END_MS} ms (median of $CAL)"
}
draw_delay() { rand $(( END_MS - FIRST_MS )); } # ms after the first effect, uniform over the span
classify() { # op, mid?(0/1)
  TRIALS[$1]=$(( ${TRIALS[$1]:-0} + 1 ))
  if [ "$ALIVE" = 0 ]; then AFTER[$1]=$(( ${AFTER[$1]:-0} + 1 )); CLASS=after
  elif [ "$2" = 1 ]; then MID[$1]=$(( ${MID[$1]:-0} + 1 )); CLASS=mid
  else BEFORE[$1]=$(( ${BEFORE[$1]:-0} + 1 )); CLASS=before; fi
}
end_trial() { # op trial
  [ "$KEEP_TRIAL" = 1 ] || [ "$KEEP" = 1 ] || rm -rf "$TRIAL_DIR"
}

# ---- fixtures --------------------------------------------------------------------------------------------------
log "crash campaign: seed $SEED, work $WORK, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
KEYS="$WORK/keys"; mkdir -p "$KEYS"
dr keys generate --key-file "$KEYS/key" >/dev/null 2>"$WORK/keygen.err" || { cat "$WORK/keygen.err"; exit 1; }
chmod 600 "$KEYS/key"
SRC="$WORK/src"; mkdir -p "$SRC/sub/deeper"
# a mixed tree: many small files and a few large ones, random (incompressible) bytes
for i in $(seq 1 60); do head -c $(( (RANDOM % 64 + 1) * 1024 )) /dev/urandom >"$SRC/sub/small-$i.bin"; done
for i in $(seq 1 4); do head -c $(( SIZE_MB * 1048576 / 4 )) /dev/urandom >"$SRC/sub/deeper/large-$i.bin"; done
echo "text" >"$SRC/readme.txt"
SMALL="$WORK/small-src"; mkdir -p "$SMALL"; for i in 1 2 3; do head -c 4096 /dev/urandom >"$SMALL/f$i"; done

# ---- backup ----------------------------------------------------------------------------------------------------
BREPO="$WORK/backup-repo"
b_setup() { :; }
b_effect() { [ -n "$(find "$BREPO" -path '*/.in-progress/*' -type f 2>/dev/null | head -1)" ]; }
if [ "$N_BACKUP" -gt 0 ]; then
  CUR_OP=backup
  calibrate b_setup b_effect dr backup "file://$SRC" --repo "$BREPO" --key-file "$KEYS/key"
  for t in $(seq 1 "$N_BACKUP"); do
    TRIAL_DIR="$WORK/backup-$t"; mkdir -p "$TRIAL_DIR"; KEEP_TRIAL=0
    before="$(manifests "$BREPO")"
    d=$(draw_delay)
    kill_after "$d" b_effect dr backup "file://$SRC" --repo "$BREPO" --key-file "$KEYS/key"
    left="$(repo_leftovers "$BREPO")"; now="$(manifests "$BREPO")"; echo "$left" >"$TRIAL_DIR/left-after-kill"
    [ -n "$left" ] || [ "$before" != "$now" ] && m=1 || m=0
    classify backup "$m"
    # verify all: every listed backup decodes and matches its checksums; a damaged row exits 3
    dr verify all --repo "$BREPO" --key-file "$KEYS/key" >"$TRIAL_DIR/verify.out" 2>&1 \
      || fail backup "$t" "verify all exit $? after the kill: $(tail -3 "$TRIAL_DIR/verify.out")"
    dr backup "file://$SRC" --repo "$BREPO" --key-file "$KEYS/key" >"$TRIAL_DIR/next.out" 2>&1 \
      || fail backup "$t" "next backup exit $?: $(tail -3 "$TRIAL_DIR/next.out")"
    left2="$(repo_leftovers "$BREPO")"
    [ -z "$left2" ] || fail backup "$t" "leftovers after the next backup: $(echo $left2)"
    log "backup  $t: kill ${d} ms after the first effect (${KILL_MS} ms after start), $CLASS, left: $(echo $left | sed "s#$BREPO/##g") | next run: $(grep -o 'removed [0-9]* leftover[^(]*' "$TRIAL_DIR/next.out" | head -1)"
    # keep the repository small: prune to the newest few now and then (status checked then too)
    if [ $((t % 5)) = 0 ]; then
      dr prune --keep-last 2 --repo "$BREPO" >/dev/null 2>&1
      dr status --repo "$BREPO" --json >"$TRIAL_DIR/status.json" 2>"$TRIAL_DIR/status.err"
      python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(1 if d.get("damaged",0) else 0)' \
        "$TRIAL_DIR/status.json" || fail backup "$t" "status counts damage: $(head -c 300 "$TRIAL_DIR/status.json")"
    fi
    end_trial backup "$t"
  done
fi

# ---- restore ---------------------------------------------------------------------------------------------------
RREPO="$BREPO"
RDIR="$WORK/restore-targets"
if [ "$N_RESTORE" -gt 0 ]; then
  CUR_OP=restore
  [ -n "$(manifests "$RREPO")" ] || dr backup "file://$SRC" --repo "$RREPO" --key-file "$KEYS/key" >/dev/null 2>&1
  RID="$(manifests "$RREPO" | tail -1)"
  r_setup() { rm -rf "$RDIR"; mkdir -p "$RDIR"; }
  r_effect() { [ -n "$(ls -A "$RDIR" 2>/dev/null)" ]; }
  calibrate r_setup r_effect dr restore "$RID" "$RDIR/cal" --repo "$RREPO" --key-file "$KEYS/key"
  rm -rf "$RDIR"; mkdir -p "$RDIR"
  for t in $(seq 1 "$N_RESTORE"); do
    TRIAL_DIR="$WORK/restore-$t"; mkdir -p "$TRIAL_DIR"; KEEP_TRIAL=0
    target="$RDIR/t$t"
    d=$(draw_delay)
    kill_after "$d" r_effect dr restore "$RID" "$target" --repo "$RREPO" --key-file "$KEYS/key"
    staged="$(ls -A "$RDIR" | grep -c 'biowerk-' || true)"
    state="$([ -e "$target" ] && echo complete || echo absent)"
    [ "$staged" -gt 0 ] || [ -e "$target" ] && m=1 || m=0
    classify restore "$m"
    if [ -e "$target" ]; then
      diff -r "$SRC" "$target" >"$TRIAL_DIR/diff" 2>&1 \
        || fail restore "$t" "target exists after the kill but differs from the source: $(head -3 "$TRIAL_DIR/diff")"
      again="$RDIR/t$t-again"
    else
      again="$target"
    fi
    dr restore "$RID" "$again" --repo "$RREPO" --key-file "$KEYS/key" >"$TRIAL_DIR/next.out" 2>&1 \
      || fail restore "$t" "next restore exit $?: $(tail -3 "$TRIAL_DIR/next.out")"
    diff -r "$SRC" "$again" >"$TRIAL_DIR/diff2" 2>&1 || fail restore "$t" "next restore not identical"
    dr status --repo "$RREPO" --restore-dir "$RDIR" --json >"$TRIAL_DIR/status.json" 2>"$TRIAL_DIR/status.err"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(1 if d.get("restoreLeftovers") else 0)' \
      "$TRIAL_DIR/status.json" || fail restore "$t" "status --restore-dir reports leftovers"
    extra="$(ls -A "$RDIR" | grep -v '^t[0-9]*\(-again\)\?$' || true)"
    [ -z "$extra" ] || fail restore "$t" "left beside the targets: $extra"
    log "restore $t: kill ${d} ms after the first effect (${KILL_MS} ms after start), $CLASS, staging left: $staged, target after kill: $state"
    rm -rf "$target" "$RDIR/t$t-again"
    end_trial restore "$t"
  done
fi

# ---- prune and rewrap repositories: PRUNE_BACKUPS small backups ------------------------------------------------
TEMPLATE="$WORK/template"
if [ "$N_PRUNE" -gt 0 ] || [ "$N_REWRAP" -gt 0 ]; then
  mkdir -p "$TEMPLATE"; cp "$KEYS/key" "$TEMPLATE/key"
  java -cp "${BIOWERK_DR_JAR:-$ROOT/biowerk-dr-cli/target/biowerk-dr.jar}" "$ROOT/bench/CrashCampaignFixture.java" \
    "$SMALL" "$TEMPLATE/repo" "$TEMPLATE/key" "$PRUNE_BACKUPS" >"$WORK/fixture.log" 2>&1 \
    || { log "fixture failed: $(tail -3 "$WORK/fixture.log")"; exit 1; }
  # --age-days: the objects' modification times set back, as for backups taken days ago (the orphan grace of
  # prune counts from them)
  [ "$AGE_DAYS" = 0 ] || find "$TEMPLATE/repo" -type f -exec touch -d "$AGE_DAYS days ago" {} +
  TEMPLATE_IDS="$(manifests "$TEMPLATE/repo")"
  log "template: $(echo "$TEMPLATE_IDS" | grep -c .) backups"
fi
count_ids() { echo "$1" | grep -c . ; }

if [ "$N_PRUNE" -gt 0 ]; then
  CUR_OP=prune
  KEPT="$(echo "$TEMPLATE_IDS" | tail -n "$KEEP_LAST")"
  p_setup() { rm -rf "$WORK/prune-repo"; cp -a "$TEMPLATE/repo" "$WORK/prune-repo"; }
  p_effect() { [ "$(find "$WORK/prune-repo" -name '*.manifest.json' | wc -l)" -lt "$PRUNE_BACKUPS" ]; }
  calibrate p_setup p_effect dr prune --keep-last "$KEEP_LAST" --repo "$WORK/prune-repo"
  for t in $(seq 1 "$N_PRUNE"); do
    TRIAL_DIR="$WORK/prune-$t"; mkdir -p "$TRIAL_DIR"; KEEP_TRIAL=0
    p_setup; PREPO="$WORK/prune-repo"
    d=$(draw_delay)
    kill_after "$d" p_effect dr prune --keep-last "$KEEP_LAST" --repo "$PREPO"
    now="$(manifests "$PREPO")"; n=$(count_ids "$now"); echo "$now" >"$TRIAL_DIR/listed-after-kill"
    [ "$n" -lt "$(count_ids "$TEMPLATE_IDS")" ] && m=1 || m=0
    classify prune "$m"
    # a here-string, not `echo | grep -q`: under pipefail grep's early exit can kill echo with SIGPIPE (a false FAIL)
    for k in $KEPT; do grep -qx "$k" <<<"$now" || fail prune "$t" "kept backup $k no longer in the repository"; done
    dr verify all --repo "$PREPO" --key-file "$TEMPLATE/key" >"$TRIAL_DIR/verify.out" 2>&1 \
      || fail prune "$t" "verify all exit $? after the kill: $(tail -3 "$TRIAL_DIR/verify.out")"
    dr prune --keep-last "$KEEP_LAST" --repo "$PREPO" >"$TRIAL_DIR/next.out" 2>&1 \
      || fail prune "$t" "next prune exit $?: $(tail -3 "$TRIAL_DIR/next.out")"
    after="$(manifests "$PREPO")"
    [ "$after" = "$KEPT" ] || fail prune "$t" "after the next prune: $(echo $after), expected $(echo $KEPT)"
    left="$(repo_leftovers "$PREPO")"
    [ -z "$left" ] || fail prune "$t" "leftovers after the next prune: $(echo $left)"
    log "prune   $t: kill ${d} ms after the first effect (${KILL_MS} ms after start), $CLASS, $n of $(count_ids "$TEMPLATE_IDS") backups listed after the kill"
    end_trial prune "$t"
  done
fi

# ---- rewrap ----------------------------------------------------------------------------------------------------
if [ "$N_REWRAP" -gt 0 ]; then
  CUR_OP=rewrap
  OLD_ID="$(sed -n 's/^active: *//p' "$TEMPLATE/key" | head -1)"
  cp "$TEMPLATE/key" "$TEMPLATE/key.rotated"; chmod 600 "$TEMPLATE/key.rotated"
  dr keys rotate --key-file "$TEMPLATE/key.rotated" >/dev/null 2>&1 || { log "keys rotate failed"; exit 1; }
  NEW_ID="$(sed -n 's/^active: *//p' "$TEMPLATE/key.rotated" | head -1)"
  wrapped_to() { grep -l "\"wrap\.$2\"" $(find "$1" -name '*.manifest.json') 2>/dev/null | wc -l; }
  w_setup() {
    rm -rf "$WORK/rewrap"; mkdir -p "$WORK/rewrap"; cp -a "$TEMPLATE/repo" "$WORK/rewrap/repo"
    cp -p "$TEMPLATE/key.rotated" "$WORK/rewrap/key"
  }
  w_effect() { [ "$(wrapped_to "$WORK/rewrap/repo" "$NEW_ID")" -gt 0 ]; }
  calibrate w_setup w_effect dr keys rewrap --repo "$WORK/rewrap/repo" --key-file "$WORK/rewrap/key"
  log "rewrap: old key $OLD_ID, new key $NEW_ID"
  for t in $(seq 1 "$N_REWRAP"); do
    TRIAL_DIR="$WORK/rewrap-$t"; mkdir -p "$TRIAL_DIR"; KEEP_TRIAL=0
    w_setup; WREPO="$WORK/rewrap/repo"
    d=$(draw_delay)
    kill_after "$d" w_effect dr keys rewrap --repo "$WREPO" --key-file "$WORK/rewrap/key"
    total="$(find "$WREPO" -name '*.manifest.json' | wc -l)"
    new="$(wrapped_to "$WREPO" "$NEW_ID")"; oldonly=$(( total - new ))
    [ "$new" -gt 0 ] && [ "$new" -lt "$total" ] && m=1 || m=0
    classify rewrap "$m"
    dr verify all --level decode --repo "$WREPO" --key-file "$WORK/rewrap/key" >"$TRIAL_DIR/verify.out" 2>&1 \
      || fail rewrap "$t" "verify all --level decode exit $? after the kill: $(tail -3 "$TRIAL_DIR/verify.out")"
    ids="$(manifests "$WREPO")"; pick="$(echo "$ids" | sed -n "$(( $(rand "$(count_ids "$ids")") + 1 ))p")"
    dr restore "$pick" "$TRIAL_DIR/restored" --repo "$WREPO" --key-file "$WORK/rewrap/key" >"$TRIAL_DIR/restore.out" 2>&1 \
      && diff -r "$SMALL" "$TRIAL_DIR/restored" >/dev/null \
      || fail rewrap "$t" "backup $pick does not restore identical: $(tail -2 "$TRIAL_DIR/restore.out")"
    dr keys rewrap --repo "$WREPO" --key-file "$WORK/rewrap/key" >"$TRIAL_DIR/next.out" 2>&1 \
      || fail rewrap "$t" "second rewrap exit $?: $(tail -3 "$TRIAL_DIR/next.out")"
    [ "$(wrapped_to "$WREPO" "$NEW_ID")" = "$total" ] || fail rewrap "$t" "after the second rewrap not every manifest is wrapped to $NEW_ID"
    dr keys retire "$OLD_ID" --repo "$WREPO" --key-file "$WORK/rewrap/key" >"$TRIAL_DIR/retire.out" 2>&1 \
      || fail rewrap "$t" "keys retire $OLD_ID refused after the second rewrap: $(tail -2 "$TRIAL_DIR/retire.out")"
    log "rewrap  $t: kill ${d} ms after the first effect (${KILL_MS} ms after start), $CLASS, $new of $total re-wrapped at the kill"
    end_trial rewrap "$t"
  done
fi

# ---- summary ---------------------------------------------------------------------------------------------------
log ""
log "op       trials  mid  before  after  failed"
total=0
for op in backup restore prune rewrap; do
  [ -n "${TRIALS[$op]:-}" ] || continue
  printf '%-8s %6s %4s %7s %6s %7s\n' "$op" "${TRIALS[$op]}" "${MID[$op]:-0}" "${BEFORE[$op]:-0}" \
    "${AFTER[$op]:-0}" "${FAILED[$op]:-0}" | tee -a "$LOG"
done
log "failures: $FAILS (log: $LOG)"
[ "$FAILS" = 0 ] && [ "$KEEP" = 0 ] && rm -rf "$SRC" "$BREPO" "$TEMPLATE" "$WORK/prune-repo" "$WORK/rewrap"
[ "$FAILS" = 0 ]
