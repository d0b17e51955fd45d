#!/usr/bin/env python3
"""Optuna reference figures for bench/search_quality, on the same functions.

Reproduces the table of /work/shared/bench/REFERENCE.md (branin, hartmann6)
and extends it to the six extra functions of bench/extra_functions.h and to
more seeds. For each (function, sampler, seed) it runs
optuna.create_study(sampler=S(seed=seed)) with the sampler's defaults, one
trial at a time, and records regret = best value so far - known minimum after
20, 50 and 100 trials. It prints the median over seeds (the mean of the two
middle values for an even count, as the C++ bench does), formatted "%.4g", as
a markdown table, one row as soon as it finishes.

Needs Optuna 3.1.0 from Debian (`apt-get install python3-optuna`), i.e. the
system interpreter; a pyenv python3 on PATH lacks optuna:

    /usr/bin/python3 bench/optuna_reference.py --seeds 10 \
        --samplers random,tpe,tpe_multivariate,cmaes --functions branin,hartmann6
    /usr/bin/python3 bench/optuna_reference.py --seeds 100 --samplers tpe \
        --functions all --quartiles --jobs 2

--functions takes names, `extra` (the six extra functions) or `all`.
--quartiles adds "[q1 q3]" (nearest rank: sorted[n//4], sorted[3n//4]).
The formulas, parameter names, bounds, suggest order and minima match
bench/functions.h and bench/extra_functions.h exactly.
"""
import argparse
import math
import multiprocessing
import sys
import warnings

import optuna

CHECKPOINTS = (20, 50, 100)


def floats(trial, names, lows, highs):
    return [trial.suggest_float(n, lo, hi) for n, lo, hi in zip(names, lows, highs)]


def xs(d):
    return ["x%d" % i for i in range(d)]


def branin(trial):
    x, y = floats(trial, ["x", "y"], [-5, 0], [10, 15])
    b, c, r, s, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    return (y - b * x * x + c * x - r) ** 2 + s * (1 - t) * math.cos(x) + s


