#!/usr/bin/python3
"""Models exported from PyTorch for kiln's ONNX tests.

Writes into OUT_DIR:
  <name>.onnx, <name>_in<i>.npy, <name>_out<i>.npy   small models covering the
      imported ops, with PyTorch's own outputs for a seeded random input;
  tv_<model>.onnx, tv_<model>_in0.npy, tv_<model>_out0.npy
                                                 torchvision's classification
      models (random weights, batch-norm statistics randomized), exported as
      PyTorch users export them, at a small input size;
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
    """Exports `model` run on `x` (a tensor or a tuple of them): NAME.onnx and
    NAME_in<i>.npy, NAME_out<i>.npy for each input and output."""
    model.eval()
    inputs = x if isinstance(x, tuple) else (x,)
    with torch.no_grad():
        y = model(*inputs)
    outputs = y if isinstance(y, tuple) else (y,)
    torch.onnx.export(model, inputs, os.path.join(out, name + ".onnx"), opset_version=14,
                      do_constant_folding=constant_folding,
                      input_names=["input"] + [f"input{i}" for i in range(1, len(inputs))],
                      output_names=["output"] + [f"output{i}" for i in range(1, len(outputs))])
    for i, t in enumerate(inputs):
        np.save(os.path.join(out, f"{name}_in{i}.npy"), t.numpy())
    for i, t in enumerate(outputs):
        np.save(os.path.join(out, f"{name}_out{i}.npy"), t.numpy())


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


class Reductions(nn.Module):
    def forward(self, x):
        a = x.mean(dim=(2, 3), keepdim=True) * x
        b = a.sum(dim=1) + a.amax(dim=1) - a.amin(dim=1)
        return torch.cat([b.mean(dim=-1), torch.log_softmax(b, dim=1).mean(dim=1)], dim=1)


class Slicing(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(6, 6, 1)
        self.register_buffer("index", torch.tensor([3, 0, 2]))

    def forward(self, x):
        y = self.conv(x)
        a, b = torch.split(y, [2, 4], dim=1)
        c = y[:, 1:5:2, 1:, ::2]
        d = torch.index_select(b, 1, self.index)
        e = y.flip(3)[:, :, :, 1:4]
        return torch.cat([a[:, :, 1:, ::2] + c, d[:, :2, 1:, ::2]], dim=1).flatten(1), e.sum(1)


class Comparisons(nn.Module):
    def forward(self, x, y):
        m = (x > y) | ((x <= 0.5) & ~(y < -0.5))
        z = torch.where(m, x, y * 0.1) + torch.where(x == y, torch.ones_like(x), x * 0.5)
        return torch.maximum(torch.minimum(z, y), x - 1.0) / (y.abs() + 1.0)


class UnaryMath(nn.Module):
    def forward(self, x):
        a = torch.exp(-x.abs()) + torch.log(x.abs() + 1.0) + torch.sqrt(x.abs())
        b = torch.floor(x * 3.0) - torch.ceil(x * 2.0) + torch.round(x * 4.0) - x.neg()
        c = torch.sin(x) * torch.cos(x) + x.pow(2) + torch.cumsum(x, dim=1)
        return a + b + c


class Activations(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3, padding=1)
        self.prelu = nn.PReLU(8)

    def forward(self, x):
        y = self.prelu(self.conv(x))
        y = F.elu(y) + F.hardsigmoid(y) * F.gelu(y)
        return F.softmax(y, dim=1) + torch.sigmoid(y).expand(2, 8, 6, 6)[1:]


class Repeats(nn.Module):
    def forward(self, x):
        y = x.repeat(1, 2, 1, 3) + x.mean(dim=1, keepdim=True).expand(-1, 6, -1, -1).repeat(1, 1, 1, 3)
        return F.pixel_unshuffle(y, 2).flatten(1)


class Resizing(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 12, 3, padding=1)

    def forward(self, x):
        y = F.pixel_shuffle(self.conv(x), 2)
        a = F.interpolate(y, scale_factor=2, mode="nearest")
        b = F.interpolate(y, size=(a.shape[2], a.shape[3]), mode="bilinear", align_corners=False)
        c = F.interpolate(y, scale_factor=2, mode="bilinear", align_corners=True)
        return a + b + c + F.interpolate(x, scale_factor=4, mode="nearest")


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 8, batch_first=True)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        y, (h, c) = self.lstm(x)
        return self.fc(y), h + c


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
        ("reductions", Reductions(), (1, 5, 4, 6), True),
        ("slicing", Slicing(), (1, 6, 5, 8), True),
        ("comparisons", Comparisons(), [(2, 3, 4), (2, 3, 4)], True),
        ("unary_math", UnaryMath(), (3, 7), True),
        ("activations", Activations(), (1, 4, 6, 6), True),
        ("repeats", Repeats(), (1, 3, 4, 2), True),
        ("resizing", Resizing(), (1, 3, 5, 4), True),
        ("recurrent", Recurrent(), (2, 6, 5), True),
    ]
    for name, model, shape, folding in cases:
        torch.manual_seed(sum(map(ord, name)))
        randomize_batch_norms(model)
        shapes = shape if isinstance(shape, list) else [shape]
        export(model, tuple(torch.randn(*s) for s in shapes), name, out, constant_folding=folding)


# One model of each torchvision classification family small enough to run in
# the test suite, and its input size (inception_v3 needs 75 pixels or more).
TORCHVISION = [
    ("resnet18", 64), ("mobilenet_v2", 64), ("mobilenet_v3_small", 64),
    ("squeezenet1_1", 64), ("shufflenet_v2_x0_5", 64), ("mnasnet0_5", 64),
    ("efficientnet_b0", 64), ("regnet_y_400mf", 64), ("densenet121", 64),
    ("googlenet", 64), ("convnext_tiny", 64), ("resnext50_32x4d", 64),
]


def export_torchvision(out):
    import torchvision
    for name, size in TORCHVISION:
        torch.manual_seed(sum(map(ord, name)))
        model = getattr(torchvision.models, name)(weights=None)
        randomize_batch_norms(model)
        export(model, torch.randn(1, 3, size, size), "tv_" + name, out)
        print(f"torchvision: {name} exported", flush=True)


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
    export_torchvision(out)
    export_fashion(out)


if __name__ == "__main__":
    main()
