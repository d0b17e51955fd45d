#!/usr/bin/env python3
"""Optuna's own ask/tell on SQLite, for bench/ask_tell: ask+tell pairs per second.

Each of --clients processes opens the same study through RDBStorage on one
SQLite file and loops study.ask() (two float params, RandomSampler) /
study.tell(trial, value) for --seconds. Prints one JSON line:
{"clients", "pairs", "seconds", "pairs_per_s", "journal"}.

--journal default keeps SQLAlchemy's and SQLite's defaults (rollback journal,
synchronous=FULL); --journal wal sets journal_mode=WAL and synchronous=NORMAL
on every connection, the settings of autotune's own store.

Needs Optuna from Debian (python3-optuna), i.e. /usr/bin/python3.
"""
import argparse
import json
import multiprocessing
import os
import sys
import time
import warnings

import optuna
import sqlalchemy


def storage(path, journal):
    engine_kwargs = {"connect_args": {"timeout": 60}}
    s = optuna.storages.RDBStorage("sqlite:///" + path, engine_kwargs=engine_kwargs)
    if journal == "wal":
        @sqlalchemy.event.listens_for(s.engine, "connect")
        def pragmas(conn, _):
            cursor = conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
        s.engine.dispose()  # later connections get the pragmas
    return s


def client(path, journal, seconds, start, out):
    warnings.simplefilter("ignore")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name="bench", storage=storage(path, journal),
                              sampler=optuna.samplers.RandomSampler(seed=os.getpid()))
    while time.time() < start:
        time.sleep(0.001)
    pairs = 0
    end = start + seconds
    while time.time() < end:
        trial = study.ask()
        x = trial.suggest_float("x", -5, 10)
        y = trial.suggest_float("y", 0, 15)
        study.tell(trial, (x - 1) ** 2 + (y - 2) ** 2)
        pairs += 1
    out.put(pairs)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=1)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--db", required=True, help="SQLite file (created; removed first)")
    p.add_argument("--journal", choices=["default", "wal"], default="default")
    args = p.parse_args()
    warnings.simplefilter("ignore")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(args.db + suffix):
            os.remove(args.db + suffix)
    optuna.create_study(study_name="bench", storage=storage(args.db, args.journal))
    out = multiprocessing.Queue()
    start = time.time() + 2.0  # every client has loaded the study by then
    procs = [multiprocessing.Process(target=client, args=(args.db, args.journal, args.seconds, start, out))
             for _ in range(args.clients)]
    for proc in procs:
        proc.start()
    pairs = sum(out.get() for _ in procs)
    for proc in procs:
        proc.join()
    print(json.dumps({"clients": args.clients, "pairs": pairs, "seconds": args.seconds,
                      "pairs_per_s": pairs / args.seconds, "journal": args.journal}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
