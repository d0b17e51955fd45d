#!/usr/bin/env python3
"""Tables and COCO-style plots from bench/bbob's cache.

    /usr/bin/python3 bench/bbob/report.py [--cache bench/results/bbob/cache]
        [--instances 6-15] [--repeats 1] [--trials 100] [--out bench/results/bbob] [--suite noiseless]

Reads every run of the cache (bench/bbob/runner.h: one file per sampler,
function and dimension, a line per instance with the incumbent's regret after
each trial), keeps the given instances (6-15 report; 1-5 were used to tune),
and with --repeats R their first R runs (bbob run --repeats: run id instance +
1000 r, so a cell's median is over instances x repeats), and prints markdown:

  1. per (function, dimension) cell at --trials: the median regret over the
     instances of auto, tpe, hazero and each Optuna sampler, and the checks of
     issue 13 (auto <= the best Optuna sampler's median, and by how much;
     tpe <= Optuna's TPE; hazero <= Optuna's CMA-ES);
  2. the median regret per function group (COCO's five groups) and dimension;
  3. with --repeats R > 1, the checks of 1. counted from each repeat alone
     (one run per instance), from all R pooled, and from the median over
     instances of each instance's median of its R runs; and how far one
     repeat's medians sit from the pooled ones on average (each Optuna
     sampler's alone, auto's, and the best of Optuna's four: the best of four
     noisy medians is biased low, which counts against auto);
  (--compare a/b,...: only head-to-head counts per dimension, for tuning);

and writes PNGs to --out: ecdf_<suite>.png (COCO's runtime ECDF: the share
of (function, instance, target) triples reached after each number of trials,
targets 10^2 .. 10^-8, one panel per dimension) and profile_<suite>.png (a
performance profile: the share of cells where a sampler's median regret is
within a factor tau of the best sampler's). Regrets below 1e-8 count as 1e-8
(COCO's final target), so "equal" at that floor is a tie.
Needs Debian's python3-matplotlib (and numpy).
"""
import argparse
import collections
import math
import os
import re
import statistics

FLOOR = 1e-8
GROUPS = [("separable", range(1, 6)), ("moderate", range(6, 10)), ("ill-conditioned", range(10, 15)),
          ("multimodal, structured", range(15, 20)), ("multimodal, weak", range(20, 25))]
OPTUNA = ["optuna_random", "optuna_tpe", "optuna_tpe_mv", "optuna_cmaes"]
REPEAT_STRIDE = 1000  # bench/bbob/runner.h kRepeatStride


def ranges(text):
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def load(cache, suite, instances, trials):
    """{sampler: {(f, d): {instance: [regret after t = 1..trials]}}}"""
    data = collections.defaultdict(dict)
    root = os.path.join(cache, suite)
    if not os.path.isdir(root):
        return data
    for sampler in sorted(os.listdir(root)):
        for name in os.listdir(os.path.join(root, sampler)):
            m = re.match(r"f(\d+)_d(\d+)\.txt$", name)
            if not m:
                continue
            runs = {}
            with open(os.path.join(root, sampler, name)) as fh:
                for line in fh:
                    words = line.split()
                    if len(words) < 3 or words[-1] != "end":
                        continue
                    inst, regret = int(words[0]), [max(FLOOR, float(v)) for v in words[2:-1]]
                    if inst in instances and len(regret) >= trials:
                        runs[inst] = regret[:trials]
            if runs:
                data[sampler][(int(m.group(1)), int(m.group(2)))] = runs
    return data


def fmt(v):
    return "-" if v is None else ("%.2g" % v if v >= 0.01 else "%.1e" % v)


def run_ids(instances, repeats):
    """The run ids of the given repeats (an iterable of r) of the instances."""
    return [i + REPEAT_STRIDE * r for r in repeats for i in instances]


def common_instances(data, samplers, cell, instances):
    """The wanted instances that every sampler holding this cell has run."""
    common = set(instances)
    for s in samplers:
        if cell in data.get(s, {}):
            common &= set(data[s][cell])
    return sorted(common)


def cell_median(data, sampler, cell, t, instances, per_instance=False):
    """The median regret at trial t over the given runs; with per_instance,
    the median over instances of each instance's median over its repeats."""
    runs = data.get(sampler, {}).get(cell)
    if not runs or not instances or any(i not in runs for i in instances):
        return None
    if not per_instance:
        return statistics.median(runs[i][t - 1] for i in instances)
    by_instance = collections.defaultdict(list)
    for i in instances:
        by_instance[i % REPEAT_STRIDE].append(runs[i][t - 1])
    return statistics.median(statistics.median(v) for v in by_instance.values())


