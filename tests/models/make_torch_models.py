#!/usr/bin/python3
"""Exports PyTorch models to ONNX with PyTorch's own output as the reference (Debian
python3-torch 1.13 + python3-torchvision 0.14). Random weights, randomised BatchNorm statistics,
fixed seeds: the same files every run.

    make_torch_models.py small OUTDIR        tiny CNNs (committed under tests/models/small)
    make_torch_models.py torchvision OUTDIR  resnet18, mobilenet_v2, squeezenet1_1,
                                             lraspp_mobilenet_v3_large, densenet121,
                                             efficientnet_b0 (made at test time)
    make_torch_models.py bench OUTDIR        the eight ImageNet classifiers of the performance
                                             report, all at 1x3x224x224 (bench/models/compare.sh)

For each model NAME it writes NAME.onnx, NAME.in.npy (the input) and NAME.ref.npy (PyTorch's
output in eval mode, float32), and a line "NAME opset input-shape" to OUTDIR/models.txt.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn


def randomise_batchnorm(model, gen):
    """Non-trivial BatchNorm statistics, so folding them into convolutions is really tested."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            c = m.num_features
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                if m.weight is not None:
                    m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                    m.bias.copy_(torch.randn(c, generator=gen) * 0.1)


class Tiny(nn.Module):
    """Conv-BN-ReLU, a residual block, ReLU6, Hardswish, SiLU, max/avg pooling, a linear head."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.b1 = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(),
                                nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8))
        self.dw = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.Hardswish(),
                                nn.Conv2d(8, 16, 1), nn.SiLU())
        self.pool = nn.MaxPool2d(2)
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        x = self.stem(x)
        x = torch.relu(x + self.b1(x))
        x = self.pool(self.dw(x))
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return torch.softmax(self.head(x), dim=1)


class TinySeg(nn.Module):
    """Encoder-decoder with a transposed conv, bilinear upsampling, concat and sigmoid."""

    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.LeakyReLU(0.1))
        self.mid = nn.Sequential(nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.up = nn.ConvTranspose2d(8, 8, 2, stride=2)
        self.out = nn.Conv2d(16, 2, 1)

    def forward(self, x):
        e = self.enc(x)
        m = self.up(self.mid(e))
        y = self.out(torch.cat([e, m], dim=1))
        y = nn.functional.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False)
        return torch.sigmoid(y)


class SegOut(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return self.m(x)["out"]


def export(name, model, shape, opset, outdir, seed, dynamic=False, fold=True):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    randomise_batchnorm(model, gen)
    model.eval()
    x = torch.rand(*shape, generator=gen) * 2 - 1
    with torch.no_grad():
        y = model(x)
    path = os.path.join(outdir, name + ".onnx")
    kw = {}
    if dynamic:
        kw["dynamic_axes"] = {"input": {0: "N", 2: "H", 3: "W"}, "output": {0: "N"}}
    # TrainingMode.PRESERVE keeps BatchNormalization nodes (in inference form) instead of letting
    # the exporter fold them into the convolutions, so luodi's own folding is what is tested.
    # fold=False also leaves PyTorch's constant folding off, so luodi's folding meets raw exports.
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"], output_names=["output"],
                      do_constant_folding=fold, training=torch.onnx.TrainingMode.PRESERVE, **kw)
    np.save(os.path.join(outdir, name + ".in.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(outdir, name + ".ref.npy"), y.numpy().astype(np.float32))
    with open(os.path.join(outdir, "models.txt"), "a") as f:
        f.write(f"{name} {opset} {'x'.join(str(d) for d in shape)}\n")
    print(f"{name}: opset {opset}, input {tuple(shape)}, output {tuple(y.shape)}")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("small", "torchvision", "bench"):
        print(__doc__)
        sys.exit(2)
    kind, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    open(os.path.join(outdir, "models.txt"), "w").close()
    torch.set_num_threads(1)
    if kind == "small":
        for opset in (9, 11, 13):
            export(f"tiny_cnn_op{opset}", Tiny(), (1, 3, 32, 32), opset, outdir, 1, fold=opset != 11)
        export("tiny_seg_op13", TinySeg(), (1, 3, 32, 48), 13, outdir, 2)
        export("tiny_seg_op11", TinySeg(), (1, 3, 32, 48), 11, outdir, 2)
        return
    import torchvision.models as tvm
    import torchvision.models.segmentation as seg
    if kind == "bench":
        # Seeds differ from the test models' so the two sets are never confused; opset 13
        # everywhere (HardSwish/HardSigmoid export natively at 14+, so the MobileNetV3s use 17).
        shape = (1, 3, 224, 224)
        export("resnet18", tvm.resnet18(weights=None), shape, 13, outdir, 20)
        export("resnet50", tvm.resnet50(weights=None), shape, 13, outdir, 21)
        export("mobilenet_v2", tvm.mobilenet_v2(weights=None), shape, 13, outdir, 22)
        export("mobilenet_v3_small", tvm.mobilenet_v3_small(weights=None), shape, 17, outdir, 23)
        export("mobilenet_v3_large", tvm.mobilenet_v3_large(weights=None), shape, 17, outdir, 24)
        export("squeezenet1_1", tvm.squeezenet1_1(weights=None), shape, 13, outdir, 25)
        export("shufflenet_v2_x1_0", tvm.shufflenet_v2_x1_0(weights=None), shape, 13, outdir, 26)
        export("efficientnet_b0", tvm.efficientnet_b0(weights=None), shape, 13, outdir, 27)
        return
    export("resnet18", tvm.resnet18(weights=None), (1, 3, 224, 224), 13, outdir, 10)
    export("mobilenet_v2", tvm.mobilenet_v2(weights=None), (1, 3, 224, 224), 13, outdir, 11, dynamic=True)
    export("squeezenet1_1", tvm.squeezenet1_1(weights=None), (1, 3, 224, 224), 11, outdir, 12)
    export("lraspp_mobilenet_v3_large",
           SegOut(seg.lraspp_mobilenet_v3_large(weights=None, weights_backbone=None)), (1, 3, 160, 160), 13, outdir, 13)
    # Concat of up to 25 inputs (dense blocks), and squeeze-excitation with SiLU at opset 17.
    export("densenet121", tvm.densenet121(weights=None), (1, 3, 64, 64), 13, outdir, 14)
    export("efficientnet_b0", tvm.efficientnet_b0(weights=None), (1, 3, 96, 96), 17, outdir, 15)


if __name__ == "__main__":
    main()
