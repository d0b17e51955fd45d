#!/usr/bin/env python3
"""A small trainable trial for a real PBT study: a weight w moves towards 1
at a rate set by lr, and training diverges when lr is too high; it reports
loss = (1 - w)**2 + 0.1 * lr**2 at each step. It resumes from
AUTOTUNE_RESUME_FROM and checkpoints into AUTOTUNE_CHECKPOINT_DIR (COMPLETE
last), so PBT can copy a member's state to another."""
import json
import os

p = json.loads(os.environ["AUTOTUNE_PARAMS"])
lr = float(p["lr"])
begin, end = int(os.environ["AUTOTUNE_STEP_BEGIN"]), int(os.environ["AUTOTUNE_STEP_END"])
w = 0.0
resume = os.environ.get("AUTOTUNE_RESUME_FROM")
if resume:
    with open(os.path.join(resume, "state.json")) as f:
        w = json.load(f)["w"]
for step in range(begin + 1, end + 1):
    w += min(lr, 1.9) * (1 - w) * 0.3
    print("AUTOTUNE " + json.dumps({"step": step, "loss": (1 - w) ** 2 + 0.1 * lr ** 2}), flush=True)
out = os.environ["AUTOTUNE_CHECKPOINT_DIR"]
with open(os.path.join(out, "state.json"), "w") as f:
    json.dump({"w": w}, f)
open(os.path.join(out, "COMPLETE"), "w").close()
