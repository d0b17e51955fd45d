#!/usr/bin/env python3
"""A trial program the browser test controls: it reports x**2 only once the
file named by E2E_GATE exists, so the test can watch a trial complete while
the study page is open."""
import json
import os
import time

x = float(json.loads(os.environ["AUTOTUNE_PARAMS"])["x"])
gate = os.environ["E2E_GATE"]
deadline = time.time() + 120
while not os.path.exists(gate):
    if time.time() > deadline:
        raise SystemExit("gate " + gate + " never opened")
    time.sleep(0.05)
print("AUTOTUNE " + json.dumps({"step": 1, "value": x * x}), flush=True)