CHECKS = (("auto", "the best Optuna sampler", 85), ("tpe", "Optuna's TPE", 80), ("hazero", "Optuna's CMA-ES", 80))


def judge(data, cell, instances, t, per_instance=False):
    """A cell's medians and issue 13's checks: (medians, auto / best Optuna
    ratio or None, {sampler: passed} for the checks that could be made)."""
    common = common_instances(data, ["auto", "tpe", "hazero"] + OPTUNA, cell, instances)
    med = {c: cell_median(data, c, cell, t, common, per_instance) for c in ["auto", "gp", "tpe", "hazero"] + OPTUNA}
    # The best of the Optuna samplers run on this suite (the noisy runs leave
    # out multivariate TPE).
    ran = [c for c in OPTUNA if c in data]
    optuna = [med[c] for c in ran if med[c] is not None]
    best = min(optuna) if optuna and len(optuna) == len(ran) else None
    ratio = med["auto"] / best if best and med["auto"] is not None else None
    passed = {}
    if ratio is not None:
        passed["auto"] = med["auto"] <= best
    for ours, theirs in (("tpe", "optuna_tpe"), ("hazero", "optuna_cmaes")):
        if med[ours] is not None and med[theirs] is not None:
            passed[ours] = med[ours] <= med[theirs]
    return med, common, ratio, passed


def acceptance(data, cells, instances, t):
    print("\n### Median regret at %d trials\n" % t)
    cols = ["auto", "gp", "tpe", "hazero"] + OPTUNA
    print("| f | d | instances | " + " | ".join(c.replace("_", " ") for c in cols) + " | auto / best Optuna |")
    print("|---" * (len(cols) + 4) + "|")
    wins = {"auto": [], "tpe": [], "hazero": []}
    worst = (0, None)
    over_two = []
    for cell in cells:
        med, common, ratio, passed = judge(data, cell, instances, t)
        print("| %d | %d | %s | %s | %s |" % (cell[0], cell[1], compact(common),
                                              " | ".join(fmt(med[c]) for c in cols),
                                              "-" if ratio is None else "%.2f" % ratio))
        for ours, ok in passed.items():
            wins[ours].append(ok)
        if ratio is not None:
            worst = max(worst, (ratio, cell))
            if ratio > 2:
                over_two.append(cell)
    print()
    for ours, bar, need in CHECKS:
        w = wins[ours]
        if w:
            share = 100.0 * sum(w) / len(w)
            print("- `%s` <= %s on %d of %d cells (%.0f%%; needed %d%%)" % (ours, bar, sum(w), len(w), share, need))
    if worst[1]:
        print("- worst `auto` / best Optuna ratio: %.2f on f%d d%d (needed <= 2); more than 2x worse on %d cells: %s"
              % (worst[0], *worst[1], len(over_two), ", ".join("f%d d%d" % c for c in over_two)))


def repeat_spread(data, cells, instances, repeats, t):
    """Issue 13's counts from each repeat alone (one run per instance, as the
    issue measures) and from all repeats pooled: how far a seed moves them."""
    dims = sorted({d for _, d in cells})
    print("\n### The checks per repeat at %d trials (cells passed per dimension %s)\n"
          % (t, ", ".join("d = %d" % d for d in dims)))
    print("| runs | " + " | ".join("`%s` <= %s" % (ours, bar) for ours, bar, _ in CHECKS)
          + " | `auto` > 2x |")
    print("|---" * (len(CHECKS) + 2) + "|")
    pooled = run_ids(instances, range(repeats))
    rows = [("repeat %d" % r, run_ids(instances, [r]), False) for r in range(repeats)]
    rows.append(("all %d pooled" % repeats, pooled, False))
    rows.append(("median of per-instance medians", pooled, True))
    for name, ids, per_instance in rows:
        wins = {(ours, d): [] for ours, _, _ in CHECKS for d in dims}
        over_two = 0
        for cell in cells:
            _, _, ratio, passed = judge(data, cell, ids, t, per_instance)
            for ours, ok in passed.items():
                wins[(ours, cell[1])].append(ok)
            over_two += ratio is not None and ratio > 2
        counts = []
        for ours, _, _ in CHECKS:
            per_d = [wins[(ours, d)] for d in dims]
            total = sum(len(w) for w in per_d)
            n_passed = sum(sum(w) for w in per_d)
            counts.append("%d of %d (%s)" % (n_passed, total, ", ".join(str(sum(w)) for w in per_d)) if total else "-")
        print("| %s | %s | %d |" % (name, " | ".join(counts), over_two))
    selection_bias(data, cells, instances, repeats, t)


