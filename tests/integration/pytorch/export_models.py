#!/usr/bin/python3
"""Models exported from PyTorch for kiln's ONNX tests.

Writes into OUT_DIR:
  <name>.onnx, <name>_in0.npy, <name>_out0.npy   small models covering the
      imported ops, with PyTorch's own outputs for a seeded random input;
  fashion_cnn.onnx                               a CNN trained here on
      Fashion-MNIST (Debian's dataset-fashion-mnist);
  fashion_calibration/<i>.npy                    training images for calibration;
  fashion_test/<i>.bin, fashion_labels.txt       the test set and its labels;
  fashion_float_accuracy.txt                     PyTorch's accuracy on it;
  fashion_cnn_qdq.onnx, fashion_qdq_out.npy      the same CNN quantized by
      PyTorch (eager mode, fbgemm), exported in ONNX's QDQ form, and its int8
      outputs for the first test images.

Everything is seeded, so a run reproduces the same files (up to the thread
scheduling of PyTorch's CPU kernels).
"""
import gzip
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FASHION = "/usr/share/datasets/fashion-mnist"


def export(model, x, name, out, constant_folding=True):
    model.eval()
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, x, os.path.join(out, name + ".onnx"), opset_version=14,
                      do_constant_folding=constant_folding, input_names=["input"], output_names=["output"])
    np.save(os.path.join(out, name + "_in0.npy"), x.numpy())
    np.save(os.path.join(out, name + "_out0.npy"), y.numpy())


class ConvBnRelu6(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        return F.relu6(self.bn(self.conv(x)))


class DepthwiseSeparable(nn.Module):
    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.pw = nn.Conv2d(8, 16, 1)

    def forward(self, x):
        return F.leaky_relu(self.pw(torch.sigmoid(self.dw(x))), 0.2)


class Upsample(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)

    def forward(self, x):
        return torch.tanh(self.up(x))


class Pools(nn.Module):
    def forward(self, x):
        a = F.max_pool2d(x, 3, stride=2, padding=1)
        b = F.avg_pool2d(F.hardswish(a), 2, ceil_mode=True, count_include_pad=False)
        return torch.cat([F.adaptive_avg_pool2d(b, 1), F.adaptive_max_pool2d(b, 1)], dim=1)


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 32)
        self.fc2 = nn.Linear(32, 5)

    def forward(self, x):
        return F.softmax(self.fc2(torch.tanh(self.fc1(x))), dim=-1)


class ConcatPadPermute(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 1)
        self.b = nn.Conv2d(3, 2, 3, padding=1)

    def forward(self, x):
        y = torch.cat([self.a(x), F.hardswish(self.b(x))], dim=1)
        y = F.pad(y, (1, 2, 0, 1))
        return y.permute(0, 2, 3, 1)


class Audio1d(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 5, stride=2, padding=2)
        self.fc = nn.Linear(8 * 8, 6)

    def forward(self, x):
        y = F.max_pool1d(F.relu(self.conv(x)), 2)
        return self.fc(torch.flatten(y, 1))


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(8, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 8, 3, padding=1)
        self.w = nn.Parameter(torch.randn(8 * 6 * 6, 3) * 0.1)

    def forward(self, x):
        y = F.relu(self.bn1(self.c1(x)))
        y = F.relu(self.c2(y) + x)
        return torch.matmul(y.reshape(1, -1), self.w)


def randomize_batch_norms(model):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)


def export_op_models(out):
    cases = [
        ("conv_bn_relu6", ConvBnRelu6(), (1, 3, 16, 16), False),
        ("depthwise_separable", DepthwiseSeparable(), (1, 8, 10, 12), True),
        ("upsample", Upsample(), (1, 4, 5, 6), True),
        ("pools", Pools(), (1, 6, 15, 13), True),
        ("mlp", Mlp(), (3, 20), True),
        ("concat_pad_permute", ConcatPadPermute(), (1, 3, 7, 9), True),
        ("audio_1d", Audio1d(), (1, 4, 32), True),
        ("residual", Residual(), (1, 8, 6, 6), False),
    ]
    for name, model, shape, folding in cases:
        torch.manual_seed(sum(map(ord, name)))
        randomize_batch_norms(model)
        export(model, torch.randn(*shape), name, out, constant_folding=folding)


