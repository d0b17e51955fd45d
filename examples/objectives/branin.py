#!/usr/bin/env python3
"""A trial program as a user would write one: reads its params from
AUTOTUNE_PARAMS and reports the Branin function's value through the trial
protocol (a line `AUTOTUNE {"step": N, "value": v}` on stdout)."""
import json
import math
import os

params = json.loads(os.environ["AUTOTUNE_PARAMS"])
x, y = float(params["x"]), float(params["y"])
a, b, c = 1.0, 5.1 / (4 * math.pi ** 2), 5 / math.pi
r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
value = a * (y - b * x ** 2 + c * x - r) ** 2 + s * (1 - t) * math.cos(x) + s

step = int(os.environ.get("AUTOTUNE_STEP_END", "1"))
print(f"branin at x={x:.4f} y={y:.4f}")
print("AUTOTUNE " + json.dumps({"step": step, "value": value}), flush=True)