def selection_bias(data, cells, instances, repeats, t):
    """How far one repeat's medians sit from the pooled ones, on average over
    the cells (geometric mean of the ratio): each Optuna sampler's alone is
    unbiased, but the best of four noisy medians is biased low, which counts
    against whoever is compared with it."""
    logs = collections.defaultdict(list)
    pooled = run_ids(instances, range(repeats))
    for cell in cells:
        all_med = {s: cell_median(data, s, cell, t, pooled) for s in ["auto"] + OPTUNA}
        if any(v is None for v in all_med.values()):
            continue
        for r in range(repeats):
            one = {s: cell_median(data, s, cell, t, run_ids(instances, [r]))
                   for s in ["auto"] + OPTUNA}
            for s in ["auto"] + OPTUNA:
                logs[s].append(math.log(one[s] / all_med[s]))
            best_one, best_all = min(one[s] for s in OPTUNA), min(all_med[s] for s in OPTUNA)
            logs["best"].append(math.log(best_one / best_all))
    if not logs["best"]:
        return
    shift = lambda s: "%+.1f%%" % (100 * (math.exp(statistics.mean(logs[s])) - 1))
    below = 100.0 * sum(v < 0 for v in logs["best"]) / len(logs["best"])
    print("\n- one repeat's median against the pooled one (geometric mean over %d cell-repeats): the best Optuna "
          "sampler's %s (lower in %.0f%%), `auto`'s %s; each Optuna sampler's alone: %s"
          % (len(logs["best"]), shift("best"), below, shift("auto"),
             ", ".join("%s %s" % (s.replace("optuna_", ""), shift(s)) for s in OPTUNA)))


def group_table(data, samplers, dims, instances, t):
    print("\n### Median regret per function group at %d trials (all runs of the group)\n" % t)
    print("| group | d | " + " | ".join(s.replace("_", " ") for s in samplers) + " |")
    print("|---" * (len(samplers) + 2) + "|")
    for name, funcs in GROUPS:
        for d in dims:
            row = []
            for s in samplers:
                vals = [r[t - 1] for f in funcs for i, r in data.get(s, {}).get((f, d), {}).items()
                    if i in common_instances(data, samplers, (f, d), instances)]
                row.append(fmt(statistics.median(vals)) if vals else "-")
            print("| %s | %d | %s |" % (name, d, " | ".join(row)))


def compare(data, pairs, dims, instances, t):
    """Head-to-head counts: functions where a's median <= b's, per dimension."""
    print("\n### Head to head at %d trials (functions where the first's median <= the second's)\n" % t)
    print("| comparison | " + " | ".join("d = %d" % d for d in dims) + " |")
    print("|---" * (len(dims) + 1) + "|")
    for a, b in pairs:
        row = []
        for d in dims:
            wins = losses = 0
            for f in range(1, 25):
                common = common_instances(data, [a, b], (f, d), instances)
                ma, mb = cell_median(data, a, (f, d), t, common), cell_median(data, b, (f, d), t, common)
                if ma is None or mb is None or (f, d) not in data.get(a, {}) or (f, d) not in data.get(b, {}):
                    continue
                wins, losses = wins + (ma <= mb), losses + (ma > mb)
            row.append("%d:%d" % (wins, losses) if wins + losses else "-")
        print("| `%s` vs `%s` | %s |" % (a, b, " | ".join(row)))


