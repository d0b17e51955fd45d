"""Shared helpers of the trainer benchmarks: find the binary, run it, parse
its AUTOTUNE lines as they arrive (with the wall time since the start)."""
import json
import os
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CANDIDATES = ["build/trainer/autotune-trainer", "build-trainer/trainer/autotune-trainer"]


def find_trainer(explicit=None):
    """The autotune-trainer binary: --trainer, $AUTOTUNE_TRAINER, or a build dir of the repo."""
    for path in [explicit, os.environ.get("AUTOTUNE_TRAINER")] + [os.path.join(REPO, c) for c in CANDIDATES]:
        if path and os.access(path, os.X_OK):
            return path
    sys.exit("autotune-trainer not found: build it (cmake --build build --target autotune-trainer) "
             "or pass --trainer PATH")


def run_trainer(binary, args, env=None, echo=True):
    """Runs binary with args; returns (exit code, [(elapsed_s, metrics dict)], stderr lines)."""
    start = time.monotonic()
    proc = subprocess.Popen([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, **(env or {})))
    metrics = []
    for line in proc.stdout:
        if line.startswith("AUTOTUNE "):
            m = json.loads(line[len("AUTOTUNE "):])
            metrics.append((time.monotonic() - start, m))
            if echo:
                print(f"  {metrics[-1][0]:7.1f}s  {line.strip()}", flush=True)
    err = proc.stderr.read().splitlines()
    return proc.wait(), metrics, err


def load_avg():
    return "load average %.2f %.2f %.2f" % os.getloadavg()
