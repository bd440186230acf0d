#!/usr/bin/env bash
# Builds the benchmarks jar and runs the JMH suite; arguments go to JMH, e.g.
#   benchmarks/run.sh                      every benchmark, then the heap-per-instance probe
#   benchmarks/run.sh WapcEcho             benchmarks whose name matches the regexp WapcEcho
#   benchmarks/run.sh WapcEcho -p payloadBytes=64 -prof gc
#   benchmarks/run.sh -l                   list benchmarks
#   benchmarks/run.sh heap [N]             only the heap-per-instance probe (default N=500)
# JMH results are written as JSON to benchmarks/target/jmh-result.json. See docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -q -DskipTests package -pl benchmarks -am

heap() {
  echo
  java -Xms2g -Xmx2g -cp benchmarks/target/benchmarks.jar dev.kelpie.benchmarks.HeapPerInstance "$@"
}

if [[ "${1:-}" == "heap" ]]; then
  shift
  heap "$@"
  exit 0
fi

java -jar benchmarks/target/benchmarks.jar "$@" -rf json -rff benchmarks/target/jmh-result.json

# the whole suite (no arguments) ends with the heap probe, which is not a JMH benchmark
if [[ $# -eq 0 ]]; then
  heap
fi
