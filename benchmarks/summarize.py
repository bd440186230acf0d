#!/usr/bin/env python3
"""Summarises a JMH JSON result (default benchmarks/target/jmh-result.json) as Markdown tables.

For every benchmark: JMH's score and error (99.9% CI), plus the best and the median iteration, which
are far less sensitive than the mean to other processes taking the CPU away on a shared machine. For
SampleTime benchmarks: the p50 and p90 of the sampled calls. Then ratios against the same-run baseline
of each class (raw Chicory host, plain Java, ...), computed from the mean, the best iteration and (for
sampled benchmarks) the p50.

usage: benchmarks/summarize.py [jmh-result.json]
"""
import json
import statistics
import sys

# class -> list of (method, baseline method) pairs to report as ratios
RATIOS = {
    "WapcEchoBenchmark": [("kelpie", "rawChicory")],
    "WapcEchoLatencyBenchmark": [("kelpie", "rawChicory")],
    "WapcEchoInterpretedBenchmark": [("kelpie", "rawChicory")],
    "FibBenchmark": [("kelpie", "plainJava"), ("rawChicory", "plainJava"), ("kelpie", "rawChicory"),
                     ("kelpieInterpreted", "kelpie")],
    "InstantiateBenchmark": [("kelpie", "rawBuild"), ("kelpie", "rawBuildInit"), ("kelpie", "rawCappedInit")],
    "LanguagesBenchmark": [("echo", "bareEcho"), ("activate", "bareInstantiate")],
    "ActorLatencyBenchmark": [("actorCall", "bareInstance"), ("actorCallThroughPool", "bareInstance")],
    "ManyActorThroughputBenchmark": [("actors", "bareInstances"), ("actorsCall", "bareInstances")],
    "PythonActivationBenchmark": [("activate", "rustActivate")],
}


