#!/usr/bin/python3
"""Train two small classifiers on Fashion-MNIST and export them to ONNX.

The networks are the fp32 baselines of kite's quantization work (docs/QUANTIZATION.md):

    mobilenet_v2_fm   MobileNet v2-style: inverted residuals (1x1 expansion, depthwise 3x3,
                      linear 1x1 bottleneck), ReLU6, residuals where stride is 1 and the
                      channel counts match
    resnet_fm         ResNet-style: basic blocks with identity and projection shortcuts

For each network this writes into OUT_DIR (default models/fashion_mnist):

    <name>.onnx   opset 13, input "input" [1, 1, 28, 28] float32, output "logits" [1, 10];
                  BatchNormalization in eval mode
    <name>.json   the input normalization, the top-1 accuracy PyTorch measured on the
                  10,000 test images, epochs, seed and training time

Input normalization (what every consumer of the models must do, kite eval included):

    x = (pixel / 255 - 0.2860) / 0.3530        (float32; pixel is the uint8 IDX value)

0.2860 and 0.3530 are the mean and standard deviation of the training images' pixels.

Training runs on the CPU with one thread and a fixed seed; the dataset is read from the IDX
files (gzipped or plain) of Debian's dataset-fashion-mnist. Must run with Debian's
interpreter (python3-torch, python3-onnx):

    /usr/bin/python3 scripts/train_fashion_mnist.py [--data DIR] [--out OUT_DIR]
        [--models mobilenet_v2_fm,resnet_fm] [--epochs N]
"""

import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 0
MEAN = 0.2860
STD = 0.3530
NUM_CLASSES = 10
OPSET = 13
BATCH = 128


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------
def read_idx(path):
    """An IDX file as a uint8 array. Gzip is recognized by its magic bytes, not the name."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    ndims = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndims)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndims)
    if data.size != int(np.prod(dims)):
        sys.exit(f"{path}: {data.size} data bytes, dimensions {dims} need {int(np.prod(dims))}")
    return data.reshape(dims)


def find_idx(data_dir, stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return path
    sys.exit(f"{data_dir}: no {stem} or {stem}.gz")


def load_split(data_dir, prefix):
    images = read_idx(find_idx(data_dir, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find_idx(data_dir, f"{prefix}-labels-idx1-ubyte"))
    if images.shape[0] != labels.shape[0] or images.shape[1:] != (28, 28):
        sys.exit(f"{data_dir}: {prefix} images {images.shape} and labels {labels.shape} do not match")
    return images, labels.astype(np.int64)


def normalize(images_u8):
    """The documented preprocessing, in float32 exactly as kite eval computes it."""
    x = images_u8.astype(np.float32) / np.float32(255)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return torch.from_numpy(x[:, None, :, :].copy())


# ---------------------------------------------------------------------------
# Networks
# ---------------------------------------------------------------------------
def conv_bn(cin, cout, kernel, stride=1, groups=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout))


class InvertedResidual(nn.Module):
    """1x1 expansion + ReLU6, depthwise 3x3 + ReLU6, linear 1x1 projection (no activation)."""

    def __init__(self, cin, cout, stride, expansion):
        super().__init__()
        hidden = cin * expansion
        layers = []
        if expansion != 1:
            layers += [conv_bn(cin, hidden, 1), nn.ReLU6(inplace=True)]
        layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden), nn.ReLU6(inplace=True),
                   conv_bn(hidden, cout, 1)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class MobileNetV2FM(nn.Module):
    # (expansion, output channels, blocks, stride of the first block) as in the MobileNet v2
    # paper's table, scaled down for 28x28 inputs: 28 -> 14 -> 7. The first block halves the
    # resolution at once: expanded layers at 28x28 would triple the training time.
    STAGES = [(1, 16, 1, 2), (4, 24, 2, 1), (4, 32, 2, 2), (4, 64, 1, 1)]

    def __init__(self):
        super().__init__()
        layers = [conv_bn(1, 16, 3), nn.ReLU6(inplace=True)]
        cin = 16
        for expansion, cout, blocks, stride in self.STAGES:
            for i in range(blocks):
                layers.append(InvertedResidual(cin, cout, stride if i == 0 else 1, expansion))
                cin = cout
        layers += [conv_bn(cin, 128, 1), nn.ReLU6(inplace=True)]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(128, NUM_CLASSES)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


class BasicBlock(nn.Module):
    """Two 3x3 convolutions; the shortcut is the identity, or a strided 1x1 projection where
    the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv_bn(cin, cout, 3, stride)
        self.conv2 = conv_bn(cout, cout, 3)
        self.shortcut = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        y = self.conv2(F.relu(self.conv1(x)))
        return F.relu(y + self.shortcut(x))


