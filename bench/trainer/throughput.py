#!/usr/bin/env python3
"""Training throughput at world 1: autotune-trainer (LibTorch) against the
same model, loss, optimiser and batch written in PyTorch (Debian's
python3-torch), measured alternately in one run; prints samples/s of both and
their ratio (target >= 1.0).

    /usr/bin/python3 bench/trainer/throughput.py [--trainer PATH] [--threads 1]

The model is the trainer's SmallCnn (conv-BN-ReLU x2, pool, x2, pool, linear,
BN, L2 norm) with an ArcFace classification layer (cos(theta + m), s), SGD
with momentum and weight decay, on Fashion-MNIST batches.
"""
import argparse
import gzip
import math
import statistics
import sys
import time

from common import find_trainer, load_avg, run_trainer

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    sys.exit("needs python3-torch (apt-get install python3-torch) and /usr/bin/python3")

FMNIST = "/usr/share/datasets/fashion-mnist"


def load_fmnist():
    with gzip.open(f"{FMNIST}/train-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(f"{FMNIST}/train-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    x = (torch.from_numpy(images.astype(np.float32)) / 255.0 - 0.2860) / 0.3530
    return x, torch.from_numpy(labels.astype(np.int64))


def conv_bn_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True))


class SmallCnn(nn.Module):
    def __init__(self, w, emb):
        super().__init__()
        self.features = nn.Sequential(conv_bn_relu(1, w), conv_bn_relu(w, w), nn.MaxPool2d(2),
                                      conv_bn_relu(w, 2 * w), conv_bn_relu(2 * w, 2 * w), nn.MaxPool2d(2))
        self.embed = nn.Linear(2 * w * 49, emb)
        self.embed_bn = nn.BatchNorm1d(emb)

    def forward(self, x):
        return F.normalize(self.embed_bn(self.embed(self.features(x).flatten(1))))


def arcface_loss(features, weight, labels, s, m):
    cos = features @ F.normalize(weight).t()
    target = cos.gather(1, labels[:, None]).clamp(-1 + 1e-7, 1 - 1e-7)
    theta = torch.acos(target)
    margin = torch.where(theta + m <= math.pi, torch.cos(theta + m), target - m * math.sin(m))
    logits = cos.scatter(1, labels[:, None], margin) * s
    return F.cross_entropy(logits, labels)


def pytorch_samples_per_s(data, args):
    x, y = data
    torch.manual_seed(0)
    model = SmallCnn(args.width, args.embedding_size)
    weight = nn.Parameter(torch.randn(10, args.embedding_size) * 0.01)
    opt = torch.optim.SGD(list(model.parameters()) + [weight], lr=0.1, momentum=0.9, weight_decay=5e-4)
    order = torch.randperm(x.shape[0])
    model.train()
    start = None
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            start = time.perf_counter()
        idx = order[(step * args.batch_size) % (x.shape[0] - args.batch_size):][:args.batch_size]
        opt.zero_grad()
        loss = arcface_loss(model(x[idx]), weight, y[idx], 30.0, 0.5)
        loss.backward()
        opt.step()
        if not math.isfinite(loss.item()):
            sys.exit("pytorch baseline diverged")
    return args.steps * args.batch_size / (time.perf_counter() - start)


def libtorch_samples_per_s(binary, args):
    code, metrics, err = run_trainer(binary, [
        "--dataset", "fashion-mnist", "--nproc", "1", "--threads", str(args.threads), "--width",
        str(args.width), "--embedding-size", str(args.embedding_size), "--batch-size", str(args.batch_size),
        "--loss", "arcface", "--margin", "0.5", "--scale", "30", "--lr", "0.1", "--schedule", "constant",
        "--warmup-steps", "0", "--steps", str(args.warmup + args.steps), "--log-interval", str(args.warmup),
        "--eval-interval", "0", "--eval-samples", "1000"], echo=False)
    if code != 0:
        sys.exit("autotune-trainer failed:\n" + "\n".join(err))
    # The first window holds the warm-up steps; the others are steady state.
    rates = [m["samples_per_s"] for _, m in metrics[1:]]
    return len(rates) / sum(1.0 / r for r in rates)  # harmonic mean = total samples / total time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trainer")
    # One thread by default: with two OpenMP threads on a 2-core machine that
    # others share, a busy core stalls every parallel region and the numbers
    # say more about the load than about either implementation.
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--embedding-size", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    if args.steps % args.warmup:
        sys.exit("--steps must be a multiple of --warmup")
    binary = find_trainer(args.trainer)
    torch.set_num_threads(args.threads)
    data = load_fmnist()
    print(f"world 1, SmallCnn width {args.width}, embedding {args.embedding_size}, batch {args.batch_size}, "
          f"{args.threads} thread(s), torch {torch.__version__}; {load_avg()}")
    cpp, py = [], []
    for r in range(args.repeats):  # alternate, so that load changes hit both alike
        cpp.append(libtorch_samples_per_s(binary, args))
        py.append(pytorch_samples_per_s(data, args))
        print(f"  round {r + 1}: autotune-trainer {cpp[-1]:8.1f} samples/s   pytorch {py[-1]:8.1f} samples/s")
    c, p = statistics.median(cpp), statistics.median(py)
    print(f"median: autotune-trainer {c:.1f} samples/s, pytorch {p:.1f} samples/s, ratio {c / p:.3f}; {load_avg()}")


if __name__ == "__main__":
    main()
