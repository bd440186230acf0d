#!/usr/bin/env bash
# Start to ready, and the first call after a restart, in the distribution (runtime-assembly/target/kelpie,
# build it first: mvn -o -q -pl runtime-assembly -am package -DskipTests). Each variant runs in its own
# copy of the distribution, RUNS times, interleaved, each a fresh JVM (bin/kelpie --exec: C1, serial GC):
#
#   floor     deploy/ empty: Felix and the Kelpie bundles, no module
#   compile   every module compiled at every start: no compile cache, bundles without their .compiled code
#             (Kelpie before the compile cache: the baseline the others are divided by)
#   cold      compile cache on and empty, bundles without code: compiles, fills the cache
#   warm      the cache the run before filled: loads every module's classes from data/compile-cache
#   shipped   the distribution as built: bundles carry their code (.compiled), cache empty
#   go-*      the same with the Go example bundle (examples/) deployed too: go-compile, go-shipped
#
#   base-*    any variant above, from the distribution KELPIE_BASELINE_DIST (e.g. a copy of the build before a
#             change) instead: an A/B in the same run, e.g. floor shipped base-floor base-shipped
#
# Printed: the median "Kelpie ready in N ms" per variant, its ratio to the `floor` of the same distribution
# (what the modules add; 1.00 = nothing) and to `compile`; the registry's own
# part of it (the sum of every module's install time, ModuleDescriptor.compileMillis: parse, validate and
# compile or load the code); the first kelpie:invoke of echo-rust after the start (an activation and a
# call) and the second, measured in Gogo with System.nanoTime, minus the time Gogo takes between two
# nanoTime calls with nothing between them; and the first call as the runtime measured it (its per-type
# latency, from the message's admission to its answer: the activation and the turn, without Gogo and the shell). The one-minute load average is recorded before every run; its
# median per variant is printed with the figures (the machine is shared: a quiet run has a load below 1).
#
#   benchmarks/startup.sh [RUNS] [VARIANT...]      default 5 runs of floor compile cold warm shipped
set -euo pipefail
cd "$(dirname "$0")/.."
DIST=${KELPIE_DIST:-runtime-assembly/target/kelpie}
RUNS=${1:-5}
shift || true
VARIANTS=("$@")
[[ ${#VARIANTS[@]} -gt 0 ]] || VARIANTS=(floor compile cold warm shipped)
[[ -x "$DIST/bin/kelpie" ]] || { echo "no distribution at $DIST: build runtime-assembly first" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# bundles without their build-time code
strip_code() { # jar-in jar-out
  python3 - "$1" "$2" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as src, zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as dst:
    for item in src.infolist():
        if not item.filename.endswith(".compiled"):
            dst.writestr(item, src.read(item.filename))
PY
}

setup() { # variant
  local v=$1 home=$WORK/$1 src=$DIST
  if [[ $v == base-* ]]; then
    src=${KELPIE_BASELINE_DIST:?"variant $v needs KELPIE_BASELINE_DIST"}
    v=${v#base-}
  fi
  cp -r "$src" "$home"
  rm -rf "$home/data"
  case $v in
    floor) rm -f "$home"/deploy/*.jar ;;
    compile|cold|warm|go-compile)
      [[ $v == go-* ]] && cp "$home"/examples/kelpie-module-examples-go.jar "$home/deploy/"
      for jar in "$home"/deploy/*.jar; do strip_code "$jar" "$jar.tmp" && mv "$jar.tmp" "$jar"; done ;;
    shipped) ;;
    go-shipped) cp "$home"/examples/kelpie-module-examples-go.jar "$home/deploy/" ;;
    *) echo "unknown variant $v" >&2; exit 2 ;;
  esac
  if [[ $v == compile || $v == go-compile ]]; then
    sed -i 's/^compile_cache_enabled *=.*/compile_cache_enabled = false/' "$home/conf/dev.kelpie.registry.cfg"
  fi
  if [[ $v == warm ]]; then # fill the cache once
    "$home/bin/kelpie" --exec "kelpie:types" >/dev/null 2>&1
  fi
}

CALLS='c = ((new java.lang.Object) getClass); s = ($c forName java.lang.System); ctx = $.context; rt = ($ctx getService ($ctx getServiceReference dev.kelpie.api.actor.ActorRuntime)); t0 = ($s nanoTime); t1 = ($s nanoTime); kelpie:invoke echo-rust a echo hi; t2 = ($s nanoTime); inside = ((($rt stats echo-rust) get) maxMicros); t2b = ($s nanoTime); kelpie:invoke echo-rust a echo hi; t3 = ($s nanoTime); echo "TIMES $t0 $t1 $t2 $t2b $t3 $inside"; ctx = $.context; r = ($ctx getService ($ctx getServiceReference dev.kelpie.api.module.ModuleRegistry)); each ($r list) { echo INSTALL ($it compileMillis) }'

run() { # variant -> "ready_ms first_us second_us install_ms inside_us"
  local home=$WORK/$1 out v=${1#base-}
  case $v in cold|shipped|go-shipped|go-compile|compile) rm -rf "$home/data" ;; esac
  if [[ $v == floor ]]; then
    out=$("$home/bin/kelpie" --exec "kelpie:types" 2>&1)
  else
    out=$(KELPIE_OPTS="-Dkelpie.ready.timeout=600" "$home/bin/kelpie" --exec "$CALLS" 2>&1)
  fi
  local ready
  ready=$(sed -n 's/.*Kelpie ready in \([0-9]*\) ms.*/\1/p' <<<"$out" | head -1)
  [[ -n $ready ]] || { echo "variant $v did not get ready:" >&2; echo "$out" | tail -20 >&2; exit 1; }
  if [[ $v == floor ]]; then
    echo "$ready - - - -"
  else
    read -r t0 t1 t2 t2b t3 inside < <(sed -n 's/.*TIMES \([0-9]*\) \([0-9]*\) \([0-9]*\) \([0-9]*\) \([0-9]*\) \([0-9]*\).*/\1 \2 \3 \4 \5 \6/p' <<<"$out")
    [[ -n ${t3:-} ]] || { echo "variant $v: no call timings:" >&2; echo "$out" | tail -20 >&2; exit 1; }
    local gap=$((t1 - t0))
    local installs
    installs=$(awk '/^INSTALL [0-9]+/ { sum += $2 } END { print sum + 0 }' <<<"$out")
    echo "$ready $(((t2 - t1 - gap) / 1000)) $(((t3 - t2b - gap) / 1000)) $installs $inside"
  fi
}

for v in "${VARIANTS[@]}"; do setup "$v"; done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for ((i = 1; i <= RUNS; i++)); do
  for v in "${VARIANTS[@]}"; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    r=$(run "$v")
    read -r ready first second installs inside <<<"$r"
    # the load last but one, as before; the first call inside the runtime last
    echo "run $i $v $ready $first $second $installs $load $inside" | tee -a "$WORK/results"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$WORK/results" "${VARIANTS[@]}" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
variants = sys.argv[2:]
def med(v, col):
    xs = [float(r[col]) for r in rows if r[2] == v and r[col] != "-"]
    return statistics.median(xs) if xs else None
def ref(v, name, col):  # the same-run reference of the same distribution (of the Go set for go-*)
    p = "base-" if v.startswith("base-") else ""
    if v[len(p):].startswith("go-") and name != "floor" and med(p + "go-" + name, col):
        return med(p + "go-" + name, col)
    return med(p + name, col)
def ratio(x, y):
    return f"{x / y:.2f}" if x and y else "-"
dash = lambda x: "-" if x is None else f"{x:.0f}"
print()
print("| variant | runs | load, median | ready, median ms | / floor | / compile | module installs, median sum ms | / compile | first call, median µs | second call, median µs | first call inside the runtime, median µs |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for v in variants:
    ready, inst = med(v, 3), med(v, 6)
    n = sum(1 for r in rows if r[2] == v)
    print(f"| {v} | {n} | {med(v, 7):.1f} | {dash(ready)} | {ratio(ready, ref(v, 'floor', 3))} | "
          f"{ratio(ready, ref(v, 'compile', 3))} | {dash(inst)} | {ratio(inst, ref(v, 'compile', 6))} | "
          f"{dash(med(v, 4))} | {dash(med(v, 5))} | {dash(med(v, 8))} |")
print()
for v in variants:
    if v.startswith("base-") and v[5:] in variants:
        print(f"{v[5:]}: ready {dash(med(v[5:], 3))} ms against {dash(med(v, 3))} ms from KELPIE_BASELINE_DIST "
              f"({ratio(med(v[5:], 3), med(v, 3))}x)")
PY