def read_idx(name):
    with gzip.open(os.path.join(FASHION, name)) as f:
        data = f.read()
    if name.endswith("images-idx3-ubyte.gz"):
        return np.frombuffer(data, np.uint8, offset=16).reshape(-1, 1, 28, 28)
    return np.frombuffer(data, np.uint8, offset=8)


class FashionCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 16, 3, padding=1)
        self.b1 = nn.BatchNorm2d(16)
        self.c2 = nn.Conv2d(16, 32, 3, padding=1)
        self.b2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.max_pool2d(F.relu(self.b2(self.c2(x))), 2)
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


class QuantizableFashionCnn(nn.Module):
    """FashionCnn with the module structure PyTorch's eager quantization needs."""

    def __init__(self, trained):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.c1, self.b1, self.r1 = trained.c1, trained.b1, nn.ReLU()
        self.c2, self.b2, self.r2 = trained.c2, trained.b2, nn.ReLU()
        self.p1, self.p2 = nn.MaxPool2d(2), nn.MaxPool2d(2)
        self.fc1, self.r3, self.fc2 = trained.fc1, nn.ReLU(), trained.fc2
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x):
        x = self.p1(self.r1(self.b1(self.c1(self.quant(x)))))
        x = self.p2(self.r2(self.b2(self.c2(x))))
        return self.dequant(self.fc2(self.r3(self.fc1(torch.flatten(x, 1)))))


def export_quantized_fashion(model, train_x, test_x, out, compared=500):
    q = QuantizableFashionCnn(model).eval()
    q.qconfig = torch.ao.quantization.get_default_qconfig("fbgemm")
    torch.ao.quantization.fuse_modules(q, [["c1", "b1", "r1"], ["c2", "b2", "r2"]], inplace=True)
    torch.ao.quantization.prepare(q, inplace=True)
    with torch.no_grad():
        q(train_x[:200])
    torch.ao.quantization.convert(q, inplace=True)
    with torch.no_grad():
        outputs = q(torch.from_numpy(test_x[:compared])).numpy()
    np.save(os.path.join(out, "fashion_qdq_out.npy"), outputs)
    torch.onnx.export(q, torch.from_numpy(test_x[:1]), os.path.join(out, "fashion_cnn_qdq.onnx"), opset_version=13,
                      input_names=["image"], output_names=["logits"])


def export_fashion(out, epochs=2, calibration=200):
    torch.manual_seed(1)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    train_x = torch.from_numpy(read_idx("train-images-idx3-ubyte.gz").astype(np.float32) / 255.0)
    train_y = torch.from_numpy(read_idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    test_x = read_idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    test_y = read_idx("t10k-labels-idx1-ubyte.gz")
    model = FashionCnn()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(train_x))
        for i in range(0, len(order), 128):
            batch = order[i:i + 128]
            opt.zero_grad()
            F.cross_entropy(model(train_x[batch]), train_y[batch]).backward()
            opt.step()
        print(f"fashion-mnist: epoch {epoch + 1}/{epochs} done", flush=True)
    model.eval()
    with torch.no_grad():
        predicted = model(torch.from_numpy(test_x)).argmax(dim=1).numpy()
    accuracy = float((predicted == test_y).mean())
    print(f"fashion-mnist: float accuracy {accuracy:.4f}", flush=True)
    torch.onnx.export(model, torch.from_numpy(test_x[:1]), os.path.join(out, "fashion_cnn.onnx"), opset_version=13,
                      input_names=["image"], output_names=["logits"])
    os.makedirs(os.path.join(out, "fashion_calibration"), exist_ok=True)
    for i in range(calibration):  # the first training images
        np.save(os.path.join(out, "fashion_calibration", f"{i:05d}.npy"), train_x[i:i + 1].numpy())
    os.makedirs(os.path.join(out, "fashion_test"), exist_ok=True)
    for i in range(len(test_x)):
        test_x[i:i + 1].tofile(os.path.join(out, "fashion_test", f"{i:05d}.bin"))
    with open(os.path.join(out, "fashion_labels.txt"), "w") as f:
        f.writelines(f"{int(label)}\n" for label in test_y)
    with open(os.path.join(out, "fashion_float_accuracy.txt"), "w") as f:
        f.write(f"{accuracy}\n")
    export_quantized_fashion(model, train_x, test_x, out)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    export_op_models(out)
    export_fashion(out)


if __name__ == "__main__":
    main()
