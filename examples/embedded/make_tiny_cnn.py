#!/usr/bin/python3
"""Train and export the small CNN of examples/embedded and examples/classify.

    /usr/bin/python3 examples/embedded/make_tiny_cnn.py [outdir]   (default: examples/embedded/model)

A 32x32 grayscale shape classifier (circle, square, triangle, cross, ring, bar), trained for a
minute or two on one core on procedurally drawn shapes (random size, position, rotation, contrast, noise), so
its answers mean something and can be checked: 9.9 k parameters, 41 KB as ONNX, 96.5 %
accurate on 1200 held-out frames.

Writes:
  tiny_shapes.onnx      opset 13; input "image" 1x1x32x32 float (v/255 - 0.5) / 0.25, output
                        "logits" 1x6
  labels.txt            one class name per line
  <class>.gray          one held-out frame per class: 32x32 raw bytes (what a sensor gives)
  <class>.pgm           the same frame as a PGM image (for examples/classify)
  reference.txt         PyTorch's logits for each frame: "<class> l0 l1 ... l5", the independent
                        reference the luodi tests compare with

Everything is seeded; Debian 12's python3-torch (1.13) and python3-onnx are all it needs.
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

CLASSES = ["circle", "square", "triangle", "cross", "ring", "bar"]
SIZE = 32
MEAN, STD = 0.5, 0.25  # on v / 255


def draw(kind, rng):
    """One 32x32 uint8 frame of shape `kind`, as a sensor would see it."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) + 0.5
    cx, cy = rng.uniform(11, 21, size=2)
    r = rng.uniform(6, 10)
    t = rng.uniform(0, math.pi)
    c, s = math.cos(t), math.sin(t)
    u = (xx - cx) * c + (yy - cy) * s  # coordinates in the shape's rotated frame
    v = -(xx - cx) * s + (yy - cy) * c
    d = np.hypot(xx - cx, yy - cy)
    w = rng.uniform(1.6, 3.0)  # stroke half-width
    if kind == "circle":
        m = d <= r
    elif kind == "square":
        m = (np.abs(u) <= r * 0.8) & (np.abs(v) <= r * 0.8)
    elif kind == "triangle":  # equilateral, pointing along the rotated v axis
        m = (v <= r * 0.5) & (v >= -r + np.abs(u) * math.sqrt(3.0) * 0.75)
    elif kind == "cross":
        m = ((np.abs(u) <= w) & (np.abs(v) <= r)) | ((np.abs(v) <= w) & (np.abs(u) <= r))
    elif kind == "ring":
        m = (d <= r) & (d >= r - 2 * w)
    else:  # bar
        m = (np.abs(u) <= r * 1.2) & (np.abs(v) <= w)
    bg, fg = rng.uniform(20, 235, size=2)
    if abs(fg - bg) < 60:
        fg = bg + 60 if bg < 128 else bg - 60
    img = np.where(m, fg, bg) + rng.normal(0, rng.uniform(2, 10), size=(SIZE, SIZE))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def dataset(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(CLASSES), size=n)
    x = np.stack([draw(CLASSES[k], rng) for k in y])
    return x, y


def normalise(x):
    return torch.from_numpy((x.astype(np.float32) / 255.0 - MEAN) / STD).unsqueeze(1)


class TinyShapes(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 12, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 16x16
            nn.Conv2d(12, 24, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 8x8
            nn.Conv2d(24, 32, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.Linear(32, len(CLASSES)))

    def forward(self, x):
        return self.body(x)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "model")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    xtr, ytr = dataset(8000, 1)
    xte, yte = dataset(1200, 2)
    model = TinyShapes()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=24)
    xt, yt = normalise(xtr), torch.from_numpy(ytr)
    for epoch in range(24):
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 64):
            idx = perm[i:i + 64]
            loss = nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    model.eval()
    with torch.no_grad():
        acc = (model(normalise(xte)).argmax(1).numpy() == yte).mean()
    print(f"held-out accuracy {acc:.4f} on {len(yte)} frames")
    params = sum(p.numel() for p in model.parameters())

    onnx_path = os.path.join(out, "tiny_shapes.onnx")
    torch.onnx.export(model, normalise(xte[:1]), onnx_path, input_names=["image"], output_names=["logits"],
                      opset_version=13, do_constant_folding=True)
    with open(os.path.join(out, "labels.txt"), "w") as f:
        f.write("\n".join(CLASSES) + "\n")

    # One held-out frame per class (the first the model gets right: the demo should show a
    # correct answer), raw and as PGM, and PyTorch's logits for it.
    rng = np.random.default_rng(3)
    lines = []
    for k, name in enumerate(CLASSES):
        while True:
            frame = draw(name, rng)
            with torch.no_grad():
                logits = model(normalise(frame[None]))[0].numpy()
            if logits.argmax() == k:
                break
        frame.tofile(os.path.join(out, name + ".gray"))
        with open(os.path.join(out, name + ".pgm"), "wb") as f:
            f.write(b"P5\n32 32\n255\n" + frame.tobytes())
        lines.append(name + " " + " ".join(f"{v:.9g}" for v in logits))
    with open(os.path.join(out, "reference.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{params} parameters; wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes)")


if __name__ == "__main__":
    main()
