#!/usr/bin/env python3
"""Fashion-MNIST with ArcFace on 2 CPU ranks: prints the curve (step, loss,
val_acc, elapsed) and checks the target: test accuracy >= 0.88 within 300 s.

    python3 bench/trainer/fmnist_curve.py [--trainer PATH] [--nproc 2]
"""
import argparse
import sys

from common import find_trainer, load_avg, run_trainer

# The configuration of the measurement (see the report): a width-16 CNN, so
# that two single-threaded ranks get through ~2.5 epochs in the budget.
PARAMS = ["--loss", "arcface", "--margin", "0.5", "--scale", "30", "--lr", "0.1", "--momentum", "0.9",
          "--weight-decay", "5e-4", "--batch-size", "256", "--warmup-steps", "50", "--schedule", "cosine",
          "--width", "16", "--embedding-size", "128"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trainer")
    ap.add_argument("--nproc", type=int, default=2)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--eval-interval", type=int, default=50)
    ap.add_argument("--target", type=float, default=0.88)
    ap.add_argument("--budget-s", type=float, default=300)
    args = ap.parse_args()
    binary = find_trainer(args.trainer)
    print(f"fashion-mnist arcface, {args.nproc} ranks, {args.steps} steps; {load_avg()}")
    code, metrics, err = run_trainer(binary, ["--dataset", "fashion-mnist", "--nproc", str(args.nproc),
                                              "--steps", str(args.steps), "--eval-interval",
                                              str(args.eval_interval), "--log-interval",
                                              str(args.eval_interval)] + PARAMS)
    for line in err:
        print("  " + line)
    if code != 0:
        sys.exit(f"autotune-trainer failed with exit code {code}")
    print("curve:\n  step    loss      val_acc  elapsed_s")
    reached = None
    for elapsed, m in metrics:
        acc = m.get("val_acc")
        print(f"  {m['step']:5d}  {m['loss']:8.4f}  {acc if acc is None else f'{acc:.4f}':>7}  {elapsed:8.1f}")
        if reached is None and acc is not None and acc >= args.target:
            reached = (m["step"], acc, elapsed)
    final = metrics[-1]
    print(f"final: step {final[1]['step']}, val_acc {final[1].get('val_acc')}, {final[0]:.1f} s; {load_avg()}")
    if reached is None or reached[2] > args.budget_s:
        sys.exit(f"target {args.target} not reached within {args.budget_s} s")
    print(f"target {args.target} reached at step {reached[0]} (val_acc {reached[1]:.4f}) after {reached[2]:.1f} s")


if __name__ == "__main__":
    main()