def compact(runs):
    """Run ids as "6-15", or "6-15 x3" with repeats (ids instance + 1000 r)."""
    if not runs:
        return "none"
    instances = {i % REPEAT_STRIDE for i in runs}
    repeats = len({i // REPEAT_STRIDE for i in runs})
    return "%d-%d" % (min(instances), max(instances)) + (" x%d" % repeats if repeats > 1 else "")


STYLES = {  # sampler: (colour, line style, width)
    "auto": ("black", "-", 2.6), "hazero": ("tab:green", "-", 1.6), "tpe": ("tab:orange", "-", 1.6),
    "gp": ("tab:purple", "-", 1.6), "pshe2": ("tab:olive", "-", 1.0), "random": ("0.55", "-", 1.0),
    "sobol": ("0.35", ":", 1.0), "grid": ("0.7", "-.", 1.0), "optuna_random": ("0.55", "--", 1.0),
    "optuna_tpe": ("tab:red", "--", 1.6), "optuna_tpe_mv": ("tab:brown", "--", 1.6),
    "optuna_cmaes": ("tab:blue", "--", 1.6),
}


def complete(data, samplers, cells):
    """The samplers that have run every one of the cells."""
    return [s for s in samplers if all(c in data.get(s, {}) for c in cells)]


def plots(data, samplers, dims, instances, t, out, suite):
    """ECDF per dimension, over that dimension's cells (samplers missing a
    cell of a panel are left out of that panel), and a performance profile
    over the cells every sampler has run (gp and grid skip d = 20, so every
    sampler stays in it), each on the instances they all share."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    targets = np.array([10.0 ** e for e in np.arange(2, -8.01, -0.2)])
    fig, axes = plt.subplots(1, len(dims), figsize=(4.2 * len(dims), 4.2), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, d in zip(axes, dims):
        cells = sorted({c for s in samplers for c in data.get(s, {}) if c[1] == d})
        here = complete(data, samplers, cells)
        for s in here:
            runs = [data[s][c][i] for c in cells for i in common_instances(data, here, c, instances)]
            trace = np.array([r[:t] for r in runs])  # (runs, trials)
            share = (trace[:, :, None] <= targets[None, None, :]).mean(axis=(0, 2))
            colour, style, width = STYLES.get(s, ("tab:cyan", "-", 1.0))
            ax.plot(np.arange(1, t + 1), share, linestyle=style, color=colour, linewidth=width,
                    label=s.replace("_", " "))
        ax.set_xscale("log")
        ax.set_title("%s, d = %d (%d functions)" % (suite, d, len(cells)))
        ax.set_xlabel("trials")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6.5, loc="upper left")
    axes[0].set_ylabel("share of (function, instance, target) reached")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "ecdf_%s.png" % suite), dpi=110)
    plt.close(fig)

    here = [s for s in samplers if data.get(s)]
    cells = sorted(set.intersection(*(set(data[s]) for s in here)))
    common = {c: common_instances(data, here, c, instances) for c in cells}
    med = {s: {c: cell_median(data, s, c, t, common[c]) for c in cells} for s in here}
    taus = np.logspace(0, 4, 200)
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for s in here:
        ratios = [med[s][c] / min(med[x][c] for x in here) for c in cells]
        colour, style, width = STYLES.get(s, ("tab:cyan", "-", 1.0))
        ax.plot(taus, [np.mean([r <= tau for r in ratios]) for tau in taus], linestyle=style, color=colour,
                linewidth=width, label=s.replace("_", " "))
    ax.set_xscale("log")
    ax.set_xlabel("tau: median regret within tau x the best sampler's")
    ax.set_ylabel("share of (function, dimension) cells")
    ax.set_title("%s, %d trials, %d cells" % (suite, t, len(cells)))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "profile_%s.png" % suite), dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default="bench/results/bbob/cache")
    ap.add_argument("--suite", default="noiseless")
    ap.add_argument("--instances", default="6-15")
    ap.add_argument("--repeats", type=int, default=1, help="runs per instance to use (bbob run --repeats)")
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--checkpoints", default="50,100")
    ap.add_argument("--samplers", default="auto,gp,tpe,hazero,pshe2,random,sobol,grid," + ",".join(OPTUNA))
    ap.add_argument("--out", default="bench/results/bbob")
    ap.add_argument("--no-plots", action="store_true")
    ap.add_argument("--compare", default="", help="a/b,c/d: head-to-head counts only (sampler folder names)")
    args = ap.parse_args()
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    wanted = run_ids(ranges(args.instances), range(args.repeats))
    data = load(args.cache, args.suite, set(wanted), args.trials)
    if args.compare:
        pairs = [p.split("/") for p in args.compare.split(",")]
        dims = sorted({d for s in data for _, d in data[s]})
        compare(data, pairs, dims, wanted, args.trials)
        return
    # Per cell, only the instances every compared sampler has run count, so
    # medians compare like with like (the tables say which).
    instances = wanted
    samplers = [s for s in args.samplers.split(",") if s in data]
    cells = sorted({c for s in samplers for c in data[s]})
    dims = sorted({d for _, d in cells})
    print("## BBOB %s: %d samplers, %d cells, instances within %s" % (args.suite, len(samplers), len(cells),
                                                                     compact(instances)))
    for t in [int(c) for c in args.checkpoints.split(",") if int(c) <= args.trials]:
        acceptance(data, cells, instances, t)
        if args.repeats > 1:
            repeat_spread(data, cells, ranges(args.instances), args.repeats, t)
    group_table(data, samplers, dims, instances, args.trials)
    if not args.no_plots:
        os.makedirs(args.out, exist_ok=True)
        plots(data, samplers, dims, instances, args.trials, args.out, args.suite)


if __name__ == "__main__":
    main()