class ResNetFM(nn.Module):
    # (output channels, stride) per basic block: 28 -> 14 -> 7.
    BLOCKS = [(16, 1), (32, 2), (32, 1), (64, 2)]

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(conv_bn(1, 16, 3), nn.ReLU(inplace=True))
        blocks, cin = [], 16
        for cout, stride in self.BLOCKS:
            blocks.append(BasicBlock(cin, cout, stride))
            cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.classifier = nn.Linear(cin, NUM_CLASSES)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.blocks(self.stem(x)), 1)
        return self.classifier(torch.flatten(x, 1))


MODELS = {"mobilenet_v2_fm": MobileNetV2FM, "resnet_fm": ResNetFM}


# ---------------------------------------------------------------------------
# Training and evaluation
# ---------------------------------------------------------------------------
def augment(x, generator):
    """Random horizontal flips per image and one shift of up to 2 pixels per batch, the uncovered
    border black: cheap enough for one core."""
    flip = torch.rand(x.shape[0], generator=generator) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    background = (0 - MEAN) / STD  # a black pixel after normalization
    padded = F.pad(x, (2, 2, 2, 2), value=background)
    dy, dx = torch.randint(0, 5, (2,), generator=generator).tolist()
    return padded[:, :, dy:dy + 28, dx:dx + 28]


def train(model, x, y, epochs, generator, log):
    steps_per_epoch = (len(x) + BATCH - 1) // BATCH
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.2, epochs=epochs,
                                                   steps_per_epoch=steps_per_epoch, pct_start=0.25)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x), generator=generator)
        start, total_loss = time.time(), 0.0
        for step in range(steps_per_epoch):
            idx = order[step * BATCH:(step + 1) * BATCH]
            loss = F.cross_entropy(model(augment(x[idx], generator)), y[idx], label_smoothing=0.05)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total_loss += loss.item()
        log(f"  epoch {epoch + 1}/{epochs}: loss {total_loss / steps_per_epoch:.4f}, {time.time() - start:.0f} s")


@torch.no_grad()
def top1(model, x, y):
    model.eval()
    correct = 0
    for i in range(0, len(x), 1000):
        correct += (model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    return correct / len(x)


def export_onnx(model, path):
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, opset_version=OPSET,
                      input_names=["input"], output_names=["logits"], do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", default=os.path.join(repo, "models", "fashion_mnist"))
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()

    torch.set_num_threads(1)
    train_images, train_labels = load_split(args.data, "train")
    test_images, test_labels = load_split(args.data, "t10k")
    x_train, y_train = normalize(train_images), torch.from_numpy(train_labels)
    x_test, y_test = normalize(test_images), torch.from_numpy(test_labels)
    os.makedirs(args.out, exist_ok=True)

    for name in args.models.split(","):
        if name not in MODELS:
            sys.exit(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
        torch.manual_seed(SEED)
        generator = torch.Generator().manual_seed(SEED)
        model = MODELS[name]()
        params = sum(p.numel() for p in model.parameters())
        print(f"{name}: {params} parameters, {args.epochs} epochs", flush=True)
        start = time.time()
        train(model, x_train, y_train, args.epochs, generator, lambda s: print(s, flush=True))
        seconds = time.time() - start
        accuracy = top1(model, x_test, y_test)
        print(f"{name}: test top-1 {accuracy:.4f}, trained in {seconds:.0f} s", flush=True)
        onnx_path = os.path.join(args.out, name + ".onnx")
        export_onnx(model, onnx_path)
        metadata = {
            "model": name,
            "dataset": "fashion-mnist",
            "input": {"name": "input", "shape": [1, 1, 28, 28],
                      "normalization": "(pixel / 255 - mean) / std", "mean": MEAN, "std": STD},
            "output": {"name": "logits", "shape": [1, NUM_CLASSES]},
            "params": params,
            "pytorch_top1": accuracy,
            "test_samples": len(x_test),
            "epochs": args.epochs,
            "seed": SEED,
            "train_seconds_one_thread": round(seconds),
            "torch_version": torch.__version__,
        }
        with open(os.path.join(args.out, name + ".json"), "w") as f:
            json.dump(metadata, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