def fmt(x):
    if x is None:
        return "-"
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:.1f}"
    return f"{x:.2f}"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "benchmarks/target/jmh-result.json"
    with open(path) as f:
        results = json.load(f)

    rows = {}
    print("| benchmark | params | mode | score | ± error (99.9%) | best iter | median iter | p50 | p90 | unit |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        cls, method = r["benchmark"].split(".")[-2:]
        params = ",".join(f"{k}={v}" for k, v in sorted((r.get("params") or {}).items()))
        pm = r["primaryMetric"]
        mode = r["mode"]
        best = median = p50 = p90 = None
        if mode == "sample":
            pct = pm.get("scorePercentiles", {})
            p50, p90 = pct.get("50.0"), pct.get("90.0")
        else:
            iters = [x for fork in pm.get("rawData", []) for x in fork]
            if iters:
                best, median = min(iters), statistics.median(iters)
        err = pm.get("scoreError")
        err = None if err is None or err != err else err  # NaN when there is one sample
        rows[(cls, params, method)] = dict(score=pm["score"], error=err, best=best, median=median, p50=p50, unit=pm["scoreUnit"])
        print(f"| {cls}.{method} | {params or '-'} | {mode} | {fmt(pm['score'])} | {fmt(err)} | {fmt(best)} "
              f"| {fmt(median)} | {fmt(p50)} | {fmt(p90)} | {pm['scoreUnit']} |")

    print()
    print("| ratio | params | from score (mean) | from best iteration | from p50 |")
    print("|---|---|---:|---:|---:|")
    for (cls, params, method), row in rows.items():
        for m, base in RATIOS.get(cls, []):
            if m != method or (cls, params, base) not in rows:
                continue
            b = rows[(cls, params, base)]

            def ratio(key):
                return f"{row[key] / b[key]:.2f}×" if row[key] and b[key] else "-"

            print(f"| {cls}: {m} / {base} | {params or '-'} | {ratio('score')} | {ratio('best')} | {ratio('p50')} |")

    # compile step alone: COMPILED install minus INTERPRETED install (parse, validate, hash, describe)
    for guest in ("rust", "assemblyscript"):
        c = rows.get(("CompileBenchmark", f"guest={guest},mode=COMPILED", "install"))
        i = rows.get(("CompileBenchmark", f"guest={guest},mode=INTERPRETED", "install"))
        if c and i:
            print(f"| CompileBenchmark: COMPILED − INTERPRETED (compile step alone) | guest={guest} "
                  f"| {c['score'] - i['score']:.1f} ms | {c['best'] - i['best']:.1f} ms | - |")

    key = rows.get(("WapcEchoBenchmark", "payloadBytes=64", "kelpie")), rows.get(("WapcEchoBenchmark", "payloadBytes=64", "rawChicory"))
    sample = rows.get(("WapcEchoLatencyBenchmark", "", "kelpie")), rows.get(("WapcEchoLatencyBenchmark", "", "rawChicory"))
    if all(key):
        line = (f"\nwaPC echo 64 B: Kelpie / raw Chicory = {key[0]['score'] / key[1]['score']:.2f}× from the means, "
                f"{key[0]['best'] / key[1]['best']:.2f}× from the best iterations")
        if all(sample):
            line += f", {sample[0]['p50'] / sample[1]['p50']:.2f}× from the sampled p50s"
        print(line + " (target ≤ 1.3×)")

    languages(rows)


def languages(rows):
    """LanguagesBenchmark side by side: one row per language, the median iteration (and the mean ± JMH's
    99.9% error), ratios of the medians to the language's own bare instance and to Rust (the reference
    column), all from the same run."""
    cls = "LanguagesBenchmark"
    by = {}  # (method, language) -> row
    for (c, params, method), row in rows.items():
        if c == cls and "=" in params:
            by[(method, params.split("=", 1)[1])] = row
    if not by:
        return
    langs = []
    for (_, lang) in by:
        if lang not in langs:
            langs.append(lang)

    def t(method, lang):
        r = by.get((method, lang))
        return "-" if r is None else f"**{fmt(r['median'])}** ({fmt(r['score'])} ± {fmt(r['error'])})"

    # ratios of the median iterations: on a shared machine one descheduled iteration moves a mean a lot
    def q(a, b):
        return f"{a['median'] / b['median']:.2f}×" if a and b and a['median'] and b['median'] else "-"

    g = lambda m, l: by.get((m, l))
    has = lambda *methods: any(m in methods for (m, _) in by)
    if has("echo", "bareEcho", "increment"):
        calls(langs, t, q, g)
    if has("activate", "bareInstantiate"):
        activations(langs, t, q, g)


def calls(langs, t, q, g):
    print()
    print("| language | echo ns/msg | bare echo ns/call | echo / bare | echo / Rust echo | bare / Rust bare "
          "| increment ns/msg | increment / Rust | increment / own echo |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for lang in langs:
        print(f"| {lang} | {t('echo', lang)} | {t('bareEcho', lang)} | {q(g('echo', lang), g('bareEcho', lang))} "
              f"| {q(g('echo', lang), g('echo', 'rust'))} | {q(g('bareEcho', lang), g('bareEcho', 'rust'))} "
              f"| {t('increment', lang)} | {q(g('increment', lang), g('increment', 'rust'))} "
              f"| {q(g('increment', lang), g('echo', lang))} |")


def activations(langs, t, q, g):
    print()
    print("| language | activation µs | bare instantiate + echo µs | activation / bare | activation / Rust "
          "| bare / Rust bare |")
    print("|---|---:|---:|---:|---:|---:|")
    for lang in langs:
        print(f"| {lang} | {t('activate', lang)} | {t('bareInstantiate', lang)} "
              f"| {q(g('activate', lang), g('bareInstantiate', lang))} | {q(g('activate', lang), g('activate', 'rust'))} "
              f"| {q(g('bareInstantiate', lang), g('bareInstantiate', 'rust'))} |")

if __name__ == "__main__":
    main()
