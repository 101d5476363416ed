#!/usr/bin/python3
"""Trains one of kiln train's built-in architectures with PyTorch (Debian's
python3-torch) and kiln train's hyper-parameters: the same layers and
initialization (PyTorch's defaults), Adam with the step size falling along
half a cosine per batch, batches of 64, 10% of the training images held out,
Fashion-MNIST from Debian's dataset-fashion-mnist. Prints one JSON line:
test accuracy and training seconds. bench/train_side_by_side.sh runs it
beside kiln train."""
import argparse
import gzip
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn


def load(directory, split):
    with gzip.open(os.path.join(directory, f"{split}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(os.path.join(directory, f"{split}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return (torch.from_numpy(images.astype(np.float32) / 255.0),
            torch.from_numpy(labels.astype(np.int64)))


def lenet(channels):
    layers, previous, size = [], 1, 28
    for c in channels:
        layers += [nn.Conv2d(previous, c, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2)]
        previous, size = c, size // 2
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(previous * size * size, 10))


def mlp(widths):
    layers, previous = [nn.Flatten()], 784
    for w in widths:
        layers += [nn.Linear(previous, w), nn.ReLU()]
        previous = w
    return nn.Sequential(*layers, nn.Linear(previous, 10))


def accuracy(model, images, labels):
    predicted = torch.cat([model(images[i:i + 500]).argmax(1) for i in range(0, len(labels), 500)])
    return (predicted == labels).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--arch", choices=["mlp", "cnn"], default="cnn")
    parser.add_argument("--widths", default="")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--data", default=os.environ.get("KILN_FASHION_MNIST_DIR",
                                                        "/usr/share/datasets/fashion-mnist"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    default = "256,128,64" if args.arch == "mlp" else "32,64"
    widths = [int(w) for w in (args.widths or default).split(",")]
    model = mlp(widths) if args.arch == "mlp" else lenet(widths)
    images, labels = load(args.data, "train")
    test_images, test_labels = load(args.data, "t10k")

    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(args.seed))
    held_out = len(labels) // 10
    train_index, validation_index = order[held_out:], order[:held_out]
    batches = math.ceil(len(train_index) / args.batch)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    start = time.monotonic()
    for epoch in range(1, args.epochs + 1):
        model.train()
        shuffled = train_index[torch.randperm(
            len(train_index), generator=torch.Generator().manual_seed(args.seed + epoch))]
        for b in range(batches):
            step = (epoch - 1) * batches + b
            for group in optimizer.param_groups:
                group["lr"] = args.learning_rate * 0.5 * (
                    1 + math.cos(math.pi * step / (args.epochs * batches)))
            index = shuffled[b * args.batch:(b + 1) * args.batch]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(images[index]), labels[index])
            loss.backward()
            optimizer.step()
        model.eval()  # the held-out accuracy, as kiln train reports it each epoch
        with torch.no_grad():
            accuracy(model, images[validation_index], labels[validation_index])
    seconds = time.monotonic() - start
    model.eval()
    with torch.no_grad():
        test_accuracy = accuracy(model, test_images, test_labels)
    print(json.dumps({"framework": "pytorch", "torch": torch.__version__, "arch": args.arch,
                      "parameters": sum(p.numel() for p in model.parameters()),
                      "test_accuracy": test_accuracy,
                      "training_seconds": seconds}))


if __name__ == "__main__":
    main()