H_ALPHA = [1.0, 1.2, 3.0, 3.2]
H_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
       [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
       [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]


def hartmann6(trial):
    x = floats(trial, xs(6), [0.0] * 6, [1.0] * 6)
    return -sum(H_ALPHA[i] * math.exp(-sum(H_A[i][j] * (x[j] - H_P[i][j] * 1e-4) ** 2
                                           for j in range(6))) for i in range(4))


def rosenbrock4(trial):
    x = floats(trial, xs(4), [-2] * 4, [2] * 4)
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


def styblinski4(trial):
    x = floats(trial, xs(4), [-5] * 4, [5] * 4)
    return sum(v**4 - 16 * v * v + 5 * v for v in x) / 2


def levy5(trial):
    w = [1 + (v - 1) / 4 for v in floats(trial, xs(5), [-10] * 5, [10] * 5)]
    s = math.sin(math.pi * w[0]) ** 2
    s += sum((wi - 1) ** 2 * (1 + 10 * math.sin(math.pi * wi + 1) ** 2) for wi in w[:-1])
    return s + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def ackley3(trial):
    v = [a - b for a, b in zip(floats(trial, xs(3), [-10] * 3, [25] * 3), (3.5, -4, 12))]
    sq, cs = sum(t * t for t in v), sum(math.cos(2 * math.pi * t) for t in v)
    return -20 * math.exp(-0.2 * math.sqrt(sq / 3)) - math.exp(cs / 3) + 20 + math.e


def camel(trial):
    x, y = floats(trial, ["x", "y"], [-3, -2], [3, 2])
    return (4 - 2.1 * x * x + x**4 / 3) * x * x + x * y + (-4 + 4 * y * y) * y * y


def finetune(trial):
    lr = math.log10(trial.suggest_float("lr", 1e-5, 1, log=True)) - math.log10(3e-3)
    wd = math.log10(trial.suggest_float("weight_decay", 1e-6, 0.1, log=True)) + 4
    warm = (trial.suggest_int("warmup", 0, 2000) - 300) / 500.0
    depth = (trial.suggest_int("depth", 1, 12) - 7) / 3.0
    opt = trial.suggest_categorical("optimizer", ["sgd", "adam", "adamw"])
    scale = (trial.suggest_float("scale", 16, 128) - 48) / 30.0
    offset = {"adamw": 0.0, "adam": 0.05, "sgd": 0.3}[opt]
    return (lr * lr + 0.3 * wd * wd + 0.2 * lr * wd + 0.1 * warm * warm + 0.2 * depth * depth
            + 0.15 * scale * scale + offset)


FUNCTIONS = {  # name: (objective, known minimum)
    "branin": (branin, 0.397887357729739),
    "hartmann6": (hartmann6, -3.32236801141551),
    "rosenbrock4": (rosenbrock4, 0.0),
    "styblinski4": (styblinski4, -39.16616570377142 * 4),
    "levy5": (levy5, 0.0),
    "ackley3": (ackley3, 0.0),
    "camel": (camel, -1.0316284534898774),
    "finetune": (finetune, 0.0),
}
EXTRA = ["rosenbrock4", "styblinski4", "levy5", "ackley3", "camel", "finetune"]

SAMPLERS = {
    "random": lambda seed: optuna.samplers.RandomSampler(seed=seed),
    "tpe": lambda seed: optuna.samplers.TPESampler(seed=seed),
    "tpe_multivariate": lambda seed: optuna.samplers.TPESampler(multivariate=True, seed=seed),
    "cmaes": lambda seed: optuna.samplers.CmaEsSampler(seed=seed),
}


def run_one(job):
    """Regrets at each checkpoint <= trials for one (function, sampler, seed)."""
    fname, sname, seed, trials = job
    # ERROR, not WARNING: CmaEsSampler logs a WARNING per trial for finetune's
    # categorical (sampled by its RandomSampler fallback).
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")
    objective, minimum = FUNCTIONS[fname]
    study = optuna.create_study(sampler=SAMPLERS[sname](seed))
    regrets = []
    for t in range(1, trials + 1):
        study.optimize(objective, n_trials=1)
        if t in CHECKPOINTS:
            regrets.append(study.best_value - minimum)
    return regrets


def median(v):
    v, n = sorted(v), len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--functions", default="branin,hartmann6")
    ap.add_argument("--samplers", default="tpe,cmaes")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--quartiles", action="store_true")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()

    funcs = []
    for f in args.functions.split(","):
        funcs += {"all": list(FUNCTIONS), "extra": EXTRA}.get(f, [f])
    samplers = args.samplers.split(",")
    for name, known in [(f, FUNCTIONS) for f in funcs] + [(s, SAMPLERS) for s in samplers]:
        if name not in known:
            sys.exit("unknown: %s (known: %s)" % (name, ", ".join(known)))
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    checkpoints = [c for c in CHECKPOINTS if c <= args.trials]

    print("Median regret over %d seeds (Optuna %s), one trial at a time\n"
          % (args.seeds, optuna.__version__))
    print("| function | sampler | " + " | ".join("%d trials" % c for c in checkpoints) + " |")
    print("|---" * (2 + len(checkpoints)) + "|", flush=True)
    pool = multiprocessing.Pool(args.jobs) if args.jobs > 1 else None
    for f in funcs:
        for s in samplers:
            jobs = [(f, s, seed, args.trials) for seed in seeds]
            results = pool.map(run_one, jobs) if pool else [run_one(j) for j in jobs]
            row = "| %s | optuna %s" % (f, s)
            for c in range(len(checkpoints)):
                values = sorted(r[c] for r in results)
                row += " | %.4g" % median(values)
                if args.quartiles:
                    n = len(values)
                    row += " [%.4g %.4g]" % (values[n // 4], values[(3 * n) // 4])
            print(row + " |", flush=True)
    if pool:
        pool.close()


if __name__ == "__main__":
    main()
