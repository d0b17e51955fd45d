#!/usr/bin/env python3
"""Optuna's samplers behind a line protocol, for bench/bbob's harness.

The harness (bench/bbob.cc) starts one worker per process and drives every
Optuna run through it, so Optuna's samplers and autotune's searchers see the
same BBOB functions (evaluated in C++) and the same seeds. Protocol, one line
each way:

    start SAMPLER SEED DIM   -> ok              a new in-memory study
    ask                      -> x V0 ... V{d-1}  trial.suggest_float("x00".., -5, 5)
    tell VALUE               -> ok              the last asked trial's value
    quit                                        exit

SAMPLER is random, tpe (Optuna's default TPESampler), tpe_mv (multivariate
TPE) or cmaes, all with their defaults and seed=SEED. Needs Optuna 3.1 from
Debian (python3-optuna, python3-cmaes): run with /usr/bin/python3.
"""
import sys
import warnings

import optuna

SAMPLERS = {
    "random": lambda seed: optuna.samplers.RandomSampler(seed=seed),
    "tpe": lambda seed: optuna.samplers.TPESampler(seed=seed),
    "tpe_mv": lambda seed: optuna.samplers.TPESampler(multivariate=True, seed=seed),
    "cmaes": lambda seed: optuna.samplers.CmaEsSampler(seed=seed),
}


def main():
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")
    study, trial, dim = None, None, 0
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "start":
            name, seed, dim = words[1], int(words[2]), int(words[3])
            if name not in SAMPLERS:
                print("error unknown sampler %s" % name, flush=True)
                continue
            study = optuna.create_study(sampler=SAMPLERS[name](seed))
            print("ok", flush=True)
        elif words[0] == "ask":
            trial = study.ask()
            xs = [trial.suggest_float("x%02d" % i, -5.0, 5.0) for i in range(dim)]
            print("x " + " ".join(repr(v) for v in xs), flush=True)
        elif words[0] == "tell":
            study.tell(trial, float(words[1]))
            print("ok", flush=True)
        elif words[0] == "quit":
            return


if __name__ == "__main__":
    main()
