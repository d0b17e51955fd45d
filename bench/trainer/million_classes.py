#!/usr/bin/env python3
"""A 1,000,000-class synthetic run at world 2 on CPU: throughput and the
peak resident memory of each rank (each rank reports its own getrusage
maximum when it finishes).

    python3 bench/trainer/million_classes.py [--trainer PATH] [--classes 1000000]
"""
import argparse
import re
import sys

from common import find_trainer, load_avg, run_trainer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trainer")
    ap.add_argument("--classes", type=int, default=1_000_000)
    ap.add_argument("--nproc", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--embedding-size", type=int, default=128)
    ap.add_argument("--sample-ratio", type=float, default=1.0)
    args = ap.parse_args()
    binary = find_trainer(args.trainer)
    print(f"synthetic, {args.classes} classes, {args.nproc} ranks, batch {args.batch_size}, embedding "
          f"{args.embedding_size}, sample_ratio {args.sample_ratio}; {load_avg()}")
    code, metrics, err = run_trainer(binary, [
        "--dataset", "synthetic", "--num-classes", str(args.classes), "--input-dim", "64", "--backbone", "mlp",
        "--nproc", str(args.nproc), "--steps", str(args.steps), "--batch-size", str(args.batch_size),
        "--embedding-size", str(args.embedding_size), "--sample-ratio", str(args.sample_ratio),
        "--log-interval", "5", "--eval-interval", "0", "--eval-samples", "2048", "--lr", "0.1",
        "--warmup-steps", "0"])
    for line in err:
        print("  " + line)
    if code != 0:
        sys.exit(f"autotune-trainer failed with exit code {code}")
    rss = [int(m.group(1)) for m in (re.search(r"peak resident memory (\d+) MiB", l) for l in err) if m]
    weights_mib = args.classes * args.embedding_size * 4 / args.nproc / 2**20
    print(f"peak RSS per rank (MiB): {rss}; classifier shard weights alone: {weights_mib:.0f} MiB per rank; "
          f"{load_avg()}")


if __name__ == "__main__":
    main()
