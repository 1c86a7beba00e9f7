#!/usr/bin/env bash
# Short coverage-guided fuzzing pass for CI (issue 20, item 9: "short runs in CI, long runs on demand"): every
# @FuzzTest (one per parser that reads untrusted bytes, docs/reliability.md) is fuzzed for FUZZ_SECONDS (default
# 20) through the existing -Pfuzz profile, each class in a JVM of its own (Jazzer fuzzes one test per JVM), all in
# one Maven run (about 3 minutes with six parsers). A finding fails the pass: Jazzer writes the input as
# crash-<sha1> into the test's inputs folder (src/test/resources/.../<Test>Inputs/<method>/), where the default
# build replays it from then on; this script copies every such new file to FUZZ_FINDINGS (default
# target/fuzz-findings) and prints each one's path and base64, so the reproducer outlives the CI workspace.
#   FUZZ_SECONDS=N      seconds per parser          FUZZ_TESTS=A,B   the classes (default: every *FuzzTest)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-20}"
tests="${FUZZ_TESTS:-*FuzzTest}"
findings="${FUZZ_FINDINGS:-target/fuzz-findings}"
modules=biowerk-dr-core,biowerk-dr-redis,biowerk-dr-postgres,biowerk-dr-mongo
echo "fuzz: ${tests} for ${seconds} s each (modules ${modules})" >&2
start=$(date +%s)
mvn -B -Pfuzz -pl "$modules" -am test -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false \
  -DreuseForks=false -DforkCount=1 -Dfuzz.seconds="$seconds" -Dspotless.check.skip=true \
  -Dmaven.javadoc.skip=true
rc=$?
# New files in a fuzz test's inputs folder are what this pass found (the committed seeds are tracked).
new=()
while IFS= read -r f; do
  case "$f" in *Inputs/*) new+=("$f") ;; esac
done < <(git ls-files --others --exclude-standard -- '*/src/test/resources/*')
if [ "${#new[@]}" -gt 0 ]; then
  mkdir -p "$findings"
  for f in "${new[@]}"; do
    mkdir -p "$findings/$(dirname "$f")"
    cp -- "$f" "$findings/$f"
    echo "fuzz: FINDING $f (copied to $findings/$f); base64 of the input:" >&2
    base64 -w 76 -- "$f" >&2
  done
  echo "fuzz: commit each finding with its fix: the default build replays it from its inputs folder" >&2
  [ "$rc" -ne 0 ] || rc=1
fi
echo "fuzz: done in $(( $(date +%s) - start )) s, exit $rc" >&2
exit "$rc"
