#!/usr/bin/env bash
# Builds the benchmarks jar and runs the JMH suite; arguments go to JMH, e.g.
#   benchmarks/run.sh                      every benchmark, then the heap-per-instance probe
#   benchmarks/run.sh WapcEcho             benchmarks whose name matches the regexp WapcEcho
#   benchmarks/run.sh WapcEcho -p payloadBytes=64 -prof gc
#   benchmarks/run.sh -l                   list the benchmarks
#   benchmarks/run.sh heap [N]             only the heap-per-instance probe (default N=500)
# JMH writes its results as JSON to benchmarks/target/jmh-result.json; benchmarks/summarize.py turns
# them into the Markdown tables (ratios against the same-run baselines) of docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -q -DskipTests package -pl benchmarks -am

JAR=benchmarks/target/benchmarks.jar
RESULT=benchmarks/target/jmh-result.json

heap() {
  echo
  java -Xms2g -Xmx2g -cp "$JAR" dev.kelpie.benchmarks.HeapPerInstance "$@"
}

if [[ "${1:-}" == "heap" ]]; then
  shift
  heap "$@"
  exit 0
fi

rm -f "$RESULT"
java -jar "$JAR" "$@" -rf json -rff "$RESULT"

if [[ -s "$RESULT" ]] && command -v python3 >/dev/null; then
  echo
  python3 benchmarks/summarize.py "$RESULT" | tee benchmarks/target/jmh-summary.md
fi

# the whole suite (no arguments) ends with the heap probe, which is not a JMH benchmark
if [[ $# -eq 0 ]]; then
  heap
fi
