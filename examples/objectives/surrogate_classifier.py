#!/usr/bin/env python3
"""A stand-in for a classifier fine-tune with a mixed search space: a smooth,
deterministic response surface of validation accuracy over a log-scale
learning rate, an int depth, a log-scale int batch size and a categorical
optimizer. It reports a curve of `val_acc` over AUTOTUNE_STEP_BEGIN..END, as a
real training loop would."""
import json
import math
import os

p = json.loads(os.environ["AUTOTUNE_PARAMS"])
lr, depth, batch, opt = float(p["lr"]), int(p["depth"]), int(p["batch_size"]), p["optimizer"]
best_lr = {"sgd": 0.1, "adam": 0.001, "adamw": 0.002}[opt]
ceiling = {"sgd": 0.90, "adam": 0.92, "adamw": 0.93}[opt]
quality = ceiling - 0.04 * (math.log10(lr / best_lr)) ** 2 - 0.004 * (depth - 6) ** 2 \
          - 0.01 * (math.log2(batch / 128)) ** 2
begin = int(os.environ.get("AUTOTUNE_STEP_BEGIN", "0"))
end = int(os.environ.get("AUTOTUNE_STEP_END", "10"))
for step in range(begin + 1, end + 1):
    acc = max(0.0, quality * (1 - math.exp(-step / 3)))
    print("AUTOTUNE " + json.dumps({"step": step, "val_acc": round(acc, 6)}), flush=True)
