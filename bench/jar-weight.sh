#!/usr/bin/env bash
# Runtime jar count and size of each published module (issue 18): what a program that depends on the
# module alone puts on its class path, the module's own jar included. Offline; run from the repo root:
#   bash bench/jar-weight.sh            (after mvn -o install -DskipTests, so the modules' jars exist)
set -euo pipefail
cd "$(dirname "$0")/.."
modules=(biowerk-dr-core biowerk-dr-testkit biowerk-dr-postgres biowerk-dr-redis biowerk-dr-mongo
  biowerk-dr-storage-s3 biowerk-dr-storage-azure biowerk-dr-storage-gcs biowerk-dr-cli)
list=$(IFS=,; echo "${modules[*]}")
mvn -B -o -q -pl "$list" dependency:build-classpath -DincludeScope=runtime \
  -Dmdep.outputFile=target/runtime-classpath.txt >/dev/null
printf '| module | runtime jars | MB |\n| --- | ---: | ---: |\n'
for m in "${modules[@]}"; do
  own=$(ls "$m"/target/"$m"-*.jar 2>/dev/null | grep -v -e sources -e javadoc -e tests | head -1 || true)
  tr ':' '\n' < "$m/target/runtime-classpath.txt" | grep -v '^$' > /tmp/jar-weight.$$ || true
  [ -n "$own" ] && echo "$own" >> /tmp/jar-weight.$$
  count=$(wc -l < /tmp/jar-weight.$$)
  bytes=$(xargs -a /tmp/jar-weight.$$ -d '\n' stat -c %s | awk '{s+=$1} END {print s+0}')
  printf '| %s | %d | %.1f |\n' "$m" "$count" "$(echo "$bytes / 1048576" | bc -l)"
done
rm -f /tmp/jar-weight.$$
