#!/usr/bin/env python3
"""The toy problem of the PBT paper (Jaderberg et al. 2017, Fig. 2) as a trial
program. A member has weights theta (kept in its checkpoint) and
hyperparameters h = (h0, h1). It takes gradient-ascent steps (lr 0.01) on the
surrogate Q^(theta|h) = 1.2 - (h0*theta0^2 + h1*theta1^2) and reports the true
objective Q(theta) = 1.2 - (theta0^2 + theta1^2). With h = (1, 0) or (0, 1)
alone, one coordinate of theta never moves and Q stays near 0.39; PBT, by
copying the better member and perturbing h, reaches 1.2."""
import json
import os
import sys

params = json.loads(os.environ["AUTOTUNE_PARAMS"])
h0, h1 = float(params["h0"]), float(params["h1"])
begin = int(os.environ.get("AUTOTUNE_STEP_BEGIN", "0"))
end = int(os.environ.get("AUTOTUNE_STEP_END", "100"))
theta = [0.9, 0.9]
resume = os.environ.get("AUTOTUNE_RESUME_FROM")
if resume:
    with open(os.path.join(resume, "theta.json")) as f:
        state = json.load(f)
    if state["step"] != begin:  # a checkpoint of another step must never be resumed
        sys.exit("pbt_toy: checkpoint %s holds step %d, not %d" % (resume, state["step"], begin))
    theta = state["theta"]
elif begin != 0:
    sys.exit("pbt_toy: asked to start at step %d without a checkpoint" % begin)

for step in range(begin + 1, end + 1):
    theta = [theta[0] - 0.01 * 2 * h0 * theta[0], theta[1] - 0.01 * 2 * h1 * theta[1]]
    q = 1.2 - (theta[0] ** 2 + theta[1] ** 2)
    print("AUTOTUNE " + json.dumps({"step": step, "Q": round(q, 9)}), flush=True)

out = os.environ.get("AUTOTUNE_CHECKPOINT_DIR")
if out:
    with open(os.path.join(out, "theta.json"), "w") as f:
        json.dump({"theta": theta, "step": end}, f)
    open(os.path.join(out, "COMPLETE"), "w").close()
